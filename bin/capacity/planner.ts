/**
 * The capacity planner's replay: a traffic curve (requests per second, one value a minute) through
 * the Horizontal Pod Autoscaler algorithm as Kubernetes documents it
 * (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/), plus GPU node
 * provisioning and pod start-up delays.
 *
 * Pure TypeScript (no aws-cdk-lib, no I/O): used by `cdk-mlops capacity` and `npm run bench:capacity`.
 *
 * The model, per HPA sync (every `syncPeriodSeconds`, 15 s as kube-controller-manager's default):
 *  1. Nodes whose start-up finished become Ready; then pods whose start-up finished become Ready.
 *  2. The HPA floor is `minReplicas`, raised by a pre-scaling window while the window is open
 *     ([start - leadTime, end), the lead time being the input's, else the window's own); its
 *     ceiling is `maxReplicas` (or the window's, if it sets one).
 *  3. Reconcile, as the HPA controller does: spec replicas above the ceiling go to the ceiling and
 *     below the floor go to the floor (no rate limit, no recommendation recorded). Otherwise the
 *     metric: each Ready replica receives `rps / ready` and its metric is that share divided by
 *     `rpsPerReplica` (utilisation of capacity; demand, not capped at 100 %); the target is
 *     `targetUtilization`. desired = ceil(ready * ratio), nothing when |1 - ratio| <= tolerance.
 *     Pods that are not Ready (waiting for a node or starting) are set aside; when the ratio says
 *     "scale up" and such pods exist, they count as 0 % and the ratio is recomputed over all pods
 *     (no scaling if it then falls within tolerance or flips direction). With no Ready pod there is
 *     no metric and the HPA does nothing. The raw recommendation is recorded; the stabilized one is
 *     the current replicas clamped between the lowest recommendation of the scale-up window and the
 *     highest of the scale-down window; scaling policies then limit the change (Pods: +/- value,
 *     Percent: the period-start replicas times 1 +/- value/100, per periodSeconds, counting the
 *     scale events of that period; selectPolicy Max / Min / Disabled).
 *  4. New pods are scheduled on free GPUs of Ready nodes (Ready after `podStartupSeconds`), then of
 *     nodes still starting (Ready `podStartupSeconds` after their node), then the node autoscaler
 *     launches enough nodes for the rest (Ready after `nodeStartupSeconds`), up to `maxNodes`;
 *     pods that fit nowhere stay Pending. Removed pods go not-Ready first (Pending, then the latest
 *     to become Ready), as the ReplicaSet controller deletes them. Empty nodes are removed at once
 *     (consolidation), never below `minNodes`.
 *
 * Per minute: `readyReplicas` is the fewest Ready replicas seen at the minute's syncs (capacity
 * must hold the whole minute), `capacityRps` = ready * rpsPerReplica, `shortRps` = traffic over
 * capacity (summed per target: traffic split by weight cannot borrow another variant's capacity),
 * `desiredReplicas` the spec replicas after the minute's last sync. GPU hours count every node
 * launched (starting or Ready) times its GPUs.
 */

/** An HPA scaling policy (autoscaling/v2 `HPAScalingPolicy`). */
export interface ScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

/** HPA scaling rules of one direction (autoscaling/v2 `HPAScalingRules`). */
export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  readonly policies: readonly ScalingPolicy[];
}

/** Kubernetes' default scale-up behaviour: no stabilization; the larger of +100 % or +4 pods per 15 s. */
export const DEFAULT_SCALE_UP: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
};

/** Kubernetes' default scale-down behaviour: 300 s stabilization; up to 100 % per 15 s. */
export const DEFAULT_SCALE_DOWN: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

/** The HPA's default tolerance (kube-controller-manager `--horizontal-pod-autoscaler-tolerance`). */
export const DEFAULT_TOLERANCE = 0.1;
/** The HPA controller's default sync period in seconds. */
export const DEFAULT_SYNC_PERIOD_SECONDS = 15;

/** A pre-scaling window: the HPA floor (and optionally ceiling) while it is open. */
export interface PrescaleWindow {
  readonly name?: string;
  /** Start, epoch milliseconds. */
  readonly start: number;
  /** End (exclusive), epoch milliseconds. */
  readonly end: number;
  readonly minReplicas: number;
  /** Ceiling while open. @default - the target's maxReplicas */
  readonly maxReplicas?: number;
  /**
   * The floor rises this many seconds before `start` (a ScheduledScalingWindow's lead time: its
   * start CronJob fires that early). PlanInput.leadTimeSeconds, when set, replaces it.
   * @default 0
   */
  readonly leadTimeSeconds?: number;
}

/** One HPA and the Deployment it scales (a variant or segment of a model). */
export interface ScaleTarget {
  readonly name: string;
  /** Fraction of the model's traffic this target receives (variant weight). */
  readonly trafficShare: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** What one Ready replica sustains within its latency target. */
  readonly rpsPerReplica: number;
  /** The HPA target as a fraction of a replica's capacity (0 < u). */
  readonly targetUtilization: number;
  /** @default 0.1 */
  readonly tolerance?: number;
  /** @default DEFAULT_SCALE_UP */
  readonly scaleUp?: ScalingRules;
  /** @default DEFAULT_SCALE_DOWN */
  readonly scaleDown?: ScalingRules;
  /** Seconds from a pod placed on a Ready node to the pod Ready (image, model load, probes). */
  readonly podStartupSeconds: number;
  /** GPUs one pod requests. */
  readonly gpusPerPod: number;
  /** @default - none */
  readonly windows?: readonly PrescaleWindow[];
}

/** Everything one replay needs. */
export interface PlanInput {
  readonly model: string;
  /** Epoch milliseconds of minute 0 (a whole minute). */
  readonly start: number;
  /** Requests per second of each minute. */
  readonly rps: ArrayLike<number>;
  readonly targets: readonly ScaleTarget[];
  /** Seconds from a node launched to a node Ready with its GPUs advertised. */
  readonly nodeStartupSeconds: number;
  readonly gpusPerNode: number;
  /** @default 0 */
  readonly minNodes?: number;
  /** @default - unlimited */
  readonly maxNodes?: number;
  /**
   * Every window raises its floor this many seconds before its start, replacing the windows' own
   * lead times (a what-if on the lead).
   * @default - each window's own leadTimeSeconds (0 when it has none)
   */
  readonly leadTimeSeconds?: number;
  /** @default 15 */
  readonly syncPeriodSeconds?: number;
}

/** The per-minute series of a replay (typed arrays: cheap for a fleet). */
export interface PlanSeries {
  readonly desiredReplicas: Int32Array;
  readonly readyReplicas: Int32Array;
  readonly capacityRps: Float64Array;
  readonly shortRps: Float64Array;
}

export interface PlanSummary {
  readonly minutesShort: number;
  readonly shortRequests: number;
  readonly peakReadyReplicas: number;
  readonly gpuHours: number;
}

export interface PlanMinute {
  readonly t: string;
  readonly rps: number;
  readonly desiredReplicas: number;
  readonly readyReplicas: number;
  readonly capacityRps: number;
  readonly shortRps: number;
}

/** The `--json` document. */
export interface PlanReport {
  readonly model: string;
  readonly peakRps: number;
  readonly minutes: PlanMinute[];
  readonly summary: PlanSummary;
}

/** Invalid planner input: names the setting, the value and what is allowed. */
export class PlanInputError extends Error {
  constructor(public readonly setting: string, public readonly value: unknown, public readonly allowed: string) {
    super(`invalid ${setting} (${typeof value === 'string' ? JSON.stringify(value) : String(value)}): ${allowed}`);
    this.name = 'PlanInputError';
  }
}

function checkInt(setting: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new PlanInputError(setting, v, max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer in [${min}, ${max}]`);
  }
}

function checkNum(setting: string, v: number, min: number, exclusive: boolean): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (exclusive && v === min)) {
    throw new PlanInputError(setting, v, `must be a number ${exclusive ? '>' : '>='} ${min}`);
  }
}

function checkRules(setting: string, r: ScalingRules): void {
  checkInt(`${setting}.stabilizationWindowSeconds`, r.stabilizationWindowSeconds, 0, 3600);
  if (!['Max', 'Min', 'Disabled'].includes(r.selectPolicy)) throw new PlanInputError(`${setting}.selectPolicy`, r.selectPolicy, 'must be Max, Min or Disabled');
  if (r.selectPolicy !== 'Disabled' && r.policies.length === 0) throw new PlanInputError(`${setting}.policies`, '[]', 'must list at least one policy');
  r.policies.forEach((p, i) => {
    if (p.type !== 'Pods' && p.type !== 'Percent') throw new PlanInputError(`${setting}.policies[${i}].type`, p.type, 'must be Pods or Percent');
    checkInt(`${setting}.policies[${i}].value`, p.value, 1);
    checkInt(`${setting}.policies[${i}].periodSeconds`, p.periodSeconds, 1, 1800);
  });
}

/** Validates a plan input; throws PlanInputError naming the setting. */
export function validatePlanInput(input: PlanInput): void {
  if (input.rps.length === 0) throw new PlanInputError('traffic', 'no points', 'needs at least one minute');
  for (let i = 0; i < input.rps.length; i++) {
    const v = input.rps[i];
    if (!Number.isFinite(v) || v < 0) throw new PlanInputError(`rps of minute ${i}`, v, 'must be a finite number >= 0');
  }
  checkNum('node-startup', input.nodeStartupSeconds, 0, false);
  checkInt('gpus-per-node', input.gpusPerNode, 1);
  checkInt('min-nodes', input.minNodes ?? 0, 0);
  if (input.maxNodes !== undefined) {
    checkInt('max-nodes', input.maxNodes, 1);
    if (input.maxNodes < (input.minNodes ?? 0)) throw new PlanInputError('max-nodes', input.maxNodes, `must be >= min-nodes (${input.minNodes})`);
  }
  checkNum('lead-time', input.leadTimeSeconds ?? 0, 0, false);
  const sync = input.syncPeriodSeconds ?? DEFAULT_SYNC_PERIOD_SECONDS;
  if (!Number.isInteger(sync) || sync < 1 || 60 % sync !== 0) throw new PlanInputError('sync-period', sync, 'must be a whole number of seconds that divides 60');
  if (input.targets.length === 0) throw new PlanInputError('targets', '[]', 'needs at least one HPA');
  for (const t of input.targets) {
    const s = (k: string) => (input.targets.length > 1 ? `${t.name}: ${k}` : k);
    checkInt(s('min'), t.minReplicas, 0);
    checkInt(s('max'), t.maxReplicas, 1);
    if (t.minReplicas > t.maxReplicas) throw new PlanInputError(s('min'), t.minReplicas, `must be <= max (${t.maxReplicas})`);
    checkNum(s('rps-per-replica'), t.rpsPerReplica, 0, true);
    checkNum(s('target-utilization'), t.targetUtilization, 0, true);
    checkNum(s('tolerance'), t.tolerance ?? DEFAULT_TOLERANCE, 0, false);
    checkNum(s('pod-startup'), t.podStartupSeconds, 0, false);
    checkInt(s('gpus-per-pod'), t.gpusPerPod, 1);
    if (t.gpusPerPod > input.gpusPerNode) throw new PlanInputError(s('gpus-per-pod'), t.gpusPerPod, `must be <= gpus-per-node (${input.gpusPerNode}): the pod fits no node`);
    if (!(t.trafficShare >= 0 && t.trafficShare <= 1)) throw new PlanInputError(s('traffic share'), t.trafficShare, 'must be in [0, 1]');
    checkRules(s('scaleUp'), t.scaleUp ?? DEFAULT_SCALE_UP);
    checkRules(s('scaleDown'), t.scaleDown ?? DEFAULT_SCALE_DOWN);
    const ws = [...(t.windows ?? [])].sort((a, b) => a.start - b.start);
    ws.forEach((w, i) => {
      const n = `window${w.name ? ` "${w.name}"` : ` ${i + 1}`}`;
      if (!Number.isFinite(w.start) || !Number.isFinite(w.end) || w.end <= w.start) {
        throw new PlanInputError(s(n), `${new Date(w.start).toISOString()}/${new Date(w.end).toISOString()}`, 'END must be after START');
      }
      checkInt(s(`${n} minReplicas`), w.minReplicas, 0);
      checkNum(s(`${n} lead time`), w.leadTimeSeconds ?? 0, 0, false);
      const cap = w.maxReplicas ?? t.maxReplicas;
      if (w.maxReplicas !== undefined) checkInt(s(`${n} maxReplicas`), w.maxReplicas, 1);
      if (w.minReplicas > cap) throw new PlanInputError(s(`${n} minReplicas`), w.minReplicas, `must be <= the ceiling while it is open (${cap})`);
      if (i > 0 && w.start < ws[i - 1].end) throw new PlanInputError(s(n), new Date(w.start).toISOString(), `overlaps the window before it (ends ${new Date(ws[i - 1].end).toISOString()})`);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The HPA controller's arithmetic (kept as free functions so the reference replay shares none of
// the fast path's state handling, only these documented formulas).

/** ceil() that ignores float noise below 1e-9 (ceil(2.0000000000000004) is 2). */
export function ceilReplicas(x: number): number {
  return Math.ceil(x - 1e-9);
}

/**
 * The replica calculator: the recommendation for one metric, or -1 when there is no metric
 * (no Ready pod). `notReady` pods are set aside as the documentation describes.
 */
export function recommend(
  rps: number, ready: number, notReady: number, current: number, rpsPerReplica: number, target: number, tolerance: number,
): number {
  if (ready === 0) return -1;
  const ratio = rps / (ready * rpsPerReplica * target);
  if (notReady === 0 || ratio <= 1) {
    if (Math.abs(1 - ratio) <= tolerance) return current;
    return ceilReplicas(ratio * ready);
  }
  // scale up with not-yet-ready pods: they count as 0 % of the target
  const total = ready + notReady;
  const newRatio = rps / (total * rpsPerReplica * target);
  if (Math.abs(1 - newRatio) <= tolerance || newRatio < 1) return current;
  const n = ceilReplicas(newRatio * total);
  return n < current ? current : n;
}

/** Period-start replicas of a policy: current minus what was added plus what was removed in the period. */
export function scaleUpLimit(current: number, rules: ScalingRules, changesInPeriod: (periodSeconds: number) => [number, number]): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const useMax = rules.selectPolicy !== 'Min';
  let result = useMax ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const [added, removed] = changesInPeriod(p.periodSeconds);
    const start = current - added + removed;
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = useMax ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

export function scaleDownLimit(current: number, rules: ScalingRules, changesInPeriod: (periodSeconds: number) => [number, number]): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // For scaling down, the smallest change ("Min") is the highest replica count.
  const useMax = rules.selectPolicy === 'Min';
  let result = useMax ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const [added, removed] = changesInPeriod(p.periodSeconds);
    const start = current - added + removed;
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = useMax ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** The rate limit after stabilization: the replicas the controller sets. */
export function limitChange(
  current: number, stabilized: number, minReplicas: number, maxReplicas: number, upLimit: () => number, downLimit: () => number,
): number {
  if (stabilized > current) {
    const limit = Math.max(current, upLimit());
    const allowed = Math.min(maxReplicas, limit);
    return stabilized > allowed ? allowed : stabilized;
  }
  if (stabilized < current) {
    const limit = Math.min(current, downLimit());
    const allowed = Math.max(minReplicas, limit);
    return stabilized < allowed ? allowed : stabilized;
  }
  return stabilized;
}

/** Floor and ceiling at a time (seconds from the start) given the windows (relative seconds, lead applied). */
interface RelWindow { from: number; to: number; min: number; max: number }

/** Seconds a window's floor rises before its start: the input's lead time, else the window's own. */
export function windowLeadSeconds(w: PrescaleWindow, input: PlanInput): number {
  return input.leadTimeSeconds ?? w.leadTimeSeconds ?? 0;
}

function relWindows(t: ScaleTarget, input: PlanInput): RelWindow[] {
  return (t.windows ?? []).map((w) => ({
    from: (w.start - input.start) / 1000 - windowLeadSeconds(w, input),
    to: (w.end - input.start) / 1000,
    min: Math.max(t.minReplicas, w.minReplicas),
    max: w.maxReplicas ?? t.maxReplicas,
  }));
}

// ---------------------------------------------------------------------------------------------
// The fast replay.

interface Cohort { count: number; readyAt: number; nodeReadyAt: number }
interface NodeCohort { nodes: number; free: number; readyAt: number }

class TargetState {
  public current = 0;
  public ready = 0;
  public pending = 0; // no node yet
  public starting: Cohort[] = []; // placed on a node, not Ready; sorted by readyAt
  public readonly recs: Int32Array; // raw recommendations by tick (ring), -1 = none
  public readonly ups: Int32Array; // scale-up events by tick (ring)
  public readonly downs: Int32Array;
  public readonly upTicks: number; // history ticks inside the scale-up window
  public readonly downTicks: number;
  public readonly ring: number;
  public readonly scaleUp: ScalingRules;
  public readonly scaleDown: ScalingRules;
  public readonly windows: RelWindow[];
  public readonly cap: number;
  public readonly target: number;
  public readonly tolerance: number;
  public minReady = 0; // fewest Ready in the current minute
  constructor(public readonly t: ScaleTarget, input: PlanInput, sync: number) {
    this.scaleUp = t.scaleUp ?? DEFAULT_SCALE_UP;
    this.scaleDown = t.scaleDown ?? DEFAULT_SCALE_DOWN;
    // a recommendation j syncs ago is inside a window W when j * sync < W
    const inside = (w: number) => Math.max(0, Math.ceil(w / sync) - 1);
    this.upTicks = inside(this.scaleUp.stabilizationWindowSeconds);
    this.downTicks = inside(this.scaleDown.stabilizationWindowSeconds);
    const periods = [...this.scaleUp.policies, ...this.scaleDown.policies].map((p) => inside(p.periodSeconds));
    this.ring = Math.max(this.upTicks, this.downTicks, ...periods) + 1;
    this.recs = new Int32Array(this.ring).fill(-1);
    this.ups = new Int32Array(this.ring);
    this.downs = new Int32Array(this.ring);
    this.windows = relWindows(t, input);
    this.cap = t.rpsPerReplica;
    this.target = t.targetUtilization;
    this.tolerance = t.tolerance ?? DEFAULT_TOLERANCE;
  }
}

/** Replays a plan input; returns the per-minute series and the summary. */
export function replay(input: PlanInput): { series: PlanSeries; summary: PlanSummary } {
  validatePlanInput(input);
  const sync = input.syncPeriodSeconds ?? DEFAULT_SYNC_PERIOD_SECONDS;
  const minutes = input.rps.length;
  const totalTicks = Math.ceil((minutes * 60) / sync);
  const gpn = input.gpusPerNode;
  const minNodes = input.minNodes ?? 0;
  const maxNodes = input.maxNodes ?? Infinity;
  const nodeStartup = input.nodeStartupSeconds;
  const targets = input.targets.map((t) => new TargetState(t, input, sync));
  const nT = targets.length;

  const series: PlanSeries = {
    desiredReplicas: new Int32Array(minutes),
    readyReplicas: new Int32Array(minutes),
    capacityRps: new Float64Array(minutes),
    shortRps: new Float64Array(minutes),
  };

  // node pool: Ready nodes (one pool) and launched-but-starting cohorts (sorted by readyAt)
  let readyNodes = 0;
  let readyFree = 0;
  const startingNodes: NodeCohort[] = [];
  let gpuSeconds = 0;

  const floorAt = (st: TargetState, tau: number): number => {
    let m = st.t.minReplicas;
    const ws = st.windows;
    for (let i = 0; i < ws.length; i++) if (tau >= ws[i].from && tau < ws[i].to) m = ws[i].min;
    return m;
  };
  const ceilingAt = (st: TargetState, tau: number): number => {
    let m = st.t.maxReplicas;
    const ws = st.windows;
    for (let i = 0; i < ws.length; i++) if (tau >= ws[i].from && tau < ws[i].to) m = ws[i].max;
    return m;
  };

  // initial steady state: the replicas the HPA holds for minute 0's traffic, all Ready
  let gpusUsed = 0;
  for (const st of targets) {
    const want = ceilReplicas((input.rps[0] * st.t.trafficShare) / (st.cap * st.target));
    st.current = Math.min(ceilingAt(st, 0), Math.max(floorAt(st, 0), want));
    gpusUsed += st.current * st.t.gpusPerPod;
  }
  readyNodes = Math.min(maxNodes, Math.max(minNodes, Math.ceil(gpusUsed / gpn)));
  readyFree = readyNodes * gpn;
  for (const st of targets) {
    const fit = Math.min(st.current, Math.floor(readyFree / st.t.gpusPerPod));
    st.ready = fit;
    st.pending = st.current - fit;
    readyFree -= fit * st.t.gpusPerPod;
  }

  let totalNodes = readyNodes;
  let slotsFreed = true; // consolidation has something to look at
  const freeSlots = (nodeReadyAt: number, gpus: number, tau: number): void => {
    slotsFreed = true;
    if (nodeReadyAt <= tau) { readyFree += gpus; return; }
    for (let i = 0; i < startingNodes.length; i++) if (startingNodes[i].readyAt === nodeReadyAt) { startingNodes[i].free += gpus; return; }
  };

  // sums of scale events in the policy period before this tick
  let curTick = 0;
  let curState: TargetState = targets[0];
  const changes = (periodSeconds: number): [number, number] => {
    const k = Math.max(0, Math.ceil(periodSeconds / sync) - 1);
    let up = 0;
    let down = 0;
    for (let j = 1; j <= k && j <= curTick; j++) {
      const idx = (curTick - j) % curState.ring;
      up += curState.ups[idx];
      down += curState.downs[idx];
    }
    return [up, down];
  };

  for (let tick = 0; tick < totalTicks; tick++) {
    const tau = tick * sync;
    const minute = Math.floor(tau / 60);
    const firstOfMinute = tick === 0 || Math.floor(((tick - 1) * sync) / 60) !== minute;
    const rps = input.rps[minute];

    // 1. nodes, then pods, become Ready
    while (startingNodes.length > 0 && startingNodes[0].readyAt <= tau) {
      const c = startingNodes.shift()!;
      readyNodes += c.nodes;
      readyFree += c.free;
    }
    let anyPending = false;
    for (let i = 0; i < nT; i++) {
      const st = targets[i];
      const s = st.starting;
      while (s.length > 0 && s[0].readyAt <= tau) st.ready += s.shift()!.count;
      const slot = tick % st.ring;
      st.ups[slot] = 0;
      st.downs[slot] = 0;
      st.recs[slot] = -1;

      // 2-3. reconcile
      const floor = floorAt(st, tau);
      const ceiling = ceilingAt(st, tau);
      const c = st.current;
      let d = c;
      if (c > ceiling) d = ceiling;
      else if (c < floor) d = floor;
      else {
        const raw = recommend(rps * st.t.trafficShare, st.ready, c - st.ready, c, st.cap, st.target, st.tolerance);
        if (raw >= 0) {
          st.recs[slot] = raw;
          if (raw !== c && !(raw > c && c >= ceiling) && !(raw < c && c <= floor)) {
            let upRec = raw;
            let downRec = raw;
            const h = Math.max(st.upTicks, st.downTicks);
            for (let j = 1; j <= h && j <= tick; j++) {
              const r = st.recs[(tick - j) % st.ring];
              if (r < 0) continue;
              if (j <= st.upTicks && r < upRec) upRec = r;
              if (j <= st.downTicks && r > downRec) downRec = r;
            }
            let stabilized = c;
            if (stabilized < upRec) stabilized = upRec;
            if (stabilized > downRec) stabilized = downRec;
            curTick = tick;
            curState = st;
            d = limitChange(c, stabilized, floor, ceiling,
              () => scaleUpLimit(c, st.scaleUp, changes), () => scaleDownLimit(c, st.scaleDown, changes));
          }
        }
      }

      // 4. apply
      if (d > c) {
        st.ups[slot] = d - c;
        st.pending += d - c;
      } else if (d < c) {
        st.downs[slot] = c - d;
        let del = c - d;
        const gpp = st.t.gpusPerPod;
        const p = Math.min(del, st.pending);
        st.pending -= p;
        del -= p;
        while (del > 0 && s.length > 0) {
          const last = s[s.length - 1];
          const n = Math.min(del, last.count);
          last.count -= n;
          del -= n;
          freeSlots(last.nodeReadyAt, n * gpp, tau);
          if (last.count === 0) s.pop();
        }
        if (del > 0) {
          st.ready -= del;
          readyFree += del * gpp;
          slotsFreed = true;
        }
      }
      st.current = d;
      if (st.pending > 0) anyPending = true;
    }

    // 4b. schedule Pending pods, launching nodes for what does not fit
    if (anyPending) {
      for (let i = 0; i < nT; i++) {
        const st = targets[i];
        if (st.pending === 0) continue;
        const gpp = st.t.gpusPerPod;
        const podStartup = st.t.podStartupSeconds;
        let n = Math.min(st.pending, Math.floor(readyFree / gpp));
        if (n > 0) {
          readyFree -= n * gpp;
          st.pending -= n;
          insertCohort(st.starting, n, tau + podStartup, tau);
        }
        for (const nc of startingNodes) {
          if (st.pending === 0) break;
          n = Math.min(st.pending, Math.floor(nc.free / gpp));
          if (n > 0) {
            nc.free -= n * gpp;
            st.pending -= n;
            insertCohort(st.starting, n, nc.readyAt + podStartup, nc.readyAt);
          }
        }
      }
      let need = 0;
      for (const st of targets) need += st.pending * st.t.gpusPerPod;
      const launch = Math.min(Math.ceil(need / gpn), maxNodes - totalNodes);
      if (need > 0 && launch > 0) {
        totalNodes += launch;
        slotsFreed = true;
        const nc: NodeCohort = { nodes: launch, free: launch * gpn, readyAt: tau + nodeStartup };
        if (nodeStartup === 0) {
          readyNodes += launch;
          readyFree += launch * gpn;
        } else {
          startingNodes.push(nc);
        }
        for (const st of targets) {
          if (st.pending === 0) continue;
          const gpp = st.t.gpusPerPod;
          const free = nodeStartup === 0 ? readyFree : nc.free;
          const n = Math.min(st.pending, Math.floor(free / gpp));
          if (n === 0) continue;
          if (nodeStartup === 0) readyFree -= n * gpp; else nc.free -= n * gpp;
          st.pending -= n;
          insertCohort(st.starting, n, tau + nodeStartup + st.t.podStartupSeconds, tau + nodeStartup);
        }
      }
    }

    // pods placed with no start-up left are Ready now
    if (anyPending) {
      for (let i = 0; i < nT; i++) {
        const s = targets[i].starting;
        while (s.length > 0 && s[0].readyAt <= tau) targets[i].ready += s.shift()!.count;
      }
    }

    // 4c. consolidation: empty nodes go, never below minNodes
    if (slotsFreed && totalNodes > minNodes) {
      slotsFreed = false;
      for (let i = startingNodes.length - 1; i >= 0 && totalNodes > minNodes; i--) {
        const nc = startingNodes[i];
        const empty = Math.min(Math.floor(nc.free / gpn), totalNodes - minNodes);
        if (empty > 0) {
          nc.nodes -= empty;
          nc.free -= empty * gpn;
          totalNodes -= empty;
          if (nc.nodes === 0) startingNodes.splice(i, 1);
        }
      }
      const empty = Math.min(Math.floor(readyFree / gpn), totalNodes - minNodes);
      if (empty > 0) {
        readyNodes -= empty;
        readyFree -= empty * gpn;
        totalNodes -= empty;
      }
    }
    gpuSeconds += totalNodes * gpn * sync;

    // per-minute figures
    for (let i = 0; i < nT; i++) {
      const st = targets[i];
      if (firstOfMinute || st.ready < st.minReady) st.minReady = st.ready;
    }
    const lastOfMinute = tick === totalTicks - 1 || Math.floor(((tick + 1) * sync) / 60) !== minute;
    if (lastOfMinute) {
      let desired = 0;
      let ready = 0;
      let capacity = 0;
      let short = 0;
      for (let i = 0; i < nT; i++) {
        const st = targets[i];
        desired += st.current;
        ready += st.minReady;
        const cap = st.minReady * st.cap;
        capacity += cap;
        const demand = rps * st.t.trafficShare;
        if (demand > cap) short += demand - cap;
      }
      series.desiredReplicas[minute] = desired;
      series.readyReplicas[minute] = ready;
      series.capacityRps[minute] = capacity;
      series.shortRps[minute] = short;
    }
  }
  return { series, summary: summarize(series, gpuSeconds) };
}

function insertCohort(list: Cohort[], count: number, readyAt: number, nodeReadyAt: number): void {
  let i = list.length;
  while (i > 0 && list[i - 1].readyAt > readyAt) i--;
  if (i > 0 && list[i - 1].readyAt === readyAt && list[i - 1].nodeReadyAt === nodeReadyAt) list[i - 1].count += count;
  else list.splice(i, 0, { count, readyAt, nodeReadyAt });
}

/** The summary of a series: short minutes and requests, peak Ready replicas, GPU hours. */
export function summarize(series: PlanSeries, gpuSeconds: number): PlanSummary {
  let minutesShort = 0;
  let shortRequests = 0;
  let peakReadyReplicas = 0;
  for (let m = 0; m < series.shortRps.length; m++) {
    if (series.shortRps[m] > 0) {
      minutesShort++;
      shortRequests += series.shortRps[m] * 60;
    }
    if (series.readyReplicas[m] > peakReadyReplicas) peakReadyReplicas = series.readyReplicas[m];
  }
  return { minutesShort, shortRequests: Math.round(shortRequests), peakReadyReplicas, gpuHours: Math.round((gpuSeconds / 3600) * 1000) / 1000 };
}

/** Rounds a figure for the report (3 decimals). */
function r3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Replays and builds the `--json` document. */
export function plan(input: PlanInput): PlanReport {
  const { series, summary } = replay(input);
  const minutes: PlanMinute[] = [];
  let peakRps = 0;
  for (let m = 0; m < input.rps.length; m++) {
    const rps = input.rps[m];
    if (rps > peakRps) peakRps = rps;
    minutes.push({
      t: new Date(input.start + m * 60000).toISOString().replace(':00.000Z', 'Z'),
      rps: r3(rps),
      desiredReplicas: series.desiredReplicas[m],
      readyReplicas: series.readyReplicas[m],
      capacityRps: r3(series.capacityRps[m]),
      shortRps: r3(series.shortRps[m]),
    });
  }
  return { model: input.model, peakRps: r3(peakRps), minutes, summary };
}
