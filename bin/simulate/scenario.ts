/**
 * Scenarios of the closed-loop simulation: the behaviour of the simulated AWS
 * services, scripted. The built-in scenarios use exactly the format a
 * `--scenario-file` takes (documented in docs/retrain-trigger.md).
 */

export const OUTCOMES = [
  'promoted', 'rejected', 'rolled-back', 'not-approved', 'deduplicated', 'skipped-cooldown', 'skipped-budget', 'failed', 'no-drift',
] as const;
export type Outcome = typeof OUTCOMES[number];

/** An injected failure of a simulated service call. */
export interface Fault {
  /** State whose call fails (e.g. `AcquireLock`, `TrainModel`). */
  readonly state?: string;
  /** Service call that fails (e.g. `dynamodb:updateItem`, `sagemaker:createTrainingJob.sync`, `eks:call`). */
  readonly service?: string;
  /** Error name as Step Functions reports it (e.g. `DynamoDB.ThrottlingException`). */
  readonly error: string;
  /** Cause text. */
  readonly cause?: string;
  /** How many calls fail before the service recovers (default 1). */
  readonly times?: number;
}

export interface Scenario {
  /** Scenario name (letters, digits, '-'). */
  readonly name: string;
  readonly description?: string;
  /** Model to retrain (default: the first model with a retraining record). */
  readonly model?: string;
  /** Capture data: `shift` moves the current window by that many standard deviations (default 1.5; 0 = no drift). */
  readonly drift?: { readonly shift?: number; readonly rows?: number; readonly seed?: number };
  /** Overrides the record's approvalRequired. */
  readonly requireApproval?: boolean;
  /** What the approver does (default `approve`). */
  readonly approval?: 'approve' | 'reject' | 'timeout';
  readonly training?: {
    /** `failed` makes the SageMaker training job fail (default `succeeded`). */
    readonly outcome?: 'succeeded' | 'failed';
    /** Final metrics the training job reports (default: the objective metric at 0.93). */
    readonly metrics?: Record<string, number>;
    /** Objective value recorded on the current champion's model package (default 0.90). */
    readonly championMetric?: number;
    /** Simulated training time (default 45). */
    readonly minutes?: number;
  };
  readonly rollout?: {
    /** GETs until the canary Deployment is rolled out (default 1; 0 = never). */
    readonly canaryPollsUntilReady?: number;
    /** GETs until the primary Deployment is rolled out (default 1; 0 = never). */
    readonly primaryPollsUntilReady?: number;
  };
  readonly canary?: {
    /** The canary alarm is in ALARM from this bake check on (1-based; default never). */
    readonly alarmAtCheck?: number;
    /** Which canary alarm (default the first). */
    readonly alarmName?: string;
  };
  readonly faults?: Fault[];
  /** State before the alarm. */
  readonly state?: {
    /** A retrain of the model started this long ago and is still running (seconds). */
    readonly runningSinceSeconds?: number;
    /** The last retrain started this long ago (seconds); inside the cooldown it blocks a new one. */
    readonly lastRetrainSecondsAgo?: number;
    /** Retrains already counted in the current budget period. */
    readonly budgetUsed?: number;
  };
  /** Duplicate triggers delivered while the first retrain trains. */
  readonly duplicates?: {
    /** EventBridge delivers the same alarm event again. */
    readonly redeliver?: boolean;
    /** Another alarm of the same model goes to ALARM (suffix, e.g. `-quality`). */
    readonly secondAlarmSuffix?: string;
  };
  /** What the scenario must end with; the CLI exits non-zero otherwise. */
  readonly expect?: { readonly outcome?: Outcome };
}

export const BUILT_IN_SCENARIOS: Scenario[] = [
  {
    name: 'drift-promote',
    description: 'Drift alarm -> training passes the gate and beats the champion -> clean canary -> promoted.',
    expect: { outcome: 'promoted' },
  },
  {
    name: 'candidate-worse',
    description: 'The candidate meets the threshold but does not beat the champion: the pipeline rejects it, production untouched.',
    training: { metrics: { 'validation:auc': 0.905 }, championMetric: 0.91 },
    expect: { outcome: 'rejected' },
  },
  {
    name: 'training-fails',
    description: 'The SageMaker training job fails (algorithm error): the pipeline fails, the retrain fails cleanly, lock released.',
    training: { outcome: 'failed' },
    expect: { outcome: 'failed' },
  },
  {
    name: 'throttled-then-ok',
    description: 'DynamoDB, SageMaker and CloudWatch throttle a few calls; retries with full jitter absorb it -> promoted.',
    faults: [
      { state: 'AcquireLock', error: 'DynamoDB.ThrottlingException', times: 2 },
      { service: 'sagemaker:createTrainingJob.sync', error: 'SageMaker.ThrottlingException', cause: 'Rate exceeded', times: 2 },
      { state: 'CheckCanaryAlarms', error: 'CloudWatch.ThrottlingException', times: 1 },
      { state: 'ApprovePackage', error: 'SageMaker.ThrottlingException', times: 1 },
    ],
    expect: { outcome: 'promoted' },
  },
  {
    name: 'canary-alarm-rollback',
    description: 'The canary error-rate alarm fires during the bake: traffic back to primary, canary restored, package Rejected.',
    canary: { alarmAtCheck: 2 },
    expect: { outcome: 'rolled-back' },
  },
  {
    name: 'approval-rejected',
    description: 'Approval required; the approver rejects (send-task-failure --error Rejected): nothing trains.',
    requireApproval: true,
    approval: 'reject',
    expect: { outcome: 'not-approved' },
  },
  {
    name: 'approval-timeout',
    description: 'Approval required; nobody answers before the heartbeat expires: not approved, nothing trains.',
    requireApproval: true,
    approval: 'timeout',
    expect: { outcome: 'not-approved' },
  },
  {
    name: 'duplicate-alarm',
    description: 'While the first retrain trains, EventBridge redelivers the alarm and the quality alarm fires too: no second execution for the redelivery, the second alarm is deduplicated by the lock.',
    duplicates: { redeliver: true, secondAlarmSuffix: '-quality' },
    expect: { outcome: 'deduplicated' },
  },
  {
    name: 'cooldown-active',
    description: 'A retrain of the model started 2 hours ago (cooldown 6 h): the alarm starts nothing and is recorded.',
    state: { lastRetrainSecondsAgo: 7200 },
    expect: { outcome: 'skipped-cooldown' },
  },
  {
    name: 'deploy-error',
    description: 'Patching the canary Deployment keeps failing (admission webhook): cleanup restores traffic and canary, the champion stays.',
    faults: [{ state: 'PatchCanary', service: 'eks:call', error: 'EKS.422', cause: 'admission webhook "policy.example" denied the request', times: 99 }],
    expect: { outcome: 'failed' },
  },
];

/** Validates a scenario read from a file; returns it typed or throws with the path of the bad field. */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const fail = (path: string, what: string): never => { throw new Error(`${source}: ${path} ${what}`); };
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail('(root)', 'must be a JSON object');
  const s = value as Record<string, any>;
  const known = ['name', 'description', 'model', 'drift', 'requireApproval', 'approval', 'training', 'rollout', 'canary', 'faults', 'state', 'duplicates', 'expect'];
  for (const k of Object.keys(s)) if (!known.includes(k)) fail(k, `is not a scenario field (known: ${known.join(', ')})`);
  if (typeof s.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(s.name)) fail('name', 'must be 1-64 letters, digits and -');
  const num = (path: string, v: unknown, min: number, max: number) => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)) fail(path, `must be a number between ${min} and ${max}`);
  };
  const obj = (path: string, v: unknown, keys: string[]) => {
    if (v === undefined) return;
    if (!v || typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be an object');
    for (const k of Object.keys(v as object)) if (!keys.includes(k)) fail(`${path}.${k}`, `is unknown (known: ${keys.join(', ')})`);
  };
  if (s.model !== undefined && typeof s.model !== 'string') fail('model', 'must be a string');
  obj('drift', s.drift, ['shift', 'rows', 'seed']);
  num('drift.shift', s.drift?.shift, 0, 20);
  num('drift.rows', s.drift?.rows, 50, 200000);
  num('drift.seed', s.drift?.seed, 0, 2 ** 31);
  if (s.requireApproval !== undefined && typeof s.requireApproval !== 'boolean') fail('requireApproval', 'must be true or false');
  if (s.approval !== undefined && !['approve', 'reject', 'timeout'].includes(s.approval)) fail('approval', 'must be "approve", "reject" or "timeout"');
  obj('training', s.training, ['outcome', 'metrics', 'championMetric', 'minutes']);
  if (s.training?.outcome !== undefined && !['succeeded', 'failed'].includes(s.training.outcome)) fail('training.outcome', 'must be "succeeded" or "failed"');
  if (s.training?.metrics !== undefined) {
    obj('training.metrics', s.training.metrics, Object.keys(s.training.metrics ?? {}));
    for (const [k, v] of Object.entries(s.training.metrics)) num(`training.metrics.${k}`, v, -1e12, 1e12);
  }
  num('training.championMetric', s.training?.championMetric, -1e12, 1e12);
  num('training.minutes', s.training?.minutes, 0, 100000);
  obj('rollout', s.rollout, ['canaryPollsUntilReady', 'primaryPollsUntilReady']);
  num('rollout.canaryPollsUntilReady', s.rollout?.canaryPollsUntilReady, 0, 1000);
  num('rollout.primaryPollsUntilReady', s.rollout?.primaryPollsUntilReady, 0, 1000);
  obj('canary', s.canary, ['alarmAtCheck', 'alarmName']);
  num('canary.alarmAtCheck', s.canary?.alarmAtCheck, 1, 1000);
  if (s.faults !== undefined) {
    if (!Array.isArray(s.faults)) fail('faults', 'must be an array');
    s.faults.forEach((f: any, i: number) => {
      obj(`faults[${i}]`, f, ['state', 'service', 'error', 'cause', 'times']);
      if (typeof f.error !== 'string' || f.error.length === 0) fail(`faults[${i}].error`, 'must name the error (e.g. "DynamoDB.ThrottlingException")');
      if (f.state === undefined && f.service === undefined) fail(`faults[${i}]`, 'needs a state or a service');
      num(`faults[${i}].times`, f.times, 1, 1000);
    });
  }
  obj('state', s.state, ['runningSinceSeconds', 'lastRetrainSecondsAgo', 'budgetUsed']);
  num('state.runningSinceSeconds', s.state?.runningSinceSeconds, 0, 1e8);
  num('state.lastRetrainSecondsAgo', s.state?.lastRetrainSecondsAgo, 0, 1e8);
  num('state.budgetUsed', s.state?.budgetUsed, 0, 1e6);
  obj('duplicates', s.duplicates, ['redeliver', 'secondAlarmSuffix']);
  obj('expect', s.expect, ['outcome']);
  if (s.expect?.outcome !== undefined && !(OUTCOMES as readonly string[]).includes(s.expect.outcome)) fail('expect.outcome', `must be one of ${OUTCOMES.join(', ')}`);
  return s as Scenario;
}
