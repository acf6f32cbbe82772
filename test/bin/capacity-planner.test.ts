/**
 * The capacity planner's replay against hand-computed cases. The HPA rules are those of
 * https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/ (algorithm details,
 * not-yet-ready pods, stabilization window, scaling policies, default behavior); every expected
 * figure below is worked out in the comment beside it. A randomized cross-check compares the fast
 * replay with the straightforward reference replay (bin/capacity/reference.ts).
 */
import { PlanInput, PlanInputError, ScaleTarget, plan, replay } from '../../bin/capacity/planner';
import { replayReference } from '../../bin/capacity/reference';

const START = Date.UTC(2026, 10, 27, 0, 0);
const minute = (m: number) => START + m * 60000;

function target(over: Partial<ScaleTarget> = {}): ScaleTarget {
  return {
    name: 'primary', trafficShare: 1, minReplicas: 2, maxReplicas: 50, rpsPerReplica: 100, targetUtilization: 0.5,
    podStartupSeconds: 60, gpusPerPod: 1, ...over,
  };
}

function input(rps: number[], over: Partial<PlanInput> = {}, t: Partial<ScaleTarget> = {}): PlanInput {
  return { model: 'm', start: START, rps, targets: [target(t)], nodeStartupSeconds: 0, gpusPerNode: 1, ...over };
}

const repeat = (v: number, n: number) => Array<number>(n).fill(v);

describe('a step (default HPA behavior: +max(100%, 4 pods) per 15 s; tolerance 0.1)', () => {
  // 100 rps for 5 minutes, then 1000 rps. Capacity 100 rps/replica, target 0.5 -> 50 rps per replica.
  // Minute 0-4: 2 replicas, ratio 100/(2*50) = 1 -> within tolerance.
  // t=300 s: ratio 1000/(2*50) = 10 -> desired ceil(10*2) = 20, limit max(2*2, 2+4) = 6 -> 6 (4 new, Ready at 360).
  // t=315: 2 Ready + 4 not Ready: scale up with not-ready pods at 0 %: ratio 1000/(6*50) = 3.33 -> ceil(3.33*6) = 20,
  //        limit (events at exactly t-15 are outside the 15 s period) max(12, 10) = 12 (6 new, Ready at 375).
  // t=330: 1000/(12*50) = 1.67 -> 20, limit max(24, 16) -> 20 (8 new, Ready at 390).
  // t=345: 1000/(20*50) = 1 -> within tolerance.
  // Minute 5: fewest Ready 2 -> capacity 200, short 800. Minute 6: Ready 6 at 360 -> 600, short 400. Then 20 Ready.
  const rps = [...repeat(100, 5), ...repeat(1000, 5)];
  const r = plan(input(rps));

  test('replicas follow the scale-up policies and Ready waits for pod start-up', () => {
    expect(r.minutes.map((m) => m.desiredReplicas)).toEqual([2, 2, 2, 2, 2, 20, 20, 20, 20, 20]);
    expect(r.minutes.map((m) => m.readyReplicas)).toEqual([2, 2, 2, 2, 2, 2, 6, 20, 20, 20]);
    expect(r.minutes.map((m) => m.shortRps)).toEqual([0, 0, 0, 0, 0, 800, 400, 0, 0, 0]);
    expect(r.minutes[6].capacityRps).toBe(600);
  });

  test('summary: 2 minutes short, (800 + 400) * 60 requests, GPU hours of the nodes', () => {
    // one 1-GPU node per pod, removed/added with the pods:
    // 300 s x 2 + 15 s x 6 + 15 s x 12 + 15 s x 20 + 15 s x 20 + 240 s x 20 = 6270 GPU-seconds = 1.742 h
    expect(r.summary).toEqual({ minutesShort: 2, shortRequests: 72000, peakReadyReplicas: 20, gpuHours: 1.742 });
    expect(r.peakRps).toBe(1000);
    expect(r.minutes[0].t).toBe('2026-11-27T00:00Z');
  });
});

test('scale-down waits for the 300 s stabilization window, then drops at once (default 100 % per 15 s)', () => {
  // 20 replicas at 1000 rps; 100 rps from minute 10 (t=600): raw recommendation ceil(100/50) = 2,
  // but the window keeps the highest recommendation of the last 300 s (recorded strictly after t-300):
  // the last 20 was recorded at t=585, inside until t=885 -> at t=885 (minute 14) all are 2 -> 2.
  const r = plan(input([...repeat(1000, 10), ...repeat(100, 10)], {}, { minReplicas: 2 }));
  expect(r.minutes.map((m) => m.desiredReplicas)).toEqual([...repeat(20, 14), ...repeat(2, 6)]);
  expect(r.summary.minutesShort).toBe(0);
});

test('traffic inside the tolerance does not scale', () => {
  // 105 rps on 2 replicas at 50 rps target: ratio 1.05, |1 - 1.05| <= 0.1 -> stays 2; 115 -> 1.15 -> ceil(2.3) = 3
  expect(plan(input([100, 105, 105])).minutes.map((m) => m.desiredReplicas)).toEqual([2, 2, 2]);
  expect(plan(input([100, 115, 115])).minutes.map((m) => m.desiredReplicas)).toEqual([2, 3, 3]);
});

describe('a ramp faster than node start-up (node 300 s, pod 60 s, one 1-GPU node per pod)', () => {
  // 100 rps for 10 minutes, then 600, 1100, 1600 and 2000 rps held to minute 40.
  const ramp = [...repeat(100, 10), 600, 1100, 1600, ...repeat(2000, 27)];
  const base: Partial<PlanInput> = { nodeStartupSeconds: 300 };

  test('with no window: no new replica can be Ready before 10:00 + 300 s + 60 s, so minutes 10-15 are short', () => {
    const r = plan(input(ramp, base));
    for (let m = 10; m <= 15; m++) {
      expect(r.minutes[m].readyReplicas).toBe(2);
      expect(r.minutes[m].shortRps).toBe(ramp[m] - 200);
    }
    expect(r.summary.minutesShort).toBeGreaterThanOrEqual(6);
    expect(r.summary.shortRequests).toBeGreaterThanOrEqual((400 + 900 + 1400 + 1800 * 3) * 60);
  });

  test('with a window at 40 replicas from minute 3: nodes launched at 180 s, pods Ready at 540 s, never short', () => {
    // 40 replicas x 100 rps = 4000 >= 2000 peak; Ready at 180 + 300 + 60 = 540 s (minute 9), before the ramp.
    const r = plan(input(ramp, base, { windows: [{ start: minute(3), end: minute(40), minReplicas: 40 }] }));
    expect(r.summary.minutesShort).toBe(0);
    expect(r.minutes[8].readyReplicas).toBe(2);
    expect(r.minutes[9].readyReplicas).toBe(40);
    expect(r.minutes[3].desiredReplicas).toBe(40);
  });

  test('a window that opens when the ramp starts is too late; a 360 s lead time (node + pod start-up) fixes it', () => {
    const windows = [{ start: minute(10), end: minute(40), minReplicas: 40 }];
    const late = plan(input(ramp, base, { windows }));
    expect(late.summary.minutesShort).toBe(6); // minutes 10-15: Ready at 600 + 360 = 960 s (minute 16)
    const led = plan(input(ramp, { ...base, leadTimeSeconds: 360 }, { windows }));
    expect(led.summary.minutesShort).toBe(0);
    expect(led.minutes[10].readyReplicas).toBe(40);
  });

  test('a window\'s own lead time (a ScheduledScalingWindow\'s CronJob fires that early) is the input lead time unless the input sets one', () => {
    const windows = [{ start: minute(10), end: minute(40), minReplicas: 40, leadTimeSeconds: 360 }];
    const own = plan(input(ramp, base, { windows }));
    // the floor rises at 600 - 360 = 240 s: the same replay as the input-wide 360 s lead above
    expect(own).toEqual(plan(input(ramp, { ...base, leadTimeSeconds: 360 }, { windows: [{ ...windows[0], leadTimeSeconds: undefined }] })));
    expect(own.summary.minutesShort).toBe(0);
    // an input lead time replaces the window's: 0 is the late window again (minutes 10-15 short)
    expect(plan(input(ramp, { ...base, leadTimeSeconds: 0 }, { windows })).summary.minutesShort).toBe(6);
    expect(replayReference(input(ramp, base, { windows })).summary).toEqual(own.summary);
  });

  test('maxReplicas below the need is short whatever the window', () => {
    // 10 x 100 rps = 1000 < 1100, 1600, 2000: minutes 11-39 short by at least rps - 1000
    for (const windows of [[], [{ start: minute(0), end: minute(40), minReplicas: 10 }]]) {
      const r = plan(input(ramp, base, { maxReplicas: 10, windows }));
      for (let m = 11; m < 40; m++) expect(r.minutes[m].shortRps).toBeGreaterThanOrEqual(ramp[m] - 1000);
      expect(r.summary.minutesShort).toBeGreaterThanOrEqual(29);
      expect(r.summary.peakReadyReplicas).toBe(10);
    }
  });
});

test('a node limit keeps pods Pending: capacity stops at the nodes available', () => {
  // maxNodes 8 with 1 GPU per node and per pod: at most 8 Ready replicas = 800 rps
  const r = plan(input([...repeat(100, 2), ...repeat(2000, 10)], { maxNodes: 8 }));
  expect(r.summary.peakReadyReplicas).toBe(8);
  expect(r.minutes[11].desiredReplicas).toBe(40);
  expect(r.minutes[11].shortRps).toBe(1200);
});

test('several pods per node: pods fill free GPUs of Ready nodes first (Ready after pod start-up only)', () => {
  // 4 GPUs per node, 2 pods Ready on one node: at t=60, 250 rps: ratio 250/(2*50) = 2.5 -> ceil(2.5*2) = 5 (limit 6):
  // 3 new pods, 2 fit the Ready node's free GPUs (Ready at 120), 1 needs a new node (Ready at 60 + 300 + 60 = 420).
  // Later syncs: 250 / (5 * 50) = 1 with the not-ready pods at 0 % -> within tolerance.
  const r = plan(input([100, 250, ...repeat(250, 8)], { nodeStartupSeconds: 300, gpusPerNode: 4 }));
  expect(r.minutes[1].desiredReplicas).toBe(5); // 250/50 = 5 -> ceil(5) = 5, limit 6 -> 5
  expect(r.minutes.map((m) => m.readyReplicas)).toEqual([2, 2, 4, 4, 4, 4, 4, 5, 5, 5]);
});

test('bad input names the setting', () => {
  expect(() => replay(input([1], {}, { minReplicas: 5, maxReplicas: 3 }))).toThrow(PlanInputError);
  expect(() => replay(input([1], {}, { minReplicas: 5, maxReplicas: 3 }))).toThrow(/invalid min \(5\): must be <= max \(3\)/);
  expect(() => replay(input([1], {}, { windows: [{ start: minute(5), end: minute(5), minReplicas: 3 }] }))).toThrow(/END must be after START/);
  expect(() => replay(input([1], {}, { windows: [{ start: minute(0), end: minute(5), minReplicas: 60 }] }))).toThrow(/must be <= the ceiling while it is open \(50\)/);
  expect(() => replay(input([1], {}, {
    windows: [{ start: minute(0), end: minute(5), minReplicas: 3 }, { start: minute(4), end: minute(6), minReplicas: 3 }],
  }))).toThrow(/overlaps/);
  expect(() => replay(input([1], { gpusPerNode: 1 }, { gpusPerPod: 2 }))).toThrow(/fits no node/);
  expect(() => replay(input([1], {}, { windows: [{ start: minute(0), end: minute(5), minReplicas: 3, leadTimeSeconds: -60 }] }))).toThrow(/lead time \(-60\)/);
  expect(() => replay(input([]))).toThrow(/at least one minute/);
  expect(() => replay(input([1, -1]))).toThrow(/rps of minute 1/);
});

test('the fast replay and the reference replay agree on random curves and settings', () => {
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  for (let c = 0; c < 25; c++) {
    const n = 60 + Math.floor(rnd() * 240);
    const rps: number[] = [];
    let v = 50 + rnd() * 500;
    for (let i = 0; i < n; i++) {
      v = Math.max(0, v * (1 + (rnd() - 0.5) * 0.3) + (rnd() < 0.03 ? 800 * (rnd() - 0.3) : 0));
      rps.push(Math.round(v));
    }
    const mk = (name: string, share: number): ScaleTarget => {
      const min = Math.floor(rnd() * 4);
      const max = min + 1 + Math.floor(rnd() * 40);
      const wmin = min + Math.floor(rnd() * 10);
      return target({
        name, trafficShare: share, minReplicas: min, maxReplicas: max, targetUtilization: pick([0.5, 0.7]),
        podStartupSeconds: pick([0, 45, 100]), gpusPerPod: pick([1, 2]),
        scaleDown: pick([undefined, { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] }]),
        windows: rnd() < 0.5 ? [] : [{
          start: minute(Math.floor(rnd() * n)), end: minute(n + 10), minReplicas: Math.min(wmin, max), leadTimeSeconds: pick([undefined, 0, 420]),
        }],
      });
    };
    const p: PlanInput = {
      model: 'x', start: START, rps, targets: rnd() < 0.5 ? [mk('a', 1)] : [mk('a', 0.9), mk('b', 0.1)],
      nodeStartupSeconds: pick([0, 120, 250]), gpusPerNode: pick([2, 4]), minNodes: pick([0, 1]), maxNodes: pick([undefined, 12]),
      leadTimeSeconds: pick([undefined, 0, 300]),
    };
    const a = replay(p);
    const b = replayReference(p);
    expect(Array.from(a.series.desiredReplicas)).toEqual(Array.from(b.series.desiredReplicas));
    expect(Array.from(a.series.readyReplicas)).toEqual(Array.from(b.series.readyReplicas));
    expect(Array.from(a.series.shortRps)).toEqual(Array.from(b.series.shortRps));
    expect(a.summary).toEqual(b.summary);
  }
});
