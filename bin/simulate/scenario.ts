/**
 * Scenarios of the closed-loop simulation: the behaviour of the simulated AWS
 * services, scripted. The built-in scenarios use exactly the format a
 * `--scenario-file` takes (documented in docs/retrain-trigger.md).
 */
import { scriptedService, taskService } from './services';

export const OUTCOMES = [
  'promoted', 'rejected', 'rolled-back', 'not-approved', 'deduplicated', 'skipped-cooldown', 'skipped-budget', 'failed', 'no-drift',
  // An operator rollback (`cdk-mlops rollback`) passed its canary: the earlier version is the champion again.
  'reverted',
  // The retraining execution ran past its state machine's TimeoutSeconds (Step Functions stopped it).
  'timed-out',
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
  /**
   * The canary's signal: its first canary alarm, or for a model judged by canary metrics (a ModelFactory model) the
   * first canary metric, the capture sidecar's `Errors` of its canary variant, unless `alarmName` names an alarm.
   */
  readonly canary?: {
    /**
     * The canary alarm is in ALARM from this bake check on; for a canary metric, the canary answers 12 errors a
     * minute in the 3 minutes before that check (1-based; default never).
     */
    readonly alarmAtCheck?: number;
    /**
     * The canary alarm goes to ALARM and back to OK between the previous bake check (or the bake's start) and this
     * one: the check finds it OK, its history since the bake started does not; for a canary metric, one minute of
     * 12 errors between the two checks (1-based; default never).
     */
    readonly flapBeforeCheck?: number;
    /** Which canary alarm (default the first; for a model with canary metrics, default the first metric). */
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
  /**
   * An operator rollback (`cdk-mlops rollback`) instead of a drift alarm: versions 1..`versions` are registered and
   * Approved, the newest is the champion serving production, and the operator asks for `toVersion`.
   */
  readonly rollback?: {
    /** Approved versions before the rollback; the newest is the champion (default 8). */
    readonly versions?: number;
    /** The version to serve again (default: the newest Approved version older than the champion, as the command picks). */
    readonly toVersion?: number;
    /** A version registered without a drift baseline (`mlops:baselineUri`). */
    readonly withoutBaseline?: number;
  };
  /**
   * The model's alarm fires again this many seconds after the first one (past the cooldown, to start a second
   * retrain in the same account), with these faults scripted instead of the first ones: the outcome, the
   * champion and the registry are then the second retrain's.
   */
  readonly repeat?: { readonly afterSeconds: number; readonly faults?: Fault[] };
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
    description: 'The canary answers errors during the bake (its error-rate alarm fires, or its error metric crosses the threshold): traffic back to primary, canary restored, package Rejected.',
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
    name: 'operator-rollback',
    description: 'Version 8 serves; the operator rolls back (cdk-mlops rollback): version 7 is canaried and promoted without training, though the last retrain\'s cooldown runs and the budget is spent.',
    rollback: { versions: 8 },
    state: { lastRetrainSecondsAgo: 3600, budgetUsed: 100 },
    expect: { outcome: 'reverted' },
  },
  {
    name: 'operator-rollback-locked',
    description: 'A retrain of the model is running when the operator rolls back: the rollback is refused by the lock (deduplicated), version 8 keeps serving.',
    rollback: { versions: 8 },
    state: { runningSinceSeconds: 600 },
    expect: { outcome: 'deduplicated' },
  },
  {
    name: 'deploy-error',
    description: 'Patching the canary Deployment keeps failing (admission webhook): cleanup restores traffic and canary, the champion stays.',
    faults: [{ state: 'PatchCanary', service: 'eks:call', error: 'EKS.422', cause: 'admission webhook "policy.example" denied the request', times: 99 }],
    expect: { outcome: 'failed' },
  },
];

/** A scenario file that does not follow the format: the message names the file and the JSON path. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

const SCENARIO_FIELDS = ['name', 'description', 'model', 'drift', 'requireApproval', 'approval', 'training', 'rollout', 'canary', 'faults', 'state', 'duplicates', 'rollback', 'repeat', 'expect'];
const FAULT_FIELDS = ['state', 'service', 'error', 'cause', 'times'];

/** Reads and validates a scenario file: bad JSON and every schema error name the file (and the JSON path). */
export function readScenarioFile(file: string, text: string): Scenario {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  return parseScenario(value, file);
}

/**
 * Validates a scenario against the format (docs/retrain-trigger.md#scenario-file-format):
 * unknown fields, wrong types, out-of-range or fractional counts are errors naming
 * `<source>: $.<path>`. Returns it typed. State and service names are checked against the
 * stack by {@link checkScenarioAgainstStack}.
 */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const fail = (path: string, what: string): never => { throw new ScenarioError(`${source}: ${path}: ${what}`); };
  const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `"${v}"` : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`);
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const obj = (path: string, v: unknown, keys: string[] | undefined): Record<string, any> | undefined => {
    if (v === undefined) return undefined;
    if (!isObject(v)) fail(path, `must be an object, got ${describe(v)}`);
    if (keys) for (const k of Object.keys(v as object)) if (!keys.includes(k)) fail(`${path}.${k}`, `unknown field (known: ${keys.join(', ')})`);
    return v as Record<string, any>;
  };
  const num = (path: string, v: unknown, min: number, max: number, integer = false) => {
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, `must be ${integer ? 'an integer' : 'a number'}, got ${describe(v)}`);
    if (integer && !Number.isInteger(v)) fail(path, `must be a whole number, got ${v}`);
    if ((v as number) < min || (v as number) > max) fail(path, `must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, got ${v}`);
  };
  const str = (path: string, v: unknown, nonEmpty = true) => {
    if (v === undefined) return;
    if (typeof v !== 'string') fail(path, `must be a string, got ${describe(v)}`);
    if (nonEmpty && (v as string).length === 0) fail(path, 'must not be empty');
  };
  const bool = (path: string, v: unknown) => {
    if (v !== undefined && typeof v !== 'boolean') fail(path, `must be true or false, got ${describe(v)}`);
  };
  const oneOf = (path: string, v: unknown, allowed: readonly string[]) => {
    if (v !== undefined && (typeof v !== 'string' || !allowed.includes(v))) fail(path, `must be one of ${allowed.map((x) => `"${x}"`).join(', ')}, got ${describe(v)}`);
  };

  if (!isObject(value)) fail('$', `must be a JSON object, got ${describe(value)}`);
  const s = obj('$', value, SCENARIO_FIELDS)!;
  if (s.name === undefined) fail('$.name', 'is required (1-64 letters, digits and -)');
  str('$.name', s.name);
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(s.name)) fail('$.name', `must be 1-64 letters, digits and - (starting with a letter or digit), got ${describe(s.name)}`);
  str('$.description', s.description, false);
  str('$.model', s.model);
  const drift = obj('$.drift', s.drift, ['shift', 'rows', 'seed']);
  num('$.drift.shift', drift?.shift, 0, 20);
  num('$.drift.rows', drift?.rows, 50, 200000, true);
  num('$.drift.seed', drift?.seed, 0, 2 ** 31, true);
  bool('$.requireApproval', s.requireApproval);
  oneOf('$.approval', s.approval, ['approve', 'reject', 'timeout']);
  const training = obj('$.training', s.training, ['outcome', 'metrics', 'championMetric', 'minutes']);
  oneOf('$.training.outcome', training?.outcome, ['succeeded', 'failed']);
  const metrics = obj('$.training.metrics', training?.metrics, undefined);
  for (const [k, v] of Object.entries(metrics ?? {})) num(`$.training.metrics["${k}"]`, v, -1e12, 1e12);
  num('$.training.championMetric', training?.championMetric, -1e12, 1e12);
  num('$.training.minutes', training?.minutes, 0, 100000);
  const rollout = obj('$.rollout', s.rollout, ['canaryPollsUntilReady', 'primaryPollsUntilReady']);
  num('$.rollout.canaryPollsUntilReady', rollout?.canaryPollsUntilReady, 0, 1000, true);
  num('$.rollout.primaryPollsUntilReady', rollout?.primaryPollsUntilReady, 0, 1000, true);
  const canary = obj('$.canary', s.canary, ['alarmAtCheck', 'flapBeforeCheck', 'alarmName']);
  num('$.canary.alarmAtCheck', canary?.alarmAtCheck, 1, 1000, true);
  num('$.canary.flapBeforeCheck', canary?.flapBeforeCheck, 1, 1000, true);
  str('$.canary.alarmName', canary?.alarmName);
  const faults = (path: string, list: unknown) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) fail(path, `must be an array, got ${describe(list)}`);
    (list as unknown[]).forEach((f, i) => {
      const at = `${path}[${i}]`;
      if (f === undefined || f === null) fail(at, `must be an object, got ${describe(f)}`);
      const fault = obj(at, f, FAULT_FIELDS)!;
      if (fault.state === undefined && fault.service === undefined) fail(at, 'needs a "state" or a "service" (or both)');
      str(`${at}.state`, fault.state);
      str(`${at}.service`, fault.service);
      if (fault.error === undefined) fail(`${at}.error`, 'is required: the error name (e.g. "DynamoDB.ThrottlingException")');
      str(`${at}.error`, fault.error);
      str(`${at}.cause`, fault.cause, false);
      num(`${at}.times`, fault.times, 1, 1000, true);
    });
  };
  faults('$.faults', s.faults);
  const repeat = obj('$.repeat', s.repeat, ['afterSeconds', 'faults']);
  if (repeat !== undefined && repeat.afterSeconds === undefined) fail('$.repeat.afterSeconds', 'is required (seconds after the first alarm)');
  num('$.repeat.afterSeconds', repeat?.afterSeconds, 1, 1e8, true);
  faults('$.repeat.faults', repeat?.faults);
  const state = obj('$.state', s.state, ['runningSinceSeconds', 'lastRetrainSecondsAgo', 'budgetUsed']);
  num('$.state.runningSinceSeconds', state?.runningSinceSeconds, 0, 1e8, true);
  num('$.state.lastRetrainSecondsAgo', state?.lastRetrainSecondsAgo, 0, 1e8, true);
  num('$.state.budgetUsed', state?.budgetUsed, 0, 1e6, true);
  const duplicates = obj('$.duplicates', s.duplicates, ['redeliver', 'secondAlarmSuffix']);
  bool('$.duplicates.redeliver', duplicates?.redeliver);
  str('$.duplicates.secondAlarmSuffix', duplicates?.secondAlarmSuffix);
  const rollback = obj('$.rollback', s.rollback, ['versions', 'toVersion', 'withoutBaseline']);
  num('$.rollback.versions', rollback?.versions, 2, 1000, true);
  num('$.rollback.toVersion', rollback?.toVersion, 1, 1000, true);
  num('$.rollback.withoutBaseline', rollback?.withoutBaseline, 2, 1000, true);
  const versions = rollback?.versions ?? 8;
  if (rollback?.toVersion !== undefined && rollback.toVersion >= versions) {
    fail('$.rollback.toVersion', `must be older than the champion (version ${versions}), got ${rollback.toVersion}`);
  }
  if (rollback?.withoutBaseline !== undefined && rollback.withoutBaseline > versions) {
    fail('$.rollback.withoutBaseline', `must be one of the versions 2-${versions}, got ${rollback.withoutBaseline}`);
  }
  if (rollback && s.duplicates) fail('$.duplicates', 'duplicate alarms need a drift alarm; a rollback scenario has none');
  const expect = obj('$.expect', s.expect, ['outcome']);
  oneOf('$.expect.outcome', expect?.outcome, OUTCOMES);
  return s as Scenario;
}

/** What {@link checkScenarioAgainstStack} checks a scenario against: the synthesized state machines and records. */
export interface StackFacts {
  /** The state machines the scenario runs (label, e.g. "retraining", and ASL definition). */
  readonly machines: { readonly label: string; readonly definition: any }[];
  /** Models with a retraining record. */
  readonly models: string[];
  /** Canary alarm names of a model's record. */
  readonly canaryAlarmNames?: (model: string) => string[] | undefined;
  /** The model a scenario without `model` runs against. */
  readonly defaultModel: string;
}

/** Every state of an ASL definition (Parallel branches and Map processors included), by name. */
export function statesOf(states: Record<string, any>, out: Map<string, any> = new Map()): Map<string, any> {
  for (const [name, st] of Object.entries(states ?? {})) {
    out.set(name, st);
    for (const b of st?.Branches ?? []) statesOf(b.States, out);
    if (st?.ItemProcessor) statesOf(st.ItemProcessor.States, out);
    if (st?.Iterator) statesOf(st.Iterator.States, out);
  }
  return out;
}

/** The service a Task calls, as faults name it (`dynamodb:updateItem`, `aws-sdk:ssm:getParameter`, `lambda:invoke`). */
/**
 * Checks the names a scenario uses against the stack it runs on: a fault's state must be a
 * Task state of one of the state machines (a fault on another name, or on a Choice, Pass or
 * Wait state, would never fire), its service one a Task calls (and, with both given, the
 * service of that state); the model must have a retraining record; a canary alarm must be
 * one of the model's. Errors name the source and the JSON path.
 */
export function checkScenarioAgainstStack(scenario: Scenario, facts: StackFacts, source = 'scenario'): void {
  const fail = (path: string, what: string): never => { throw new ScenarioError(`${source}: ${path}: ${what}`); };
  const list = (xs: string[], max = 40) => `${xs.slice(0, max).join(', ')}${xs.length > max ? `, … (${xs.length} in all)` : ''}`;
  if (scenario.model !== undefined && !facts.models.includes(scenario.model)) {
    fail('$.model', `no retraining record for model "${scenario.model}" (known: ${list(facts.models)})`);
  }
  const model = scenario.model ?? facts.defaultModel;
  const tasks = new Map<string, { machine: string; service: string }>();
  const others = new Map<string, { machine: string; type: string }>();
  for (const m of facts.machines) {
    for (const [name, st] of statesOf(m.definition.States)) {
      if (st?.Type === 'Task') tasks.set(name, { machine: m.label, service: scriptedService(taskService(m.label === 'retraining', st.Resource)) });
      else others.set(name, { machine: m.label, type: String(st?.Type) });
    }
  }
  const services = [...new Set([...tasks.values()].map((t) => t.service))].sort();
  [...(scenario.faults ?? []).map((f, i) => [f, `$.faults[${i}]`] as const),
    ...(scenario.repeat?.faults ?? []).map((f, i) => [f, `$.repeat.faults[${i}]`] as const)].forEach(([f, at]) => {
    if (f.state !== undefined) {
      const task = tasks.get(f.state);
      if (!task) {
        const other = others.get(f.state);
        if (other) fail(`${at}.state`, `"${f.state}" is a ${other.type} state of the ${other.machine} state machine, not a Task: faults apply to the service calls of Task states (Task states: ${list([...tasks.keys()].sort())})`);
        fail(`${at}.state`, `unknown state "${f.state}" (known Task states: ${list([...tasks.keys()].sort())})`);
      }
      if (f.service !== undefined && f.service !== task!.service) {
        fail(`${at}.service`, `state "${f.state}" calls "${task!.service}", not "${f.service}"`);
      }
    }
    if (f.service !== undefined && !services.includes(f.service)) {
      fail(`${at}.service`, `unknown service "${f.service}" (services the Task states call: ${list(services)})`);
    }
  });
  const alarm = scenario.canary?.alarmName;
  if (alarm !== undefined) {
    const names = facts.canaryAlarmNames?.(model);
    if (names && !names.includes(alarm)) fail('$.canary.alarmName', `"${alarm}" is not a canary alarm of model "${model}" (its canary alarms: ${list(names)})`);
  }
}
