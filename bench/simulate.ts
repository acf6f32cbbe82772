// `npm run bench:simulate`: wall time of `cdk-mlops simulate` for every built-in scenario.
//
//  - wallSeconds: median of 3 cold processes of `cdk-mlops simulate --all --json` (synthesis of the
//    end-to-end example + the 10 scenarios, each executing the real retraining and training
//    definitions; Wait states and retry backoffs are simulated, not slept).
//  - perScenarioMs: in one process after one synthesis, the median of 3 runs of each scenario.
// Prints one JSON line last.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadClosedLoop, runScenario } from '../bin/simulate/run';
import { BUILT_IN_SCENARIOS } from '../bin/simulate/scenario';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const cli = join(__dirname, '..', 'bin', 'cdk-mlops.js');
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [cli, 'simulate', '--all', '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    cold.push((performance.now() - t) / 1000);
    if (r.status !== 0) {
      console.error(r.stderr.slice(-2000));
      throw new Error(`simulate --all exited ${r.status}`);
    }
    console.log(`cold run ${i + 1}: ${cold[i].toFixed(2)} s`);
  }

  const t0 = performance.now();
  const loaded = loadClosedLoop();
  const synthMs = performance.now() - t0;
  const perScenario: Record<string, number[]> = {};
  let simulatedMinutes = 0;
  for (let rep = 0; rep < 3; rep++) {
    for (const s of BUILT_IN_SCENARIOS) {
      const t = performance.now();
      const r = await runScenario(loaded, s);
      (perScenario[s.name] ??= []).push(performance.now() - t);
      if (rep === 0) simulatedMinutes += r.simulatedMinutes;
      if (r.outcome !== s.expect?.outcome) throw new Error(`${s.name}: ${r.outcome}, expected ${s.expect?.outcome}`);
    }
  }
  const perScenarioMs = Object.fromEntries(Object.entries(perScenario).map(([k, v]) => [k, Math.round(median(v))]));
  console.log(`in-process: synthesis ${Math.round(synthMs)} ms; per scenario (median of 3): ${JSON.stringify(perScenarioMs)}`);
  console.log(JSON.stringify({
    scenarios: BUILT_IN_SCENARIOS.length,
    wallSeconds: Math.round(median(cold) * 100) / 100,
    perScenarioMs,
    synthMs: Math.round(synthMs),
    scenariosTotalMs: Object.values(perScenarioMs).reduce((a, b) => a + b, 0),
    simulatedMinutes: Math.round(simulatedMinutes),
  }));
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
