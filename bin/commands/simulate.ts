// `cdk-mlops simulate [--app <cdk.out | command> | --example <name>] [--model <m>]
//                    [--scenario <name> | --scenario-file <file> | --all] [--json] [--html <file>]`
// Runs the closed loop offline: the real retraining and training state machines of the user's app
// (or of a bundled example) under simulated AWS services.
import { readFileSync, writeFileSync } from 'node:fs';
import { BUILT_IN_SCENARIOS, checkScenarioAgainstStack, readScenarioFile, Scenario, ScenarioError } from '../simulate/scenario';
import { CliError, EXIT, parseArgs } from './cli';
import type { Command } from './index';

const USAGE = [
  'usage: cdk-mlops simulate [--app <cdk.out dir | app command> | --example closed-loop|model-factory] [--model <name>]',
  '                          [--scenario <name> | --scenario-file <file> | --all] [--json] [--html <file>]',
  '',
  'Rehearses a retraining loop (ModelEndpoint, DriftMonitor, TrainingPipeline, RetrainTrigger): finds its real',
  'retraining and training state machines and per-model records in the synthesized templates and executes',
  'them locally; every AWS call is simulated as the scenario scripts.',
  '',
  '  --app <dir | command>   your app: a cloud assembly directory (e.g. cdk.out), or the app command of your',
  '                          cdk.json (e.g. "npx ts-node bin/app.ts"), run as cdk synth runs it (CDK_OUTDIR set to a',
  '                          temporary directory); every stack is read, nested Stages included',
  '  --example <name>        a bundled example instead: closed-loop (default without --app) or model-factory',
  '  --model <name>          the model to retrain, for every scenario (default: the scenario\'s, else the first',
  '                          model with a retraining record)',
  '  --scenario <name>       a built-in scenario (default drift-promote)',
  '  --scenario-file <file>  a scenario file (format: docs/retrain-trigger.md#scenario-file-format); it is',
  '                          validated against the format and the synthesized state machines (state and',
  '                          service names of faults, model, canary alarm) before anything runs',
  '  --all                   every built-in scenario',
  '  --json                  print one JSON object on stdout and nothing else (no timeline): the result,',
  '                          or {"scenarios":[...]} for --all',
  '  --html <file>           also write the timelines as a picture, one self-contained HTML file',
  '',
  `built-in scenarios: ${BUILT_IN_SCENARIOS.map((s) => s.name).join(', ')}`,
  '',
  'exit codes: 0 every scenario ended with its expected outcome and every invariant held;',
  '            1 a scenario ended otherwise or broke an invariant; 2 usage error or invalid scenario file;',
  '            3 internal error',
].join('\n');

const OPTIONS = {
  '--app': 'value', '--model': 'value', '--example': 'value', '--scenario': 'value', '--scenario-file': 'value', '--all': 'flag', '--json': 'flag', '--html': 'value',
} as const;

export const simulate: Command = {
  summary: 'rehearse the closed loop offline (drift alarm -> retrain -> canary -> promote/roll back)',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const { options } = parseArgs(argv, OPTIONS);
    const name = options.scenario as string | undefined;
    const file = options['scenario-file'] as string | undefined;
    const json = options.json === true;
    const all = options.all === true;
    const example = (options.example as string | undefined) ?? 'closed-loop';
    const app = options.app as string | undefined;
    const model = options.model as string | undefined;
    if ([name !== undefined, file !== undefined, all].filter(Boolean).length > 1) {
      throw new CliError('give one of --scenario, --scenario-file, --all (see cdk-mlops simulate --help)');
    }
    if (app !== undefined && options.example !== undefined) throw new CliError('give one of --app, --example (see cdk-mlops simulate --help)');
    if (example !== 'closed-loop' && example !== 'model-factory') {
      throw new CliError(`unknown example "${example}" (closed-loop, model-factory)`);
    }
    let scenarios: Scenario[];
    if (file !== undefined) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new CliError(`cannot read scenario file ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message}`);
      }
      scenarios = [asCliError(() => readScenarioFile(file, text))];
    } else if (all) {
      scenarios = BUILT_IN_SCENARIOS;
    } else {
      const s = BUILT_IN_SCENARIOS.find((x) => x.name === (name ?? 'drift-promote'));
      if (!s) throw new CliError(`unknown scenario "${name}" (built-in: ${BUILT_IN_SCENARIOS.map((x) => x.name).join(', ')})`);
      scenarios = [s];
    }
    if (model !== undefined) scenarios = scenarios.map((s) => ({ ...s, model }));

    // Loaded lazily: synthesizing needs aws-cdk-lib, which the other commands do not. Deprecation
    // notices of the example's constructs are for `cdk synth`, not for this output.
    process.env.JSII_DEPRECATED ??= 'quiet';
    const { loadApp, loadClosedLoop, loadModelFactory, runScenario, stackFacts } = await import('../simulate/run');
    const { AppLoadError } = await import('../simulate/assembly');
    let loaded;
    try {
      loaded = app !== undefined ? loadApp(app) : example === 'model-factory' ? loadModelFactory() : loadClosedLoop();
    } catch (e) {
      if (e instanceof AppLoadError) throw new CliError(e.message);
      throw e;
    }
    const facts = stackFacts(loaded);
    for (const scenario of scenarios) asCliError(() => checkScenarioAgainstStack(scenario, facts, file ?? scenario.name));
    let ok = true;
    const results = [];
    for (const scenario of scenarios) {
      const r = await runScenario(loaded, scenario);
      const good = (r.expected === undefined || r.outcome === r.expected) && Object.values(r.invariants).every(Boolean);
      ok = ok && good;
      results.push(r);
      if (!json) {
        console.log(r.timeline.join('\n'));
        const broken = Object.entries(r.invariants).filter(([, v]) => !v).map(([k]) => k);
        console.log(`=> ${r.scenario}: ${r.outcome}${r.expected ? ` (expected ${r.expected})` : ''}; invariants ${broken.length === 0 ? 'hold' : `BROKEN: ${broken.join(', ')}`}; ${r.simulatedMinutes} simulated minutes\n`);
      }
    }
    const html = options.html as string | undefined;
    if (html !== undefined) {
      // The timelines as a picture (bin/report/timeline-report.ts), one self-contained HTML file.
      const { renderTimelineHtml } = await import('../report/timeline-report');
      writeFileSync(html, renderTimelineHtml(results));
      console.error(`cdk-mlops: wrote ${html}`);
    }
    if (json) {
      const strip = ({ timeline: _t, ...rest }: any) => rest;
      console.log(JSON.stringify(all ? { scenarios: results.map(strip) } : strip(results[0])));
    }
    return ok ? EXIT.OK : EXIT.FAILED;
  },
};

/** Runs `f`, turning a scenario format error into a usage error (exit 2). */
function asCliError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ScenarioError) throw new CliError(e.message);
    throw e;
  }
}
