// The operator commands (docs/operations.md), registered in bin/commands/index.ts. Each is loaded on
// first use, so the other commands do not pay for the AWS SDK clients at start-up.
import type { Command } from '../index';

function lazy(summary: string, load: () => Promise<Command>): Command {
  return { summary, run: async (argv) => (await load()).run(argv) };
}

export const statusCommand = lazy('fleet status: champions, last retrain, alarms, canaries, pending approvals',
  async () => (await import('./status')).statusCommand);
export const approveCommand = lazy('approve the pending retrain of a model', async () => (await import('./approve')).approveCommand);
export const rejectCommand = lazy('reject the pending retrain of a model (--reason required)', async () => (await import('./approve')).rejectCommand);
export const retrainCommand = lazy('request a retrain of a model (lock, cooldown and budget apply)', async () => (await import('./retrain')).retrainCommand);
export const rollbackCommand = lazy('serve the previous (or a named) approved version again, through the loop',
  async () => (await import('./retrain')).rollbackCommand);
export const historyCommand = lazy('versions of a model with lineage, approvals, promotions and rollbacks', async () => (await import('./history')).historyCommand);
export const labelsCommand = lazy('labels put <model> --file f: enter ground truth by hand (validated rows)', async () => (await import('./labels')).labelsCommand);
