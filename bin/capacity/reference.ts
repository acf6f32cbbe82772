/**
 * A straightforward transcription of the same replay as planner.ts, written the way the HPA
 * controller keeps its state: one object per pod, a timestamped list of recommendations and of
 * scale events per HPA (scanned in full at every sync, as `stabilizeRecommendationWithBehaviors`
 * and `getReplicasChangePerPeriod` do), full stabilization and rate limiting at every sync (no
 * shortcut), pods deleted by sorting on the ReplicaSet controller's order. GPU nodes are tracked
 * per launch (a cohort of nodes launched at one sync), as in planner.ts.
 *
 * It is the baseline of `npm run bench:capacity` and the cross-check of the planner's tests; the
 * CLI never loads it. It shares only the documented formulas (recommend, scale limits).
 */
import {
  DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, DEFAULT_SYNC_PERIOD_SECONDS, DEFAULT_TOLERANCE, PlanInput, PlanSeries, PlanSummary,
  ceilReplicas, limitChange, recommend, scaleDownLimit, scaleUpLimit, summarize, validatePlanInput, windowLeadSeconds,
} from './planner';

interface Pod { phase: 'Pending' | 'Starting' | 'Ready'; readyAt: number; node?: NodeLaunch; created: number }
interface NodeLaunch { nodes: number; free: number; readyAt: number }
interface Stamped { value: number; time: number }

export function replayReference(input: PlanInput): { series: PlanSeries; summary: PlanSummary } {
  validatePlanInput(input);
  const sync = input.syncPeriodSeconds ?? DEFAULT_SYNC_PERIOD_SECONDS;
  const minutes = input.rps.length;
  const gpn = input.gpusPerNode;
  const minNodes = input.minNodes ?? 0;
  const maxNodes = input.maxNodes ?? Infinity;
  const series: PlanSeries = {
    desiredReplicas: new Int32Array(minutes),
    readyReplicas: new Int32Array(minutes),
    capacityRps: new Float64Array(minutes),
    shortRps: new Float64Array(minutes),
  };
  const hpas = input.targets.map((t) => ({
    t,
    up: t.scaleUp ?? DEFAULT_SCALE_UP,
    down: t.scaleDown ?? DEFAULT_SCALE_DOWN,
    tolerance: t.tolerance ?? DEFAULT_TOLERANCE,
    replicas: 0,
    pods: [] as Pod[],
    recommendations: [] as Stamped[],
    upEvents: [] as Stamped[],
    downEvents: [] as Stamped[],
    minuteReady: [] as number[],
  }));
  const bounds = (h: typeof hpas[number], tau: number): [number, number] => {
    let min = h.t.minReplicas;
    let max = h.t.maxReplicas;
    for (const w of h.t.windows ?? []) {
      const from = (w.start - input.start) / 1000 - windowLeadSeconds(w, input);
      const to = (w.end - input.start) / 1000;
      if (tau >= from && tau < to) {
        min = Math.max(h.t.minReplicas, w.minReplicas);
        max = w.maxReplicas ?? h.t.maxReplicas;
      }
    }
    return [min, max];
  };
  let launches: NodeLaunch[] = [];
  const nodeCount = () => launches.reduce((a, l) => a + l.nodes, 0);
  let seq = 0;

  // initial steady state, all Ready
  let gpus = 0;
  for (const h of hpas) {
    const [min, max] = bounds(h, 0);
    h.replicas = Math.min(max, Math.max(min, ceilReplicas((input.rps[0] * h.t.trafficShare) / (h.t.rpsPerReplica * h.t.targetUtilization))));
    gpus += h.replicas * h.t.gpusPerPod;
  }
  const initialNodes = Math.min(maxNodes, Math.max(minNodes, Math.ceil(gpus / gpn)));
  const pool: NodeLaunch = { nodes: initialNodes, free: initialNodes * gpn, readyAt: -Infinity };
  launches.push(pool);
  for (const h of hpas) {
    for (let i = 0; i < h.replicas; i++) {
      if (pool.free >= h.t.gpusPerPod) {
        pool.free -= h.t.gpusPerPod;
        h.pods.push({ phase: 'Ready', readyAt: -Infinity, node: pool, created: seq++ });
      } else {
        h.pods.push({ phase: 'Pending', readyAt: Infinity, created: seq++ });
      }
    }
  }

  let gpuSeconds = 0;
  const totalTicks = (minutes * 60) / sync;
  for (let tick = 0; tick < totalTicks; tick++) {
    const tau = tick * sync;
    const minute = Math.floor(tau / 60);
    const rps = input.rps[minute];
    for (const h of hpas) for (const p of h.pods) if (p.phase === 'Starting' && p.readyAt <= tau) p.phase = 'Ready';

    for (const h of hpas) {
      const [min, max] = bounds(h, tau);
      const current = h.replicas;
      let desired = current;
      if (current > max) desired = max;
      else if (current < min) desired = min;
      else {
        const ready = h.pods.filter((p) => p.phase === 'Ready').length;
        const raw = recommend(rps * h.t.trafficShare, ready, h.pods.length - ready, current, h.t.rpsPerReplica, h.t.targetUtilization, h.tolerance);
        if (raw >= 0) {
          let upRec = raw;
          let downRec = raw;
          for (const r of h.recommendations) {
            if (r.time > tau - h.up.stabilizationWindowSeconds) upRec = Math.min(upRec, r.value);
            if (r.time > tau - h.down.stabilizationWindowSeconds) downRec = Math.max(downRec, r.value);
          }
          // the controller keeps only the samples a window can still see (it overwrites older ones)
          const keep = Math.max(h.up.stabilizationWindowSeconds, h.down.stabilizationWindowSeconds);
          h.recommendations = h.recommendations.filter((r) => r.time > tau - keep);
          h.recommendations.push({ value: raw, time: tau });
          let stabilized = current;
          if (stabilized < upRec) stabilized = upRec;
          if (stabilized > downRec) stabilized = downRec;
          const inPeriod = (period: number): [number, number] => [
            h.upEvents.filter((e) => e.time > tau - period).reduce((a, e) => a + e.value, 0),
            h.downEvents.filter((e) => e.time > tau - period).reduce((a, e) => a + e.value, 0),
          ];
          desired = limitChange(
            current, stabilized, min, max,
            () => scaleUpLimit(current, h.up, inPeriod),
            () => scaleDownLimit(current, h.down, inPeriod),
          );
        }
      }
      // scale events older than the longest policy period are outdated
      const longest = Math.max(...h.up.policies.map((p) => p.periodSeconds), ...h.down.policies.map((p) => p.periodSeconds));
      h.upEvents = h.upEvents.filter((e) => e.time > tau - longest);
      h.downEvents = h.downEvents.filter((e) => e.time > tau - longest);
      if (desired > current) {
        h.upEvents.push({ value: desired - current, time: tau });
        for (let i = current; i < desired; i++) h.pods.push({ phase: 'Pending', readyAt: Infinity, created: seq++ });
      } else if (desired < current) {
        h.downEvents.push({ value: current - desired, time: tau });
        // ReplicaSet deletion order: Pending before placed, not Ready before Ready, the latest to be Ready first
        const rank = (p: Pod) => (p.phase === 'Pending' ? 0 : p.phase === 'Starting' ? 1 : 2);
        const order = [...h.pods].sort((a, b) => rank(a) - rank(b) || b.readyAt - a.readyAt || b.created - a.created);
        const gone = new Set(order.slice(0, current - desired));
        for (const p of gone) if (p.node) p.node.free += h.t.gpusPerPod;
        h.pods = h.pods.filter((p) => !gone.has(p));
      }
      h.replicas = desired;
    }

    // nodes Ready by now merge into the Ready pool
    for (const l of launches) {
      if (l !== pool && l.readyAt <= tau) {
        pool.nodes += l.nodes;
        pool.free += l.free;
        for (const h of hpas) for (const p of h.pods) if (p.node === l) p.node = pool;
        l.nodes = 0;
      }
    }
    launches = launches.filter((l) => l === pool || l.nodes > 0);

    // schedule Pending pods: Ready nodes, then starting launches (earliest first), then new nodes
    const byReady = [pool, ...launches.filter((l) => l !== pool).sort((a, b) => a.readyAt - b.readyAt)];
    for (const h of hpas) {
      for (const p of h.pods) {
        if (p.phase !== 'Pending') continue;
        const l = byReady.find((x) => x.free >= h.t.gpusPerPod);
        if (!l) continue;
        l.free -= h.t.gpusPerPod;
        p.node = l;
        p.phase = 'Starting';
        p.readyAt = Math.max(tau, l.readyAt) + h.t.podStartupSeconds;
      }
    }
    const need = hpas.reduce((a, h) => a + h.pods.filter((p) => p.phase === 'Pending').length * h.t.gpusPerPod, 0);
    const launch = Math.min(Math.ceil(need / gpn), maxNodes - nodeCount());
    if (need > 0 && launch > 0) {
      const l: NodeLaunch = input.nodeStartupSeconds === 0 ? pool : { nodes: 0, free: 0, readyAt: tau + input.nodeStartupSeconds };
      l.nodes += launch;
      l.free += launch * gpn;
      if (l !== pool) launches.push(l);
      for (const h of hpas) {
        for (const p of h.pods) {
          if (p.phase !== 'Pending' || l.free < h.t.gpusPerPod) continue;
          l.free -= h.t.gpusPerPod;
          p.node = l;
          p.phase = 'Starting';
          p.readyAt = Math.max(tau, l.readyAt) + h.t.podStartupSeconds;
        }
      }
    }
    for (const h of hpas) for (const p of h.pods) if (p.phase === 'Starting' && p.readyAt <= tau) p.phase = 'Ready';

    // consolidation: empty nodes go (latest launches first), never below minNodes
    let total = nodeCount();
    for (const l of [...launches.filter((x) => x !== pool).sort((a, b) => b.readyAt - a.readyAt), pool]) {
      const empty = Math.min(Math.floor(l.free / gpn), total - minNodes);
      if (empty > 0) {
        l.nodes -= empty;
        l.free -= empty * gpn;
        total -= empty;
      }
    }
    launches = launches.filter((l) => l === pool || l.nodes > 0);
    gpuSeconds += nodeCount() * gpn * sync;

    for (const h of hpas) h.minuteReady.push(h.pods.filter((p) => p.phase === 'Ready').length);
    if ((tau + sync) % 60 === 0) {
      let desired = 0;
      let ready = 0;
      let capacity = 0;
      let short = 0;
      for (const h of hpas) {
        const r = Math.min(...h.minuteReady);
        h.minuteReady = [];
        desired += h.replicas;
        ready += r;
        capacity += r * h.t.rpsPerReplica;
        short += Math.max(0, rps * h.t.trafficShare - r * h.t.rpsPerReplica);
      }
      series.desiredReplicas[minute] = desired;
      series.readyReplicas[minute] = ready;
      series.capacityRps[minute] = capacity;
      series.shortRps[minute] = short;
    }
  }
  return { series, summary: summarize(series, gpuSeconds) };
}
