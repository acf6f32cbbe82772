/**
 * `cdk-mlops capacity`, run in-process through its Command (stdout/stderr captured from console):
 * the --json contract, the flags path against hand-computed cases (the HPA rules of
 * https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/), bad input with its
 * exit code, the SVG, and the --app path against the synthesized FraudScoring example (one synth,
 * shared by the tests of this file).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCommand } from '../../bin/commands';
import { readAppSettings } from '../../bin/capacity/app';
import { fraudScoring } from '../../examples/fraud-scoring';
import { testApp } from '../util/synth';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capacity-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  try {
    const code = await runCommand('capacity', argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

/** A curve from whole-minute values starting at `start`. */
function curve(name: string, values: number[], start = Date.UTC(2026, 10, 27, 0, 0)): string {
  const lines = ['time,rps', ...values.map((v, i) => `${new Date(start + i * 60000).toISOString().slice(0, 16)}Z,${v}`)];
  return write(name, lines.join('\n') + '\n');
}

const repeat = (v: number, n: number) => Array<number>(n).fill(v);
// 100 rps for 10 minutes, a ramp to 2000 rps faster than a node starts (300 s), held to minute 40
const ramp = curve('ramp.csv', [...repeat(100, 10), 600, 1100, 1600, ...repeat(2000, 27)]);
const flags = ['--min', '2', '--max', '50', '--rps-per-replica', '100', '--target-utilization', '0.5', '--pod-startup', '60', '--node-startup', '300', '--gpus-per-node', '1'];

test('--json prints exactly the documented document and nothing else on stdout', async () => {
  const step = curve('step.csv', [...repeat(100, 5), ...repeat(1000, 5)]);
  const { code, out, err } = await cli('--traffic', step, ...flags, '--node-startup', '0', '--model', 'fraud', '--json');
  expect(err).toBe('');
  expect(code).toBe(0);
  const doc = JSON.parse(out);
  expect(Object.keys(doc)).toEqual(['model', 'peakRps', 'minutes', 'summary']);
  expect(Object.keys(doc.minutes[0])).toEqual(['t', 'rps', 'desiredReplicas', 'readyReplicas', 'capacityRps', 'shortRps']);
  expect(Object.keys(doc.summary)).toEqual(['minutesShort', 'shortRequests', 'peakReadyReplicas', 'gpuHours']);
  // the step of the planner test, hand-computed there: Ready 2, 2 (minute 5), 6 (minute 6), then 20
  expect(doc.model).toBe('fraud');
  expect(doc.peakRps).toBe(1000);
  expect(doc.minutes.map((m: any) => m.readyReplicas)).toEqual([2, 2, 2, 2, 2, 2, 6, 20, 20, 20]);
  expect(doc.minutes[5]).toEqual({ t: '2026-11-27T00:05Z', rps: 1000, desiredReplicas: 20, readyReplicas: 2, capacityRps: 200, shortRps: 800 });
  expect(doc.summary).toEqual({ minutesShort: 2, shortRequests: 72000, peakReadyReplicas: 20, gpuHours: 1.742 });
});

test('a ramp faster than node start-up with no window is short; a window covering the peak at 40 replicas is not', async () => {
  const none = JSON.parse((await cli('--traffic', ramp, ...flags, '--json')).out);
  expect(none.summary.minutesShort).toBeGreaterThan(0);
  // minutes 10-15: nothing launched at 10:00 can be Ready before 10:00 + 300 + 60 s
  expect(none.minutes.slice(10, 16).map((m: any) => m.readyReplicas)).toEqual(repeat(2, 6));
  const win = JSON.parse((await cli('--traffic', ramp, ...flags, '--window', '2026-11-27T00:03Z/2026-11-27T00:40Z=40', '--json')).out);
  expect(win.summary.minutesShort).toBe(0);
  expect(win.minutes[9].readyReplicas).toBe(40); // launched at 180 s, Ready at 540 s
  // the GPU hours of holding 40 replicas from minute 3 are the price of the window
  expect(win.summary.gpuHours).toBeGreaterThan(none.summary.gpuHours);
});

test('--lead-time starts the window that much earlier', async () => {
  const late = JSON.parse((await cli('--traffic', ramp, ...flags, '--window', '2026-11-27T00:10Z/2026-11-27T00:40Z=40', '--json')).out);
  expect(late.summary.minutesShort).toBe(6);
  const led = JSON.parse((await cli('--traffic', ramp, ...flags, '--window', '2026-11-27T00:10Z/2026-11-27T00:40Z=40', '--lead-time', '360', '--json')).out);
  expect(led.summary.minutesShort).toBe(0);
});

test('maxReplicas below the need: short whatever the window', async () => {
  for (const w of [[], ['--window', '2026-11-27T00:00Z/2026-11-27T00:40Z=10']]) {
    const doc = JSON.parse((await cli('--traffic', ramp, ...flags, '--max', '10', ...w, '--json')).out);
    expect(doc.summary.minutesShort).toBeGreaterThanOrEqual(29); // 10 x 100 rps < 1100 from minute 11
    expect(doc.summary.peakReadyReplicas).toBe(10);
  }
});

test('without --json: a readable table and the verdict; --svg writes a self-contained picture with the window shaded', async () => {
  const svg = path.join(dir, 'plan.svg');
  const { code, out } = await cli('--traffic', ramp, ...flags, '--window', '2026-11-27T00:03Z/2026-11-27T00:40Z=40', '--svg', svg);
  expect(code).toBe(0);
  expect(out).toMatch(/per 1 minute\(s\):/);
  expect(out).toMatch(/holds: Ready capacity covers the traffic in every minute \(peak 40 Ready replicas\)/);
  const doc = fs.readFileSync(svg, 'utf8');
  expect(doc.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(doc).not.toMatch(/<script|href=/);
  expect(doc).toMatch(/requests per second/);
  expect(doc).toMatch(/time \(UTC\)/);
  expect(doc).toMatch(/fill="#f2c94c"/); // the window
  expect(doc).toMatch(/\(min 40\)/);
  const shortOut = (await cli('--traffic', ramp, ...flags)).out;
  expect(shortOut).toMatch(/SHORT: \d+ minute\(s\) over capacity/);
});

describe('bad input: a clear message and exit code 2', () => {
  test.each([
    ['a malformed line names the file and line', 'bad.csv', 'time,rps\n2026-11-27T00:00Z,1\n2026-11-27T00:01Z,lots\n', /bad\.csv:3: rps "lots" is not a number/],
    ['a time without an offset', 'nozone.csv', '2026-11-27T00:00,1\n', /nozone\.csv:1: "2026-11-27T00:00" is not an ISO 8601 time with a UTC offset/],
    ['times that go back', 'back.csv', '2026-11-27T00:05Z,1\n2026-11-27T00:04Z,1\n', /back\.csv:2: time 2026-11-27T00:04Z is not after the previous point \(line 1\)/],
    ['a wrong column count', 'cols.csv', '2026-11-27T00:00Z,1,2\n', /cols\.csv:1: expected 2 columns/],
    ['an empty file', 'empty.csv', '\n', /no data points/],
  ])('%s', async (_what, name, text, message) => {
    const { code, err, out } = await cli('--traffic', write(name, text), ...flags, '--json');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
  });

  test.each([
    [['--min', '5', '--max', '3'], /invalid min \(5\): must be <= max \(3\)/],
    [['--window', '2026-11-27T02:00Z/2026-11-27T01:00Z=10'], /END must be after START/],
    [['--window', '2026-11-27T00:00Z/2026-11-27T01:00Z=60'], /must be <= the ceiling while it is open \(50\)/],
    [['--window', 'tomorrow=10'], /expected START\/END=MINREPLICAS/],
    [['--target-utilization', '1.5'], /fraction of a replica's capacity/],
    [['--rps-per-replica', '0'], /--rps-per-replica must be a number > 0/],
    [['--bogus'], /unknown option "--bogus"/],
  ])('%p', async (extra, message) => {
    const { code, err } = await cli('--traffic', ramp, ...flags, ...extra);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  test('a missing setting says which flag', async () => {
    const { code, err } = await cli('--traffic', ramp, '--min', '2', '--max', '5', '--pod-startup', '60', '--node-startup', '60', '--gpus-per-node', '1');
    expect(code).toBe(2);
    expect(err).toMatch(/missing --rps-per-replica/);
    const noMax = await cli('--traffic', ramp, '--min', '2', '--rps-per-replica', '10', '--pod-startup', '60', '--node-startup', '60', '--gpus-per-node', '1');
    expect(noMax.err).toMatch(/missing --max N/);
  });

  test('an unreadable traffic file: exit 2 (input error), one prefixed line', async () => {
    const { code, err } = await cli('--traffic', path.join(dir, 'nope.csv'), ...flags);
    expect(code).toBe(2);
    expect(err).toMatch(/^cdk-mlops: error: /);
    expect(err).toMatch(/cannot read --traffic .*nope\.csv: no such file/);
  });
});

describe('--app: settings from the synthesized FraudScoring example', () => {
  let out: string;
  beforeAll(() => {
    const app = testApp({ outdir: path.join(dir, 'cdk.out') });
    fraudScoring(app);
    out = app.synth().directory;
  });

  test('reads both variants: HPA bounds and behavior, traffic weights, GPU per pod, the node group and the Black Friday CronJobs', () => {
    const s = readAppSettings(out, 'fraud-scoring');
    expect(s.stack).toBe('FraudScoring');
    expect(s.gpusPerNode).toBe(1); // g5.xlarge
    expect([s.minNodes, s.maxNodes]).toEqual([2, 40]);
    const [primary, canary] = s.targets;
    expect(primary).toMatchObject({ name: 'fraud-scoring-primary', trafficShare: 0.9, minReplicas: 2, maxReplicas: 30, gpusPerPod: 1 });
    expect(canary).toMatchObject({ name: 'fraud-scoring-canary', trafficShare: 0.1, minReplicas: 1, maxReplicas: 4 });
    expect(primary.scaleDown).toEqual({ stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] });
    expect(primary.scaleUp?.stabilizationWindowSeconds).toBe(0);
    // cpu 60 % and http_requests_per_second 200/pod: with 250 rps per replica, the lower target is 0.6
    expect(primary.targetUtilization(250)).toBe(0.6);
    expect(primary.targetUtilization(400)).toBe(0.5);
    expect(primary.windows).toEqual([{
      name: 'black-friday', startSchedule: '0 18 26 11 *', endSchedule: '0 6 1 12 *', timeZone: 'America/New_York', minReplicas: 18, maxReplicas: 31,
    }]);
  });

  test('the plan places the window in UTC (18:00 New York = 23:00Z) and the flags override the app', async () => {
    // 400 rps from 22:00Z, 4000 rps from 23:03Z
    const peak = curve('bf.csv', [...repeat(400, 63), ...repeat(4000, 60)], Date.UTC(2026, 10, 26, 22, 0));
    const base = ['--traffic', peak, '--app', out, '--model', 'fraud-scoring', '--rps-per-replica', '250', '--pod-startup', '120', '--node-startup', '300'];
    const res = await cli(...base, '--json');
    expect(res.code).toBe(0);
    expect(res.err).toMatch(/settings of fraud-scoring from stack FraudScoring/);
    const doc = JSON.parse(res.out);
    expect(doc.model).toBe('fraud-scoring');
    // steady state for 400 rps at target 0.6 x 250 = 150 rps/replica: primary 360 -> 3, canary 40 -> 1 (its min)
    expect(doc.minutes[0].desiredReplicas).toBe(3 + 1);
    // the window opens at 23:00Z (minute 60): floors 18 (primary) + 2 (canary), Ready 420 s later (node 300 s + pod 120 s)
    expect(doc.minutes[60].desiredReplicas).toBe(20);
    expect(doc.minutes.slice(60, 68).map((m: any) => m.readyReplicas)).toEqual([4, 4, 4, 4, 4, 4, 4, 20]);
    // the traffic arrives at 23:03Z: short in minutes 63-66, covered from 23:07Z (18 x 250 >= 3600, 2 x 250 >= 400)
    expect(doc.minutes.filter((m: any) => m.shortRps > 0).map((m: any) => m.t)).toEqual(['2026-11-26T23:03Z', '2026-11-26T23:04Z', '2026-11-26T23:05Z', '2026-11-26T23:06Z']);
    expect(doc.summary.minutesShort).toBe(4);
    // a 420 s lead time makes the capacity Ready when the window opens
    const led = JSON.parse((await cli(...base, '--lead-time', '420', '--json')).out);
    expect(led.summary.minutesShort).toBe(0);
    expect(led.minutes[60].readyReplicas).toBe(20);
    // flags override the app: --max 2 caps each HPA outside the window (the window sets its own ceiling, 31)
    const capped = JSON.parse((await cli(...base, '--max', '2', '--json')).out);
    expect(capped.minutes[0].desiredReplicas).toBe(2 + 1);
    expect(capped.minutes[60].desiredReplicas).toBe(20);
  });

  test('--variant plans one HPA with its share; unknown model or stack is a clear error', async () => {
    const peak = curve('v.csv', repeat(1000, 10), Date.UTC(2026, 9, 1)); // October: no window
    const one = JSON.parse((await cli('--traffic', peak, '--app', out, '--model', 'fraud-scoring', '--variant', 'canary', '--rps-per-replica', '250', '--pod-startup', '60', '--node-startup', '60', '--json')).out);
    // canary: 10 % of 1000 = 100 rps / (250 x 0.6) -> 1 replica, its min
    expect(one.minutes[0].desiredReplicas).toBe(1);
    const bad = await cli('--traffic', peak, '--app', out, '--model', 'nope', '--rps-per-replica', '250', '--pod-startup', '60', '--node-startup', '60');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--model nope: no HorizontalPodAutoscaler labelled app.kubernetes.io\/name=nope .*\(models: fraud-scoring\)/);
    const noStack = await cli('--traffic', peak, '--app', out, '--model', 'fraud-scoring', '--stack', 'Nope', '--rps-per-replica', '250', '--pod-startup', '60', '--node-startup', '60');
    expect(noStack.err).toMatch(/--stack Nope: no such stack .*FraudScoring/);
    const missing = await cli('--traffic', peak, '--app', out, '--model', 'fraud-scoring', '--pod-startup', '60', '--node-startup', '60');
    expect(missing.err).toMatch(/missing --rps-per-replica/);
  });
});
