// `cdk-mlops simulate [--scenario <name> | --scenario-file <file> | --all] [--json]`
// Runs the closed loop offline: the real retraining and training state
// machines of examples/closed-loop.ts under simulated AWS services.
import { readFileSync } from 'node:fs';
import type { Command } from './index';
import { BUILT_IN_SCENARIOS, parseScenario, Scenario } from '../simulate/scenario';

const USAGE = [
  'usage: cdk-mlops simulate [--example closed-loop|model-factory] [--scenario <name> | --scenario-file <file> | --all] [--json]',
  '',
  'Synthesizes the end-to-end example (ModelEndpoint, DriftMonitor, TrainingPipeline, RetrainTrigger),',
  'and executes its real retraining and training state machines locally; every AWS call is simulated',
  'as the scenario scripts. Exit code 0 when the outcome is the expected one (and every invariant holds).',
  '',
  `built-in scenarios: ${BUILT_IN_SCENARIOS.map((s) => s.name).join(', ')}`,
].join('\n');

export const simulate: Command = {
  summary: 'rehearse the closed loop offline (drift alarm -> retrain -> canary -> promote/roll back)',
  async run(argv: string[]): Promise<number> {
    let name: string | undefined;
    let file: string | undefined;
    let json = false;
    let all = false;
    let example = 'closed-loop';
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--scenario') name = argv[++i];
      else if (a === '--scenario-file') file = argv[++i];
      else if (a === '--json') json = true;
      else if (a === '--all') all = true;
      else if (a === '--example') example = argv[++i];
      else if (a === '--help' || a === '-h') { console.log(USAGE); return 0; } else { console.error(`simulate: unknown argument "${a}"\n${USAGE}`); return 2; }
    }
    if ([name !== undefined, file !== undefined, all].filter(Boolean).length > 1) {
      console.error(`simulate: give one of --scenario, --scenario-file, --all\n${USAGE}`);
      return 2;
    }
    if (example !== 'closed-loop' && example !== 'model-factory') {
      console.error(`simulate: unknown example "${example}" (closed-loop, model-factory)\n${USAGE}`);
      return 2;
    }
    let scenarios: Scenario[];
    if (file !== undefined) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        console.error(`simulate: cannot read ${file}: ${(err as Error).message}`);
        return 2;
      }
      try {
        scenarios = [parseScenario(JSON.parse(text), file)];
      } catch (err) {
        console.error(`simulate: ${(err as Error).message}`);
        return 2;
      }
    } else if (all) {
      scenarios = BUILT_IN_SCENARIOS;
    } else {
      const s = BUILT_IN_SCENARIOS.find((x) => x.name === (name ?? 'drift-promote'));
      if (!s) {
        console.error(`simulate: unknown scenario "${name}" (built-in: ${BUILT_IN_SCENARIOS.map((x) => x.name).join(', ')})`);
        return 2;
      }
      scenarios = [s];
    }

    // Loaded lazily: synthesizing needs aws-cdk-lib, which the other commands do not. Deprecation
    // notices of the example's constructs are for `cdk synth`, not for this output.
    process.env.JSII_DEPRECATED ??= 'quiet';
    const { loadClosedLoop, loadModelFactory, runScenario } = await import('../simulate/run');
    const loaded = example === 'model-factory' ? loadModelFactory() : loadClosedLoop();
    let ok = true;
    const results = [];
    for (const scenario of scenarios) {
      const r = await runScenario(loaded, scenario);
      const good = (r.expected === undefined || r.outcome === r.expected) && Object.values(r.invariants).every(Boolean);
      ok = ok && good;
      results.push(r);
      if (!json || scenarios.length > 1) {
        console.log(r.timeline.join('\n'));
        const broken = Object.entries(r.invariants).filter(([, v]) => !v).map(([k]) => k);
        console.log(`=> ${r.scenario}: ${r.outcome}${r.expected ? ` (expected ${r.expected})` : ''}; invariants ${broken.length === 0 ? 'hold' : `BROKEN: ${broken.join(', ')}`}; ${r.simulatedMinutes} simulated minutes\n`);
      }
    }
    if (json) {
      const strip = ({ timeline: _t, ...rest }: any) => rest;
      console.log(JSON.stringify(results.length === 1 ? strip(results[0]) : { scenarios: results.map(strip) }));
    }
    return ok ? 0 : 1;
  },
};
