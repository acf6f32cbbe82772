/**
 * The closed-loop simulation: synthesizes the end-to-end example stack,
 * extracts the REAL retraining and training definitions and executes them
 * with aws-local-stepfunctions, every Task answered by the simulated AWS
 * account of ./world.ts; the alarm comes from the real drift engine, is
 * matched by the real EventBridge pattern and handled by the real starter
 * logic.
 */
import './polyfill';
import { App } from 'aws-cdk-lib';
import { StateMachine } from 'aws-local-stepfunctions';
import { CLOSED_LOOP_MODEL, ClosedLoopStack } from '../../examples/closed-loop';
import { fleetSpecs, ModelFactoryStack } from '../../examples/model-factory';
import { MODEL_URI_ANNOTATION } from '../../lib/contracts/endpoint-wiring';
import { clockFor, handleEvent, settingsFromEnv, StarterSettings } from '../../lib/runtime/retrain-starter/starter';
import { createHandler } from '../../lib/runtime/training-pipeline/index';
import { assemblyTemplate, mergeStacks, synthesizeApp } from './assembly';
import { PlaceholderResolver, stateMachines, Template } from './cfn';
import { clusterReachOf } from './cluster-reach';
import { detectDrift, rng, toCsv } from './drift';
import { matchesEventPattern } from './event-pattern';
import { ruleDeadLetters } from './key-policy';
import { rollbackEvent, seedHistory } from './operator-rollback';
import { Outcome, Scenario, StackFacts } from './scenario';
import { taskService } from './services';
import { CallRecord, checkTimeoutMatchers, ExecutionRecord, simError, World } from './world';

/** What the simulation needs from the synthesized example. */
export interface LoadedStack {
  readonly stackName: string;
  readonly template: Template;
  readonly retrain: { arn: string; definition: any };
  readonly training: { arn: string; definition: any };
  readonly starterSettings: StarterSettings;
  readonly configPrefix: string;
  readonly rulePatterns: any[];
  readonly records: Map<string, any>;
  readonly tableName: string;
  readonly retrainTopicArn: string;
  /** Kubernetes objects the stack applies (rendered manifests, tokens as placeholders). */
  readonly k8sObjects: any[];
  /** Every rule target's dead-letter queue, and whether its key policy lets EventBridge send to it. */
  readonly deadLetters: { rule: string; queue: string; allowed: boolean }[];
}

/** Synthesizes the example in-process (asset staging off: fast) and extracts what the simulation runs. */
export function loadClosedLoop(): LoadedStack {
  // Asset staging off (fast); the built-in template lint report is for `cdk synth`, not for the simulation's output.
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true }, builtinCloudFormationValidation: false });
  const stack = new ClosedLoopStack(app, 'ClosedLoop');
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as Template;
  return extract(template, stack.stackName);
}

/**
 * Synthesizes the model-factory example (a few models: the simulation runs one) and extracts what the
 * simulation runs from the platform stack and the shard stacks together (one template, as one account sees them).
 */
export function loadModelFactory(models = 3): LoadedStack {
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true }, builtinCloudFormationValidation: false });
  const stack = new ModelFactoryStack(app, 'ModelFactory', { models: fleetSpecs(models) });
  const assembly = app.synth();
  const merged = mergeStacks([stack, ...stack.factory.shardStacks].map((s) => ({
    stackName: s.stackName,
    template: assembly.getStackByName(s.stackName).template as Template,
  })));
  return extract(merged, stack.stackName);
}

/**
 * Loads the user's app (`simulate --app`): a cloud assembly directory, or an app command synthesized into a
 * temporary one; its stacks are read as one account sees them (./assembly.ts).
 */
export function loadApp(app: string): LoadedStack {
  const { template, stackName } = assemblyTemplate(synthesizeApp(app));
  return extract(template, stackName);
}

/** Extracts the state machines, the starter's settings, the rule and the per-model records from a template. */
export function extract(template: Template, stackName: string): LoadedStack {
  const resolver = new PlaceholderResolver(template, stackName);
  const machines = stateMachines(template, resolver);
  const starter = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.ALARM_SUFFIXES);
  if (!starter) throw new Error('the stack has no RetrainTrigger starter function');
  const env = resolver.resolve(starter.Properties.Environment.Variables) as Record<string, string>;
  const starterSettings = settingsFromEnv(env);
  const retrain = machines.find((m) => m.arn === starterSettings.stateMachineArn);
  if (!retrain) throw new Error('the starter names no state machine of the stack');
  const train = Object.values(retrain.definition.States).find((s: any) => String(s.Resource).includes(':states:::states:startExecution')) as any;
  const training = machines.find((m) => m.arn === train?.Parameters?.StateMachineArn);
  if (!training) throw new Error('the retraining state machine starts no state machine of the stack');
  const configPrefix = env.CONFIG_PREFIX;
  const records = new Map<string, any>();
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::SSM::Parameter') continue;
    const name = resolver.resolve(r.Properties?.Name);
    if (typeof name === 'string' && name.startsWith(configPrefix)) records.set(name.slice(configPrefix.length), JSON.parse(resolver.resolve(r.Properties.Value)));
  }
  const rulePatterns = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties?.EventPattern).map((r) => r.Properties.EventPattern);
  const k8sObjects: any[] = [];
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'Custom::AWSCDK-EKS-KubernetesResource' || r.Properties?.Manifest === undefined) continue;
    try {
      const manifest = resolver.resolve(r.Properties.Manifest);
      k8sObjects.push(...(typeof manifest === 'string' ? JSON.parse(manifest) : manifest));
    } catch {
      // A manifest that does not resolve to JSON is not one the simulation needs.
    }
  }
  const firstTask = retrain.definition.States.AcquireLock;
  const notify = retrain.definition.States.NotifyOutcome;
  return {
    stackName, template, starterSettings, configPrefix, records, rulePatterns, k8sObjects,
    deadLetters: ruleDeadLetters(template, stackName),
    retrain: { arn: retrain.arn, definition: retrain.definition },
    training: { arn: training.arn, definition: training.definition },
    tableName: firstTask.Parameters.TableName,
    retrainTopicArn: notify.Parameters.TopicArn,
  };
}

/** The names a scenario file may use, from the synthesized stack (see checkScenarioAgainstStack). */
export function stackFacts(loaded: LoadedStack): StackFacts {
  const models = [...loaded.records.keys()];
  return {
    machines: [{ label: 'retraining', definition: loaded.retrain.definition }, { label: 'training', definition: loaded.training.definition }],
    models,
    defaultModel: defaultModelOf(loaded),
    canaryAlarmNames: (model) => {
      const names = loaded.records.get(model)?.canaryAlarmNames;
      return Array.isArray(names) && names.every((n) => typeof n === 'string') ? names : undefined;
    },
  };
}

/** The model a scenario without `model` retrains: the example's, else the first with a record. */
function defaultModelOf(loaded: LoadedStack): string {
  return loaded.records.has(CLOSED_LOOP_MODEL) ? CLOSED_LOOP_MODEL : [...loaded.records.keys()][0];
}

// ---- EventBridge pattern matching: the documented rules (./event-pattern.ts) ----
export function matchesPattern(pattern: any, event: any): boolean {
  return matchesEventPattern(pattern, event);
}

// ---- execution ------------------------------------------------------------------------------

function tasksOf(states: Record<string, any>, out: Record<string, any> = {}): Record<string, any> {
  for (const [name, s] of Object.entries(states)) {
    if (s.Type === 'Task') out[name] = s;
    for (const b of s.Branches ?? []) tasksOf(b.States, out);
    if (s.ItemProcessor) tasksOf(s.ItemProcessor.States, out);
    if (s.Iterator) tasksOf(s.Iterator.States, out);
  }
  return out;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly outcome: Outcome | string;
  readonly championBefore: any;
  readonly championAfter: any;
  readonly lockReleased: boolean;
  readonly notifications: number;
  readonly trainingJobsStarted: number;
  readonly states: string[];
  readonly executions: { name: string; outcome: string; historyEvents: number; states: string[] }[];
  readonly starter: { status: string; name?: string; reason?: string }[];
  readonly drift: { drifted: string[]; records: number; alarm?: string };
  readonly invariants: Record<string, boolean>;
  readonly maxHistoryEvents: number;
  readonly simulatedMinutes: number;
  /**
   * Whether the ModelEndpoint's Deployments read the model URI from the pod-template annotation the
   * canary patch writes (downward API); undefined when the stack renders no such Deployment.
   */
  readonly endpointReadsModelAnnotation?: boolean;
  /**
   * The artifact the primary's pods load at the end, resolved as the kubelet would: the init container's
   * `MODEL_ARTIFACT_URI` (downward API) against the Deployment's pod-template annotations.
   */
  readonly primaryLoadsArtifact?: string;
  /** What the primary's pods load after a `cdk deploy` re-applied the rendered manifest (the replay). */
  readonly primaryLoadsAfterRedeploy?: string;
  /**
   * The DriftMonitor baseline of the model (the record's `monitorBaseline`) at the end: where it is, whether
   * a promotion replaced it, and the S3 URI of the baseline whose content it now holds (the seeded one, or a
   * candidate's `.../output/baseline.json`). Undefined when the record names none.
   */
  readonly monitorBaseline?: { location: string; changed: boolean; sameAs?: string };
  readonly expected?: string;
  /**
   * What the executions said beyond their outcome: the `lock` and `problems` of the outcome notifications, the
   * problem metrics counted (LockReleaseFailures, InconsistentState, NotificationFailures), and whether the
   * newest Approved package of the model's group is the champion's (what the next gate compares against).
   */
  readonly signals: {
    readonly notified: { outcome: string; lock?: any; problems?: Record<string, unknown> }[];
    readonly problemMetrics: string[];
    readonly newestApprovedPackage?: string;
    readonly registryAgreesWithChampion: boolean;
  };
  readonly timeline: string[];
}

/** Runs one scenario against a loaded stack; `prepare` may seed the simulated world first (tests: other models' metrics). */
export async function runScenario(
  loaded: LoadedStack, scenario: Scenario, prepare?: (world: World, t0Epoch: number) => void,
): Promise<ScenarioResult> {
  const model = scenario.model ?? defaultModelOf(loaded);
  const record = loaded.records.get(model);
  if (!record) throw new Error(`scenario ${scenario.name}: no retraining record for model "${model}" (known: ${[...loaded.records.keys()].join(', ')})`);

  // The TrainingPipeline's frame and defaults, as its first state hands them to its handler.
  const snapshot = Object.values(loaded.training.definition.States).find((s: any) => s.Parameters?.Payload?.action === 'prepare') as any;
  const frame = snapshot?.Parameters?.Payload?.frame ?? {};
  const defaults = snapshot?.Parameters?.Payload?.defaults ?? {};
  const objectiveMetric: string = defaults.evaluation?.metricName ?? 'validation:auc';

  const t0 = new Date(Date.UTC(2026, 10, 27, 9, 0, 0));
  const t0Epoch = Math.floor(t0.getTime() / 1000);
  // The TrainingPipeline's Lambda runs its real handler code against the simulated S3.
  const trainingHandler = (payload: any) => createHandler(world.s3)(payload);
  const world: World = new World({
    scenario,
    records: loaded.records,
    configPrefix: loaded.configPrefix,
    trainingHandler,
    objectiveMetric,
    t0Epoch,
    reach: clusterReachOf(loaded.template),
  }, loaded.tableName);
  const packageGroup = `${frame.modelPackageGroupPrefix ?? ''}${model}`;
  world.seedModel(record, packageGroup, loaded.k8sObjects);
  // An operator rollback scenario: versions 1..n registered, version n serving (./operator-rollback.ts).
  const history = scenario.rollback
    ? seedHistory(world, record, model, packageGroup, loaded.configPrefix, scenario.rollback.versions ?? 8, scenario.rollback.withoutBaseline)
    : undefined;
  const readsAnnotation = modelAnnotationRead(loaded.k8sObjects, record);
  prepare?.(world, t0Epoch);

  // ---- the drift engine on generated capture data ----
  const drift = detectDrift({
    shift: scenario.drift?.shift ?? 1.5,
    rows: scenario.drift?.rows ?? 2000,
    seed: scenario.drift?.seed ?? 42,
    modelName: model,
    t0,
  });
  // The training data the pipeline snapshots and baselines: the reference window.
  const datasetPrefix: string = record.trainingInput?.datasetPrefix ?? `${frame.datasetRootPrefix ?? ''}${model}/`;
  for (const channel of (record.trainingInput?.channels ?? defaults.channels ?? ['train']) as string[]) {
    world.s3.put(frame.datasetBucket ?? 'datasets', `${datasetPrefix}${channel}/part-0000.csv`, toCsv(drift.referenceRows));
  }

  // ---- prior state ----
  if (scenario.state?.lastRetrainSecondsAgo !== undefined) {
    const started = t0Epoch - scenario.state.lastRetrainSecondsAgo;
    world.table.items.set(`lock#${model}`, {
      pk: { S: `lock#${model}` }, cooldownUntil: { N: String(started + record.cooldownSeconds) }, acquiredAt: { N: String(started) },
      lastOutcome: { S: 'promoted' }, expiresAt: { N: String(started + record.cooldownSeconds + record.lockTtlSeconds) },
    });
  }
  if (scenario.state?.runningSinceSeconds !== undefined) {
    const started = t0Epoch - scenario.state.runningSinceSeconds;
    world.table.items.set(`lock#${model}`, {
      pk: { S: `lock#${model}` }, holder: { S: `${model}-alarm-0000000000000000` }, lockedUntil: { N: String(started + record.lockTtlSeconds) },
      cooldownUntil: { N: String(started + record.cooldownSeconds) }, acquiredAt: { N: String(started) },
      expiresAt: { N: String(started + record.cooldownSeconds + record.lockTtlSeconds) },
    });
  }
  if (scenario.state?.budgetUsed !== undefined) {
    // The same period keys the starter hands the state machine.
    const key = `budget#${model}#${clockFor(t0.toISOString()).periods[record.budgetPeriod as 'day' | 'week' | 'month']}`;
    world.table.items.set(key, { pk: { S: key }, retrains: { N: String(scenario.state.budgetUsed) } });
  }
  const championOf = (): any => {
    const item = world.table.items.get(`champion#${model}`);
    if (item) return { modelVersion: item.modelVersion.S, modelPackageArn: item.modelPackageArn.S, modelArtifactUri: item.modelArtifactUri.S };
    return { ...record.initialChampion };
  };
  const championBefore = championOf();
  const monitorLocation = record.monitorBaseline ? `${record.monitorBaseline.bucket}/${record.monitorBaseline.key}` : undefined;
  const monitorBefore = monitorLocation ? world.s3.objects.get(monitorLocation)?.etag : undefined;

  // ---- executions ----
  const retrainRuns: Promise<ExecutionRecord>[] = [];
  const returnedRunning = new Set<string>();
  const started: ExecutionRecord[] = [];
  let clockOffset = 0;
  world.runExecution = (arn, name, input, parent) => runOne(world, loaded, arn, name, input, parent, clockOffset);
  // The simulated clock of an execution: its history so far, timed as the timeline renders it.
  world.elapsed = (exec) => renderTimeline(exec, loaded, 0, '', []);
  const starterDeps = {
    startExecution: async (req: { stateMachineArn: string; name: string; input: string }) => {
      const key = `${req.stateMachineArn}/${req.name}`;
      const running = world.runningExecutions.get(key);
      if (running) {
        if (running.input === req.input) {
          // Same name and input as a running Standard execution: Step Functions returns it, starts nothing.
          returnedRunning.add(req.name);
          return { executionArn: `${req.stateMachineArn.replace(':stateMachine:', ':execution:')}:${req.name}` };
        }
        throw simError('ExecutionAlreadyExists', `Execution already exists: '${req.name}'`);
      }
      if (world.executions.some((e) => e.name === req.name && e.arn.startsWith(req.stateMachineArn.replace(':stateMachine:', ':execution:')))) {
        throw simError('ExecutionAlreadyExists', `Execution already exists: '${req.name}'`);
      }
      const p = world.runExecution!(req.stateMachineArn, req.name, JSON.parse(req.input));
      retrainRuns.push(p);
      return { executionArn: `${req.stateMachineArn.replace(':stateMachine:', ':execution:')}:${req.name}` };
    },
    listModels: async () => [...loaded.records.keys()].sort(),
    log: () => undefined,
  };
  const starterResults: { status: string; name?: string; reason?: string }[] = [];
  const deliver = async (event: any) => {
    if (!loaded.rulePatterns.some((p) => matchesPattern(p, event))) {
      starterResults.push({ status: 'not-matched', reason: `no rule matches ${event['detail-type']} ${event.detail?.alarmName ?? ''}` });
      return;
    }
    returnedRunning.clear();
    for (const r of await handleEvent(event, loaded.starterSettings, starterDeps)) {
      const already = r.status === 'started' && r.name !== undefined && returnedRunning.has(r.name);
      starterResults.push({ status: already ? 'already-running' : r.status, name: r.name, reason: already ? 'same name and input: Step Functions returned the running execution' : r.reason });
    }
  };
  const alarmEvent = (suffix: string, at: Date) => {
    const alarmName = `${loaded.starterSettings.alarmPrefix}-${model}${suffix}`;
    return {
      'version': '0',
      'id': `evt-${alarmName}-${at.getTime()}`,
      'detail-type': 'CloudWatch Alarm State Change',
      'source': 'aws.cloudwatch',
      'account': '123456789012',
      'time': at.toISOString(),
      'region': 'us-east-1',
      'resources': [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
      'detail': {
        alarmName,
        state: { value: 'ALARM', reason: `Threshold Crossed: drifted features ${drift.drifted.join(', ')}`, timestamp: at.toISOString() },
        previousState: { value: 'OK', timestamp: new Date(at.getTime() - 3600_000).toISOString() },
        configuration: { description: `drift of ${model}` },
      },
    };
  };

  const alarmName = `${loaded.starterSettings.alarmPrefix}-${model}${loaded.starterSettings.alarmSuffixes[0]}`;
  if (history) {
    // The operator's request instead of the alarm (the drift engine's verdict starts nothing).
    await deliver(rollbackEvent(world, model, packageGroup, history, t0, scenario.rollback?.toVersion));
    for (let i = 0; i < retrainRuns.length; i++) started.push(await retrainRuns[i]);
  } else if (drift.drifted.length > 0) {
    const first = alarmEvent(loaded.starterSettings.alarmSuffixes[0], t0);
    if (scenario.duplicates) {
      let fired = false;
      world.onTrainingStarted = async () => {
        if (fired) return;
        fired = true;
        clockOffset = 120;
        if (scenario.duplicates?.redeliver) await deliver(first);
        if (scenario.duplicates?.secondAlarmSuffix) {
          const n = retrainRuns.length;
          await deliver(alarmEvent(scenario.duplicates.secondAlarmSuffix, new Date(t0.getTime() + 120_000)));
          await Promise.all(retrainRuns.slice(n));
        }
      };
    }
    await deliver(first);
    for (let i = 0; i < retrainRuns.length; i++) started.push(await retrainRuns[i]);
    if (scenario.repeat) {
      // The alarm fires again later (a new state change, a new event): a second retrain in the same account.
      world.onTrainingStarted = undefined;
      world.scriptFaults(scenario.repeat.faults ?? []);
      clockOffset = scenario.repeat.afterSeconds;
      const n = retrainRuns.length;
      await deliver(alarmEvent(loaded.starterSettings.alarmSuffixes[0], new Date(t0.getTime() + scenario.repeat.afterSeconds * 1000)));
      for (let i = n; i < retrainRuns.length; i++) started.push(await retrainRuns[i]);
    }
  }

  // ---- results ----
  const retrains = world.executions.filter((e) => e.stateMachine === 'retrain');
  const outcomeOf = (e: ExecutionRecord): string => (e.status === 'SUCCEEDED' ? String(e.output?.outcome ?? 'unknown')
    : e.status === 'TIMED_OUT' ? 'timed-out' : e.error?.name === 'RetrainFailed' ? 'failed' : `failed (${e.error?.name})`);
  const subject = retrains[retrains.length - 1];
  const outcome = !history && drift.drifted.length === 0 ? 'no-drift' : subject ? outcomeOf(subject) : `not-started (${starterResults.map((r) => r.reason).join('; ')})`;
  const championAfter = championOf();
  const lock = world.table.items.get(`lock#${model}`);
  const lockReleased = !lock || lock.holder === undefined || !retrains.some((e) => e.name === lock.holder.S);
  const notifications = world.sns.filter((m) => m.topic === loaded.retrainTopicArn && m.message?.kind === 'retrain-outcome');
  const statesOf = (e: ExecutionRecord) => e.events.filter((ev) => ev.type === 'StateEntered').map((ev) => ev.state.name as string);
  const historyOf = (e: ExecutionRecord) => e.events.length;
  const allExecutions = world.executions;
  const maxHistoryEvents = Math.max(0, ...allExecutions.map(historyOf));
  // Outcomes after which the candidate is the champion (`reverted`: an operator rollback).
  const promoted = retrains.some((e) => ['promoted', 'reverted'].includes(outcomeOf(e)));
  const primary = world.deployment(record, 'primaryDeployment');
  const ingress = world.ingress(record);
  // Traffic: every weighted action of the Ingress sends nothing to the canary Service.
  const canaryWeights = Object.keys(record.eks.ingressStablePatch.metadata.annotations).flatMap((k) => {
    try {
      return (JSON.parse(ingress?.metadata?.annotations?.[k] ?? '{}').forwardConfig?.targetGroups ?? [])
        .filter((t: any) => t.serviceName === record.eks.canaryDeployment).map((t: any) => Number(t.weight));
    } catch {
      return [NaN];
    }
  });
  const packages = world.packages;
  // The monitor's baseline: which stored object has the same content (the seeded one, or a candidate's).
  const monitorNow = monitorLocation ? world.s3.objects.get(monitorLocation) : undefined;
  const monitorBaseline = monitorLocation ? {
    location: `s3://${monitorLocation}`,
    changed: monitorNow?.etag !== monitorBefore,
    sameAs: [...world.s3.objects.entries()].filter(([k, o]) => k !== monitorLocation && o.etag === monitorNow?.etag).map(([k]) => `s3://${k}`)[0],
  } : undefined;
  const newestApprovedPackage = packages.filter((p) => p.group === packageGroup && p.status === 'Approved').sort((a, b) => b.version - a.version)[0]?.arn;
  const championBaseline = world.table.items.get(`champion#${model}`)?.baselineUri?.S;
  // Replay deploy -> (promote) -> redeploy: a `cdk deploy` re-applies the rendered manifest; the pods must still load the champion.
  const servingBeforeRedeploy = loadedArtifact(primary, world.parameters);
  world.redeploy(record, loaded.k8sObjects);
  const primaryLoadsAfterRedeploy = loadedArtifact(world.deployment(record, 'primaryDeployment'), world.parameters);
  const invariants: Record<string, boolean> = {
    championChangesOnlyOnPromotion: promoted
      ? JSON.stringify(championAfter) !== JSON.stringify(championBefore)
      : JSON.stringify(championAfter) === JSON.stringify(championBefore),
    lockReleased,
    oneNotificationPerExecution: retrains.every((e) => notifications.filter((n) => n.execution === e.name).length === 1),
    atMostOneTrainingJobPerAlarm: world.trainingJobs.size <= Math.max(1, retrains.filter((e) => statesOf(e).includes('Train')).length),
    historyWithin200Events: maxHistoryEvents <= 200,
    primaryServesChampion: servingBeforeRedeploy === championAfter.modelArtifactUri,
    redeployKeepsChampion: primaryLoadsAfterRedeploy === championAfter.modelArtifactUri,
    trafficBackOnPrimary: canaryWeights.length > 0 && canaryWeights.every((w) => w === 0),
    championPackageApproved: championAfter.modelPackageArn === championBefore.modelPackageArn || packages.some((p) => p.arn === championAfter.modelPackageArn && p.status === 'Approved'),
    // The DriftMonitor compares against the champion's baseline: replaced by the promoted candidate's, untouched otherwise.
    // A failed delivery reaches the dead-letter queue only if its key policy lets events.amazonaws.com use the key.
    deadLettersReachQueues: loaded.deadLetters.every((d) => d.allowed),
    monitorBaselineFollowsChampion: !monitorBaseline
      || (championAfter.modelPackageArn !== championBefore.modelPackageArn
        ? monitorBaseline.changed && monitorBaseline.sameAs === championBaseline
        : !monitorBaseline.changed),
  };

  const timeline: string[] = [];
  timeline.push(`scenario ${scenario.name}${scenario.description ? `: ${scenario.description}` : ''}`);
  timeline.push(`drift engine: ${drift.currentRecords} capture records vs ${drift.referenceRows.length} reference rows -> drifted [${drift.drifted.join(', ')}]` +
    (drift.drifted.length > 0 ? ` (PSI ${fmtStats(drift.statistics, 'psi')}; thresholds PSI ${drift.thresholds.psi}, KS p ${drift.thresholds.ksPValue})` : ''));
  if (history) timeline.push(`operator rollback of ${model} (versions 1-${history.length} registered, ${history.length} serving) requested; starter: ${starterResults.map((r) => `${r.status}${r.name ? ` ${r.name}` : ''}${r.reason ? ` (${r.reason})` : ''}`).join('; ')}`);
  else if (drift.drifted.length > 0) timeline.push(`alarm ${alarmName} -> ALARM; EventBridge rule matched; starter: ${starterResults.map((r) => `${r.status}${r.name ? ` ${r.name}` : ''}${r.reason ? ` (${r.reason})` : ''}`).join('; ')}`);
  let simulatedSeconds = 0;
  for (const e of retrains) {
    const lines: string[] = [];
    const end = renderTimeline(e, loaded, e.startOffset, '  ', lines);
    simulatedSeconds = Math.max(simulatedSeconds, end);
    timeline.push(`execution ${e.name} -> ${outcomeOf(e)}`);
    timeline.push(...lines);
  }
  if (readsAnnotation === false) {
    timeline.push(`note: the rendered model Deployments do not read the ${MODEL_URI_ANNOTATION} pod annotation (downward API), so on a real cluster the canary/promote patches would roll the pods without changing the model they load`);
  }
  if (monitorBaseline) {
    timeline.push(`drift monitor baseline ${monitorBaseline.location}: ${monitorBaseline.changed ? `now the champion's (${monitorBaseline.sameAs})` : 'unchanged'}`);
  }
  timeline.push(`redeploy (rendered manifest re-applied): the primary loads ${primaryLoadsAfterRedeploy ?? 'unknown'}${primaryLoadsAfterRedeploy === championAfter.modelArtifactUri ? ' (the champion)' : ` instead of the champion ${championAfter.modelArtifactUri}`}`);
  timeline.push(`champion: ${championBefore.modelVersion} -> ${championAfter.modelVersion}; lock released: ${lockReleased}; training jobs: ${world.trainingJobs.size}; outcome notifications: ${notifications.length}`);

  return {
    scenario: scenario.name,
    outcome,
    championBefore,
    championAfter,
    lockReleased,
    notifications: notifications.length,
    trainingJobsStarted: world.trainingJobs.size,
    states: subject ? statesOf(subject) : [],
    executions: retrains.map((e) => ({ name: e.name, outcome: outcomeOf(e), historyEvents: historyOf(e), states: statesOf(e) })),
    starter: starterResults,
    drift: { drifted: drift.drifted, records: drift.currentRecords, alarm: !history && drift.drifted.length > 0 ? alarmName : undefined },
    invariants,
    maxHistoryEvents,
    simulatedMinutes: Math.round(simulatedSeconds / 6) / 10,
    endpointReadsModelAnnotation: readsAnnotation,
    primaryLoadsArtifact: loadedArtifact(primary, world.parameters),
    primaryLoadsAfterRedeploy,
    monitorBaseline,
    expected: scenario.expect?.outcome,
    signals: {
      notified: notifications.map((n) => ({ outcome: n.message?.outcome, lock: n.message?.lock, problems: n.message?.problems })),
      problemMetrics: world.metrics.flatMap((m) => (m.MetricData ?? []).map((d: any) => `${d.MetricName}{${(d.Dimensions ?? []).map((x: any) => `${x.Name}=${x.Value}`).join(',')}}`))
        .filter((name: string) => !name.startsWith('RetrainOutcome{')),
      newestApprovedPackage,
      registryAgreesWithChampion: newestApprovedPackage === championAfter.modelPackageArn,
    },
    timeline,
  };
}

/** Does a model Deployment of the record take its artifact URI from the annotation the patches write? */
function modelAnnotationRead(objects: any[], record: any): boolean | undefined {
  const deployments = objects.filter((o) => o?.kind === 'Deployment' && o.metadata?.namespace === record.eks.namespace
    && [record.eks.primaryDeployment, record.eks.canaryDeployment].includes(o.metadata?.name));
  if (deployments.length === 0) return undefined;
  return deployments.every((d) => [...(d.spec?.template?.spec?.initContainers ?? []), ...(d.spec?.template?.spec?.containers ?? [])]
    .some((c: any) => (c.env ?? []).some((e: any) => String(e.valueFrom?.fieldRef?.fieldPath ?? '').includes(MODEL_URI_ANNOTATION))));
}

/**
 * The model URI a Deployment's pods load: the init container's MODEL_ARTIFACT_URI, resolving a downward-API
 * annotation reference; with a CHAMPION_PARAMETER, the champion's `modelArtifactUri` when the annotation still
 * names the rendered artifact and the parameter exists (what the init container's script does).
 */
export function loadedArtifact(deployment: any, parameters: ReadonlyMap<string, { value: string }> = new Map()): string | undefined {
  const template = deployment?.spec?.template;
  for (const c of template?.spec?.initContainers ?? []) {
    const env = (name: string) => (c.env ?? []).find((x: any) => x.name === name);
    const e = env('MODEL_ARTIFACT_URI');
    if (!e) continue;
    let uri: string | undefined = e.value;
    const m = /^metadata\.annotations\['(.+)'\]$/.exec(String(e.valueFrom?.fieldRef?.fieldPath ?? ''));
    if (uri === undefined && m) uri = template.metadata?.annotations?.[m[1]];
    const champion = parameters.get(String(env('CHAMPION_PARAMETER')?.value));
    if (champion && uri === env('RENDERED_MODEL_ARTIFACT_URI')?.value) return JSON.parse(champion.value).modelArtifactUri;
    return uri;
  }
  return undefined;
}

function fmtStats(stats: Record<string, Record<string, unknown>>, key: string): string {
  return Object.entries(stats).map(([n, s]) => `${n} ${s[key]}`).join(', ');
}

async function runOne(
  world: World,
  loaded: LoadedStack,
  smArn: string,
  name: string,
  input: any,
  parent: ExecutionRecord | undefined,
  offset: number,
): Promise<ExecutionRecord> {
  const kind = smArn === loaded.retrain.arn ? 'retrain' : smArn === loaded.training.arn ? 'training' : undefined;
  if (!kind) throw simError('StepFunctions.StateMachineDoesNotExist', `no state machine ${smArn}`);
  const key = `${smArn}/${name}`;
  const execArn = `${smArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const existing = world.executions.find((e) => e.arn === execArn);
  if (existing) {
    const running = world.runningExecutions.get(key);
    if (running && running.input === JSON.stringify(input)) return running.done;
    throw simError('StepFunctions.ExecutionAlreadyExistsException', `Execution already exists: '${name}'`);
  }
  if (name.length > 80) throw simError('StepFunctions.InvalidNameException', `execution name longer than 80 characters: ${name}`);
  const definition = kind === 'retrain' ? loaded.retrain.definition : loaded.training.definition;
  const exec: ExecutionRecord = {
    name, arn: execArn, stateMachine: kind, input, status: 'RUNNING', events: [], calls: [], startOffset: offset,
    timeoutSeconds: typeof definition.TimeoutSeconds === 'number' ? definition.TimeoutSeconds : undefined,
  };
  world.executions.push(exec);
  const tasks = tasksOf(definition.States);
  for (const [stateName, state] of Object.entries(tasks)) {
    if (state.TimeoutSeconds !== undefined || state.TimeoutSecondsPath !== undefined) checkTimeoutMatchers(stateName, state);
  }
  const taskResourceLocalHandlers: Record<string, (i: any) => Promise<any>> = {};
  for (const [stateName, state] of Object.entries(tasks)) {
    const service = taskService(kind === 'retrain', state.Resource);
    taskResourceLocalHandlers[stateName] = (params: any) => world.call(exec, stateName, service, params, state);
  }
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  const visit = (states: Record<string, any>) => {
    for (const [n, s] of Object.entries(states)) {
      if (s.Type === 'Wait') waitTimeOverrides[n] = 0;
      if (s.Retry) retryIntervalOverrides[n] = 0;
      for (const b of s.Branches ?? []) visit(b.States);
    }
  };
  visit(definition.States);
  // TimeoutSeconds are enforced in simulated time (World.call); the interpreter would apply them in wall-clock
  // time (and overflow Node's timer beyond ~24.8 days), so its copy of the definition has a wall-clock bound only.
  const machine = new StateMachine(withoutTimeouts(definition), { validationOptions: { checkPaths: true, checkArn: true } });
  const run = machine.run(input, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: { Id: execArn, Name: name, Input: input, StartTime: new Date(Date.UTC(2026, 10, 27, 9, 0, offset)).toISOString(), RoleArn: 'arn:aws:iam::123456789012:role/sim' },
      StateMachine: { Id: smArn, Name: smArn.split(':').pop() },
      Task: { Token: `task-token-${name}` },
      // The context object's `$$.State.EnteredTime` (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html),
      // which the interpreter does not provide, in simulated time: read when a state's paths are resolved.
      State: { get EnteredTime() { return new Date(world.nowMs(exec)).toISOString(); } },
    },
  });
  const consume = (async () => { for await (const ev of run.eventLogs) exec.events.push(ev); })();
  let timedOut = false;
  exec.timeOut = () => {
    timedOut = true;
    run.abort();
  };
  const timeoutCause = `the execution ran longer than the state machine's TimeoutSeconds (${exec.timeoutSeconds} s)`;
  const done = (async () => {
    try {
      exec.output = await run.result;
      exec.status = 'SUCCEEDED';
    } catch (err: any) {
      const cause = err?.cause ?? err;
      exec.status = 'FAILED';
      exec.error = { name: String(cause?.name ?? 'Error'), cause: String(cause?.message ?? cause) };
    }
    await consume;
    // An execution past its TimeoutSeconds ends TIMED_OUT with States.Timeout, which no Catch of the machine sees
    // (https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html); one whose last states
    // (waits) ran past the deadline after its last call ends so too.
    if (timedOut || (exec.timeoutSeconds !== undefined && world.elapsed && world.elapsed(exec) > exec.timeoutSeconds)) {
      exec.status = 'TIMED_OUT';
      exec.output = undefined;
      exec.error = { name: 'States.Timeout', cause: timeoutCause };
    }
    world.runningExecutions.delete(key);
    return exec;
  })();
  world.runningExecutions.set(key, { input: JSON.stringify(input), done });
  void parent;
  return done;
}

/**
 * A copy of a definition for the interpreter: no top-level TimeoutSeconds, and every Task's a wall-clock bound
 * of one hour (the simulated calls answer in milliseconds) instead of its simulated-time TimeoutSeconds(Path).
 */
function withoutTimeouts(definition: any): any {
  const strip = (states: Record<string, any>): Record<string, any> => Object.fromEntries(Object.entries(states).map(([n, s]) => {
    const { TimeoutSeconds: _t, TimeoutSecondsPath: _p, ...rest } = s;
    const out: any = s.Type === 'Task' ? { ...rest, TimeoutSeconds: 3600 } : { ...s };
    if (s.Branches) out.Branches = s.Branches.map((b: any) => ({ ...b, States: strip(b.States) }));
    if (s.ItemProcessor) out.ItemProcessor = { ...s.ItemProcessor, States: strip(s.ItemProcessor.States) };
    if (s.Iterator) out.Iterator = { ...s.Iterator, States: strip(s.Iterator.States) };
    return [n, out];
  }));
  const { TimeoutSeconds: _t, ...rest } = definition;
  return { ...rest, States: strip(definition.States) };
}

function getPath(obj: any, path: string): any {
  return path.replace(/^\$\.?/, '').split('.').filter((p) => p.length > 0).reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

/** A 32-bit seed from a name (FNV-1a). */
function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `T+${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Renders an execution's timeline (simulated time); returns the simulated end. */
function renderTimeline(exec: ExecutionRecord, loaded: LoadedStack, start: number, indent: string, out: string[]): number {
  // Retry jitter from a generator seeded by the execution's name: the clock the run enforces TimeoutSeconds
  // with (World.elapsed, mid-execution) and the rendered timeline agree.
  const random = rng(seedOf(exec.name));
  const definition = exec.stateMachine === 'retrain' ? loaded.retrain.definition : loaded.training.definition;
  const states = definition.States as Record<string, any>;
  const queues = new Map<string, CallRecord[]>();
  for (const c of exec.calls) {
    const q = queues.get(c.state) ?? [];
    q.push(c);
    queues.set(c.state, q);
  }
  let t = start;
  const emitCall = (stateName: string) => {
    const c = queues.get(stateName)?.shift();
    if (!c) return;
    const result = c.error ? `ERROR ${c.error.name}: ${c.error.cause.slice(0, 140)}` : 'ok';
    out.push(`${indent}  ${clock(t)}    ${c.service.padEnd(36)} ${c.summary} -> ${result}`);
    if (c.child) {
      out.push(`${indent}    nested execution ${c.child.name} (training state machine) -> ${c.child.status}`);
      const end = renderTimeline(c.child, loaded, t, `${indent}    `, out);
      t = c.cappedSeconds !== undefined ? Math.min(end, t + c.cappedSeconds) : end;
    } else {
      t += c.cappedSeconds ?? c.seconds;
    }
  };
  for (const ev of exec.events) {
    const name: string | undefined = ev.state?.name;
    switch (ev.type) {
      case 'StateEntered': {
        const def = states[name!] ?? {};
        out.push(`${indent}${clock(t)}  ${name} (${def.Type})`);
        if (def.Type === 'Task') emitCall(name!);
        if (def.Type === 'Wait') {
          const secs = Number(def.Seconds ?? getPath(ev.state.input, def.SecondsPath ?? '') ?? 0);
          out.push(`${indent}  ${clock(t)}    wait ${secs} s (simulated; the local run does not sleep)`);
          t += secs;
        }
        break;
      }
      case 'StateRetried': {
        const r = ev.retry?.retrier ?? {};
        const base = Math.min((r.IntervalSeconds ?? 1) * Math.pow(r.BackoffRate ?? 2, (ev.retry?.attempt ?? 1) - 1), r.MaxDelaySeconds ?? Infinity);
        const delay = r.JitterStrategy === 'FULL' ? base * random() : base;
        out.push(`${indent}  ${clock(t)}    retry ${ev.retry?.attempt} of ${r.MaxAttempts ?? 3} after ${delay.toFixed(1)} s (backoff ${base} s, ${r.JitterStrategy ?? 'NONE'} jitter)`);
        t += delay;
        emitCall(name!);
        break;
      }
      case 'StateCaught':
        out.push(`${indent}  ${clock(t)}    caught -> ${ev.catch?.catcher?.Next}`);
        break;
      case 'ExecutionFailed':
      case 'ExecutionSucceeded':
      case 'ExecutionAborted':
        if (exec.status === 'TIMED_OUT') {
          // Step Functions ends it at the deadline, whatever state it was in.
          const at = exec.timeoutSeconds !== undefined ? Math.min(t, start + exec.timeoutSeconds) : t;
          out.push(`${indent}${clock(at)}  execution timed out: States.Timeout (${exec.error?.cause})`);
          t = at;
        } else if (ev.type === 'ExecutionSucceeded') {
          out.push(`${indent}${clock(t)}  execution succeeded`);
        } else if (ev.type === 'ExecutionFailed') {
          out.push(`${indent}${clock(t)}  execution failed: ${ev.Error}`);
        }
        break;
      default:
        break;
    }
  }
  return t;
}
