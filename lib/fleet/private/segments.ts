// The per-segment wiring of a ModelFactory model (issue 12, item 5): each segment of a spec is monitored and retrained
// as its own model `<model>-<segment>`, like `RetrainTrigger.addModelEndpoint(endpoint, { segment })` does, but with the
// factory's footprint: the retraining record rides in the segment's drift configuration parameter (one SSM parameter),
// the RBAC objects in the model's chart, and the canary signal is the segment canary's own 5xx metric (judged by the bake).
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { segmentModelName } from '../../contracts/drift-monitor-config';
import { segmentCanaryVariant } from '../../contracts/endpoint-wiring';
import { acknowledgeWildcards } from '../../core/nag';
import { invalid } from '../../core/validation';
import type { ModelEndpoint } from '../../inference/model-endpoint';
import { MonitoredModel } from '../../monitoring/monitored-model';
import { segmentCoordinates } from '../../retraining/private/endpoint-coordinates';
import { validateTrainingInput } from '../../training/private/training-input';
import type { ModelFactory } from '../model-factory';
import type { FactoryModelSpec, FactoryRetrainPolicy } from '../model-factory-props';
import { canaryErrors } from './canary-errors';

/**
 * What a model and a segment cost in a shard stack, measured on `examples/model-factory.ts` fleets
 * (`fleetSpecs`: GPU and CPU models, a third with a quality alarm) with StackLimits.measure, in the
 * shard dashboard's rows-per-model layout (its largest: a shard whose models have different segments):
 * 10 and 20 models without segments, 10 and 20 models with 2 segments, 10 models with 4 segments.
 * A model is ~39 KB and 5.3 resources (its manifest: two variants, sidecar, autoscaler, PDB, network policies,
 * Ingress, RBAC; its drift configuration and alarms; its dashboard rows); a segment adds ~30.5 KB and 3.3
 * resources (its Deployment, Service, autoscaler, PDB and canary in the manifest, its drift configuration
 * holding its retraining record, its drift, quality and canary alarms); the shard itself ~11 KB and 5
 * resources (SSM-typed parameters, pod role, dashboard). The figures below are rounded up.
 */
export const SHARD_COST = { bytes: 12_000, resources: 5 } as const;
/** A model without segments in a shard (see SHARD_COST). */
export const MODEL_COST = { bytes: 40_000, resources: 6 } as const;
/** Each segment of a model (see SHARD_COST). */
export const SEGMENT_COST = { bytes: 31_000, resources: 4 } as const;
/** Weight of a model without segments in the sharding units: `modelsPerShard` is a number of these. */
export const MODEL_UNITS = 1000;
/** Weight a segment adds: its cost relative to a model's, by the costlier of bytes and resources (775). */
export const SEGMENT_UNITS = Math.ceil(MODEL_UNITS * Math.max(SEGMENT_COST.bytes / MODEL_COST.bytes, SEGMENT_COST.resources / MODEL_COST.resources));

/** The weight of a model in a shard: MODEL_UNITS plus SEGMENT_UNITS per segment. */
export function shardWeight(spec: FactoryModelSpec): number {
  return MODEL_UNITS + (spec.segments?.length ?? 0) * SEGMENT_UNITS;
}

/**
 * The most weight a shard's template holds within the guard's limits (at least the fill capacity): a recorded
 * model that gains segments stays in its shard up to this, and fails the factory's validation beyond it.
 */
export function shardLimitUnits(maxTemplateBytes: number, maxResources: number): number {
  const models = Math.min((maxTemplateBytes - SHARD_COST.bytes) / MODEL_COST.bytes, (maxResources - SHARD_COST.resources) / MODEL_COST.resources);
  return Math.max(0, Math.floor(models * MODEL_UNITS));
}

/** A segment's monitored and retrained name must not be another model's (`shop` segment `eu` against a model `shop-eu`). */
export function checkSegmentNames(factory: Construct, models: readonly FactoryModelSpec[]): void {
  const names = new Set(models.map((m) => m.modelName));
  models.forEach((m, i) => (m.segments ?? []).forEach((seg, k) => {
    const unit = segmentModelName(m.modelName, seg.name);
    if (names.has(unit)) {
      invalid(factory, `models[${i}].segments[${k}].name`, seg.name, `must not make "${unit}", the name the segment is monitored and retrained as, the name of another model of the fleet`);
    }
    names.add(unit);
  }));
}

/** What the per-segment wiring needs from the factory's per-model wiring. */
export interface SegmentWiringContext {
  readonly spec: FactoryModelSpec;
  readonly endpoint: ModelEndpoint;
  /** The platform's cluster (its attributes resolve in the shard to SSM-typed parameters). */
  readonly cluster: eks.ICluster;
  /** The shard's shared pod role. */
  readonly podRole: iam.Role;
  /** The artifact bucket as the shard sees it. */
  readonly artifactBucket: s3.IBucket;
  readonly outputPrefix: string;
  readonly packageGroupPrefix: string;
}

/** Monitors and retrains each segment of a model as `<model>-<segment>`; returns their drift registrations. */
export function wireSegments(factory: ModelFactory, scope: Construct, c: SegmentWiringContext): MonitoredModel[] {
  const { spec, endpoint } = c;
  const name = spec.modelName;
  const alarmPrefix = factory.monitor.alarmPrefix;
  const monitored: MonitoredModel[] = [];
  const reads: string[] = [];
  const champions: string[] = [];
  for (const seg of spec.segments ?? []) {
    const unit = segmentModelName(name, seg.name);
    const canary = segmentCanaryVariant(seg.name);
    const segScope = new Construct(scope, `Segment-${seg.name}`);
    // The segment canary's OWN 5xx signal, judged by the bake from its metric (no alarm resource); its quality alarm as an alarm.
    const quality = seg.quality ?? spec.quality;
    const canaryAlarms: cloudwatch.IAlarm[] = [];
    if (quality) canaryAlarms.push(cloudwatch.Alarm.fromAlarmName(segScope, 'QualityAlarmRef', `${alarmPrefix}-${unit}-quality`));
    const training = seg.training ?? spec.training;
    const trainingInput = {
      modelName: unit,
      ...(training?.instanceType ? { instanceType: training.instanceType } : {}),
      ...(training?.instanceCount ? { instanceCount: training.instanceCount } : {}),
      ...(training?.hyperparameters ? { hyperparameters: training.hyperparameters } : {}),
    };
    validateTrainingInput(factory.pipeline, factory, `models[${name}].segments[${seg.name}].training`, trainingInput);
    const r = seg.retrain ?? spec.retrain ?? {};
    const retrain = factory.trigger.renderModel({
      ...segmentCoordinates(factory, endpoint, seg.name),
      cluster: c.cluster,
      canaryAlarms,
      canaryMetrics: [canaryErrors(name, canary)],
      modelPackageGroupName: `${c.packageGroupPrefix}${unit}`,
      trainingInput,
      ...retrainPolicy(r),
    });
    retrain.kubernetesObjects.forEach((o, i) => new ApiObject(endpoint.chart, `Retrain-${seg.name}-${i}`, o));
    endpoint.readChampionFrom(factory.trigger.championParameterName(unit), [seg.name, canary], { grantRead: false });
    monitored.push(new MonitoredModel(segScope, 'Drift', {
      monitor: factory.monitor,
      modelName: name,
      segment: seg.name,
      variants: [seg.name, canary],
      baselineKey: `${c.outputPrefix}models/${unit}/baseline.json`,
      features: seg.features ?? spec.features,
      thresholds: seg.thresholds ?? spec.thresholds,
      quality,
      additionalConfig: retrain.record,
      configParameterTier: ssm.ParameterTier.INTELLIGENT_TIERING,
    }));
    reads.push(c.artifactBucket.arnForObjects(`${c.outputPrefix}models/${unit}/*`));
    champions.push(factory.trigger.championParameterName(unit));
  }
  if (reads.length === 0) return monitored;
  // The shard's pod role reads by the namespace tag (the model name): the segments' candidates (trained as
  // <model>-<segment>, outside <model>/) and champions are granted to this model's pods only, by the same tag.
  const own = { StringEquals: { 'aws:PrincipalTag/kubernetes-namespace': name } };
  const stack = c.podRole.stack;
  c.podRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: reads, conditions: own }));
  c.podRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ssm:GetParameter'],
    resources: champions.map((p) => stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: p.slice(1) })),
    conditions: own,
  }));
  const objectPrefixes = (spec.segments ?? []).map((seg) => `/${c.outputPrefix}models/${segmentModelName(name, seg.name)}/*`);
  scope.node.addValidation({
    validate: () => {
      acknowledgeWildcards(c.podRole, (f) => (f.startsWith('Resource::') && objectPrefixes.some((p) => f.endsWith(p))
        ? `The candidates of a segment of ${name} (trained as <model>-<segment>): s3:GetObject for the pods of ${name} only (condition on their namespace tag).`
        : undefined));
      return [];
    },
  });
  return monitored;
}

/** The RetrainTrigger policy options of a factory model or segment: the five fields of its `retrain` (explicitly, nothing else). */
export function retrainPolicy(r: FactoryRetrainPolicy) {
  const { canaryWeight, bakeTime, cooldown, maxRetrainsPerPeriod, requireApproval } = r;
  return { canaryWeight, bakeTime, cooldown, maxRetrainsPerPeriod, requireApproval };
}
