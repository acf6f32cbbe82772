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
import { cronWindowOccurrences, gpusPerNodeFor, nodeGpuCounts, readAppSettings } from '../../bin/capacity/app';
import { fraudScoring } from '../../examples/fraud-scoring';
import { CliRun, runCliCapture } from '../util/cli';
import { testApp } from '../util/synth';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capacity-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(...argv: string[]): Promise<CliRun> {
  return runCliCapture('capacity', argv);
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
  /** The same app as an older version synthesized it (GPU managed node group, no lead time): see beforeAll. */
  let legacy: string;
  beforeAll(() => {
    const app = testApp({ outdir: path.join(dir, 'cdk.out') });
    fraudScoring(app);
    out = app.synth().directory;
    // Before GpuCluster moved to EKS Auto Mode, the example synthesized an AWS::EKS::Nodegroup of
    // g5.xlarge (labels/taint as the NodePool's template, 2-40 nodes) instead of the NodePool, and
    // the start CronJob fired at the window's start (0 18 26 11 *); the Deployments, HPAs and
    // CronJobs were otherwise identical (compared against an assembly of that version).
    const template = JSON.parse(fs.readFileSync(path.join(out, 'FraudScoring.template.json'), 'utf8').replace('"schedule\\":\\"45 17 26 11 *\\"', '"schedule\\":\\"0 18 26 11 *\\"'));
    for (const [id, r] of Object.entries<any>(template.Resources)) {
      if (r.Type === 'Custom::AWSCDK-EKS-KubernetesResource' && JSON.stringify(r.Properties.Manifest).includes('karpenter.sh/v1')) delete template.Resources[id];
    }
    template.Resources.GpuNodes = {
      Type: 'AWS::EKS::Nodegroup',
      Properties: {
        AmiType: 'AL2023_x86_64_NVIDIA', InstanceTypes: ['g5.xlarge'], Labels: { 'cdk-mlops.io/node-pool': 'gpu' },
        ScalingConfig: { DesiredSize: 2, MaxSize: 40, MinSize: 2 }, Taints: [{ Effect: 'NO_SCHEDULE', Key: 'nvidia.com/gpu', Value: 'true' }],
      },
    };
    legacy = path.join(dir, 'legacy.out');
    fs.mkdirSync(legacy);
    fs.writeFileSync(path.join(legacy, 'FraudScoring.template.json'), JSON.stringify(template));
  });

  test('reads both variants: HPA bounds and behavior, traffic weights, GPU per pod, the GPU NodePool and the Black Friday CronJobs', () => {
    const s = readAppSettings(out, 'fraud-scoring');
    expect(s.stack).toBe('FraudScoring');
    // the NodePool allows families g5, g6, g6e: their sizes hold 1, 4 or 8 GPUs; a 1-GPU pod gets the smallest, 1
    expect(s.nodeGpuCounts).toEqual([1, 4, 8]);
    expect(s.gpusPerNode).toBe(1);
    // limits nvidia.com/gpu 40 (gpuMaxSize 40) / 1 GPU per node = 40 nodes; a NodePool has no minimum
    expect(s.maxGpus).toBe(40);
    expect([s.minNodes, s.maxNodes]).toEqual([0, 40]);
    // gpuNodeStartup is not in the template: GpuCluster's documented default, 5 minutes
    expect(s.nodeStartupSeconds).toBe(300);
    const [primary, canary] = s.targets;
    expect(primary).toMatchObject({ name: 'fraud-scoring-primary', trafficShare: 0.9, minReplicas: 2, maxReplicas: 30, gpusPerPod: 1 });
    expect(canary).toMatchObject({ name: 'fraud-scoring-canary', trafficShare: 0.1, minReplicas: 1, maxReplicas: 4 });
    expect(primary.scaleDown).toEqual({ stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] });
    expect(primary.scaleUp?.stabilizationWindowSeconds).toBe(0);
    // The example scales on in-flight requests per pod (a KEDA aws-cloudwatch trigger, 8 per replica): a
    // concurrency target, not a share of a replica's rps capacity, so it is not derived from traffic and
    // the plan needs --target-utilization (the reader says so in a note).
    expect(primary.targetUtilization(250)).toBeUndefined();
    expect(primary.metricNotes.some((n: string) => /KEDA trigger "aws-cloudwatch" is not derived from traffic/.test(n))).toBe(true);
    // the start CronJob fires at 17:45 (its schedule); the window starts 15 minutes later, the default
    // lead: ceil((node start-up 300 s + start-up probe 60 x 10 s) / 60) = ceil(900 / 60) = 15
    expect(primary.windows).toEqual([{
      name: 'black-friday', startSchedule: '0 18 26 11 *', prescaleSchedule: '45 17 26 11 *', leadMinutes: 15,
      endSchedule: '0 6 1 12 *', timeZone: 'America/New_York', minReplicas: 18, maxReplicas: 31,
    }]);
    expect(canary.windows).toMatchObject([{ startSchedule: '0 18 26 11 *', prescaleSchedule: '45 17 26 11 *', leadMinutes: 15, minReplicas: 2, maxReplicas: 4 }]);
  });

  test('an app synthesized with a GPU node group (before Auto Mode) still reads: instance type, node group bounds, no lead', () => {
    const s = readAppSettings(legacy, 'fraud-scoring');
    expect(s.gpusPerNode).toBe(1); // g5.xlarge
    expect([s.minNodes, s.maxNodes]).toEqual([2, 40]);
    expect([s.maxGpus, s.nodeStartupSeconds, s.nodeGpuCounts]).toEqual([undefined, undefined, undefined]);
    expect(s.targets[0].windows).toEqual([{
      name: 'black-friday', startSchedule: '0 18 26 11 *', prescaleSchedule: '0 18 26 11 *', leadMinutes: 0,
      endSchedule: '0 6 1 12 *', timeZone: 'America/New_York', minReplicas: 18, maxReplicas: 31,
    }]);
  });

  test('the plan places the window in UTC (18:00 New York = 23:00Z) with its lead time, and the flags override the app', async () => {
    // 400 rps from 22:00Z, 4000 rps from 23:03Z
    const peak = curve('bf.csv', [...repeat(400, 63), ...repeat(4000, 60)], Date.UTC(2026, 10, 26, 22, 0));
    const base = ['--traffic', peak, '--app', out, '--model', 'fraud-scoring', '--rps-per-replica', '250', '--pod-startup', '120', '--node-startup', '300'];
    const res = await cli(...base, '--json');
    expect(res.code).toBe(0);
    expect(res.err).toMatch(/settings of fraud-scoring from stack FraudScoring/);
    expect(res.err).toMatch(/pre-scaling windows start 15 min after their start CronJob fires/);
    const doc = JSON.parse(res.out);
    expect(doc.model).toBe('fraud-scoring');
    // steady state for 400 rps at target 0.6 x 250 = 150 rps/replica: primary 360 -> 3, canary 40 -> 1 (its min)
    expect(doc.minutes[0].desiredReplicas).toBe(3 + 1);
    // The app's start CronJob fires at 17:45 New York = 22:45Z (minute 45), the window's 23:00Z start
    // minus its 15-minute lead: floors 18 (primary) + 2 (canary) from minute 45, Ready 420 s later
    // (node 300 s + pod 120 s), at 22:52Z (minute 52).
    expect(doc.minutes[44].desiredReplicas).toBe(4);
    expect(doc.minutes[45].desiredReplicas).toBe(20);
    expect(doc.minutes.slice(45, 53).map((m: any) => m.readyReplicas)).toEqual([4, 4, 4, 4, 4, 4, 4, 20]);
    // so the traffic of 23:03Z finds 18 x 250 >= 3600 and 2 x 250 >= 400 Ready: never short (the app
    // synthesized before lead times was short 4 minutes here; see --lead-time 0 below)
    expect(doc.summary.minutesShort).toBe(0);
    // the node start-up defaults to GpuCluster's 300 s: the same plan without --node-startup
    const noNode = await cli(...base.slice(0, -2), '--json');
    expect(noNode.err).toMatch(/GPU node start-up 300 s: GpuCluster's default gpuNodeStartup/);
    expect(JSON.parse(noNode.out)).toEqual(doc);
    // --lead-time replaces the window's lead. 0: the floor rises at 23:00Z (minute 60), Ready at 23:07Z;
    // the traffic arrives at 23:03Z: short in minutes 63-66
    const late = JSON.parse((await cli(...base, '--lead-time', '0', '--json')).out);
    expect(late.minutes[59].desiredReplicas).toBe(4);
    expect(late.minutes[60].desiredReplicas).toBe(20);
    expect(late.minutes.slice(60, 68).map((m: any) => m.readyReplicas)).toEqual([4, 4, 4, 4, 4, 4, 4, 20]);
    expect(late.minutes.filter((m: any) => m.shortRps > 0).map((m: any) => m.t)).toEqual(['2026-11-26T23:03Z', '2026-11-26T23:04Z', '2026-11-26T23:05Z', '2026-11-26T23:06Z']);
    expect(late.summary.minutesShort).toBe(4);
    // 420 s (node + pod start-up): the floor rises at 22:53Z and the capacity is Ready when the window opens
    const led = JSON.parse((await cli(...base, '--lead-time', '420', '--json')).out);
    expect(led.summary.minutesShort).toBe(0);
    expect(led.minutes[59].readyReplicas).toBe(4);
    expect(led.minutes[60].readyReplicas).toBe(20);
    // the older app (CronJob at 18:00, no lead) plans like --lead-time 0
    const old = JSON.parse((await cli(...base.map((a) => (a === out ? legacy : a)), '--json')).out);
    expect(old.minutes).toEqual(late.minutes);
    // the table and the picture show the window from its start, the lead before it
    const svg = path.join(dir, 'bf.svg');
    const table = await cli(...base, '--svg', svg);
    expect(table.out).toMatch(/window black-friday: 2026-11-26T23:00:00.000Z to 2026-12-01T11:00:00.000Z, min 18, max 31, floor from 2026-11-26T22:45:00.000Z \(lead 900 s\)/);
    const picture = fs.readFileSync(svg, 'utf8');
    expect(picture).toMatch(/lead time \(floor raised\)/);
    expect(picture).toMatch(/fill="#f2c94c" fill-opacity="0.12"/);
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

  test('--gpus-per-node overrides the NodePool: the node limit follows its GPU limit (40 GPUs / 4 = 10 nodes)', async () => {
    const peak = curve('n.csv', repeat(1000, 10), Date.UTC(2026, 9, 1));
    const argv = ['--traffic', peak, '--app', out, '--model', 'fraud-scoring', '--rps-per-replica', '250', '--pod-startup', '60'];
    expect((await cli(...argv)).out).toMatch(/nodes: 1 GPU\(s\) each, start-up 300 s, 0-40; lead time 0 s/); // October: no window
    expect((await cli(...argv, '--gpus-per-node', '4')).out).toMatch(/nodes: 4 GPU\(s\) each, start-up 300 s, 0-10;/);
    // 3-GPU pods fit no 1-GPU node: the smallest the NodePool allows that holds one, g5/g6/g6e 12xlarge (4)
    expect((await cli(...argv, '--gpus-per-pod', '3')).out).toMatch(/nodes: 4 GPU\(s\) each, start-up 300 s, 0-10;/);
    const capped = await cli(...argv, '--gpus-per-node', '8', '--max-nodes', '3');
    expect(capped.out).toMatch(/nodes: 8 GPU\(s\) each, start-up 300 s, 0-3;/);
  });
});

describe('NodePool instance requirements -> GPUs per node (EC2 accelerated computing instance specifications)', () => {
  const fam = (...values: string[]) => ({ key: 'eks.amazonaws.com/instance-family', operator: 'In', values });
  test.each([
    ['GpuCluster default families, 1-GPU pods', [fam('g5', 'g6', 'g6e')], 1, 1],
    ['2-GPU pods need a 4-GPU size', [fam('g5')], 2, 4],
    ['P families only come with 8 GPUs', [fam('p4d', 'p5')], 1, 8],
    ['an instance-gpu-count requirement', [fam('g6'), { key: 'eks.amazonaws.com/instance-gpu-count', operator: 'In', values: ['4'] }], 1, 4],
    ['a Gt on the GPU count', [fam('g6e'), { key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'Gt', values: ['4'] }], 1, 8],
    ['instance types instead of families', [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['g5.12xlarge', 'g5.48xlarge'] }], 1, 4],
    ['an unknown family does not matter when 1 GPU fits', [fam('g5', 'g7x')], 1, 1],
    ['an unknown family might hold a smaller fit', [fam('p5', 'g7x')], 1, undefined],
    ['no allowed type holds the pod', [fam('g5'), { key: 'eks.amazonaws.com/instance-size', operator: 'In', values: ['xlarge'] }], 2, undefined],
  ])('%s', (_what, requirements, gpusPerPod, expected) => {
    expect(gpusPerNodeFor(nodeGpuCounts(requirements)!, gpusPerPod)).toBe(expected);
  });

  test('no family or type named: unknown (any GPU instance may come)', () => {
    expect(nodeGpuCounts([{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }])).toBeUndefined();
  });
});

test('a window whose lead crosses the new year starts on January 1 (lead on the zone\'s wall clock)', () => {
  // ModelEndpoint renders a window starting 2027-01-01T00:05 Europe/Berlin with a 15-minute lead as "50 23 31 12 *"
  const w = { name: 'ny', startSchedule: '5 0 1 1 *', prescaleSchedule: '50 23 31 12 *', leadMinutes: 15, endSchedule: '0 6 2 1 *', timeZone: 'Europe/Berlin', minReplicas: 4 };
  const occ = cronWindowOccurrences(w, Date.UTC(2026, 11, 31, 20), Date.UTC(2027, 0, 2), 'ny');
  // Berlin is UTC+1 in winter: fires 22:50Z on Dec 31, starts 23:05Z, ends Jan 2 05:00Z
  expect(occ).toEqual([{ start: Date.UTC(2026, 11, 31, 23, 5), end: Date.UTC(2027, 0, 2, 5, 0), leadSeconds: 900 }]);
});
