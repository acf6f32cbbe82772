// The operator commands (docs/operations.md), registered in bin/commands/index.ts. Each is loaded on
// first use, so the other commands do not pay for the AWS SDK clients at start-up.
import type { Command } from '../index';

/** A command whose module (and SDK clients) load on first use; its help text loads with it. */
function lazy(summary: string, load: () => Promise<Command>, usage: () => string): Command {
  return { summary, get usage() { return usage(); }, run: async (argv) => (await load()).run(argv) };
}

export const statusCommand = lazy('fleet status: champions, last retrain, alarms, canaries, pending approvals',
  async () => (await import('./status')).statusCommand, () => require('./status').statusCommand.usage);
export const approveCommand = lazy('approve the pending retrain of a model', async () => (await import('./approve')).approveCommand, () => require('./approve').approveCommand.usage);
export const rejectCommand = lazy('reject the pending retrain of a model (--reason required)', async () => (await import('./approve')).rejectCommand, () => require('./approve').rejectCommand.usage);
export const retrainCommand = lazy('request a retrain of a model (lock, cooldown and budget apply)', async () => (await import('./retrain')).retrainCommand, () => require('./retrain').retrainCommand.usage);
export const rollbackCommand = lazy('serve the previous (or a named) approved version again, through the loop',
  async () => (await import('./retrain')).rollbackCommand, () => require('./retrain').rollbackCommand.usage);
export const historyCommand = lazy('versions of a model with lineage, approvals, promotions and rollbacks', async () => (await import('./history')).historyCommand, () => require('./history').historyCommand.usage);
export const labelsCommand = lazy('labels put <model> --file f: enter ground truth by hand (validated rows)', async () => (await import('./labels')).labelsCommand, () => require('./labels').labelsCommand.usage);
