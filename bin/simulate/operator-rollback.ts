/**
 * The operator rollback of a simulation (`Scenario.rollback`): the model's history before it (approved versions
 * 1..n, version n the champion serving production) and the request `cdk-mlops rollback` sends, resolved from the
 * registry the way the command resolves it (bin/commands/ops/retrain.ts).
 */
import { MODEL_PACKAGE_ANNOTATION, MODEL_URI_ANNOTATION, MODEL_VERSION_ANNOTATION } from '../../lib/contracts/endpoint-wiring';
import { MANUAL_REQUEST_DETAIL_TYPE, MANUAL_REQUEST_SOURCE, ManualRequestDetail } from '../../lib/contracts/operations';
import { championParameterName } from '../../lib/contracts/retrain-record';
import { ScenarioError } from './scenario';
import { World } from './world';

/** A registered version of the simulated model. */
export interface SeededVersion {
  readonly version: number;
  readonly arn: string;
  readonly artifactUri: string;
  /** Its drift baseline (the package's `mlops:baselineUri`); undefined for a version registered without one. */
  readonly baselineUri?: string;
}

function bucketOf(uri: string, fallback: string): string {
  return /^s3:\/\/([^/]+)\//.exec(uri)?.[1] ?? fallback;
}

/**
 * Registers versions 2..`versions` (Approved, each with its artifact and, unless `withoutBaseline` names it, its
 * baseline) after the seeded version 1, and makes the newest the champion: the champion item and parameter, both
 * Deployments' pod templates, the DriftMonitor's baseline content. Returns every version, oldest first.
 */
export function seedHistory(world: World, record: any, model: string, packageGroup: string, configPrefix: string,
  versions: number, withoutBaseline?: number): SeededVersion[] {
  const first = world.packages.find((p) => p.group === packageGroup && p.version === 1);
  if (!first) throw new ScenarioError(`rollback: version 1 of ${packageGroup} was not seeded`);
  const artifactBucket = bucketOf(record.initialChampion.modelArtifactUri, 'sim-models');
  const baselineBucket = record.monitorBaseline?.bucket ?? artifactBucket;
  const out: SeededVersion[] = [{ version: 1, arn: first.arn, artifactUri: record.initialChampion.modelArtifactUri }];
  for (let v = 2; v <= versions; v++) {
    const arn = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${packageGroup}/${v}`;
    const artifactUri = `s3://${artifactBucket}/${model}/v${v}/output/model.tar.gz`;
    let baselineUri: string | undefined;
    if (v !== withoutBaseline) {
      const key = `${model}/v${v}/output/baseline.json`;
      world.s3.put(baselineBucket, key, JSON.stringify({ schemaVersion: 1, seeded: `baseline of version ${v}` }));
      baselineUri = `s3://${baselineBucket}/${key}`;
    }
    world.packages.push({
      arn, group: packageGroup, version: v, status: 'Approved',
      metadata: { ...(baselineUri ? { 'mlops:baselineUri': baselineUri } : {}), 'mlops:artifact': artifactUri },
    });
    out.push({ version: v, arn, artifactUri, baselineUri });
  }
  const champion = out[out.length - 1];
  if (champion.version === 1) return out;
  const value = { modelPackageArn: champion.arn, modelArtifactUri: champion.artifactUri, modelVersion: String(champion.version) };
  world.table.items.set(`champion#${model}`, {
    pk: { S: `champion#${model}` },
    modelPackageArn: { S: value.modelPackageArn },
    modelArtifactUri: { S: value.modelArtifactUri },
    modelVersion: { S: value.modelVersion },
    baselineUri: { S: champion.baselineUri ?? 'none' },
  });
  world.parameters.set(championParameterName(configPrefix, model), { value: JSON.stringify(value), version: 1 });
  for (const variant of ['primaryDeployment', 'canaryDeployment'] as const) {
    const d = world.k8s.get(`/apis/apps/v1/namespaces/${record.eks.namespace}/deployments/${record.eks[variant]}`);
    if (!d) continue;
    d.obj.metadata.annotations = { ...d.obj.metadata.annotations, [MODEL_VERSION_ANNOTATION]: value.modelVersion };
    const template = d.obj.spec.template ?? (d.obj.spec.template = {});
    template.metadata = template.metadata ?? {};
    template.metadata.annotations = {
      ...template.metadata.annotations,
      [MODEL_URI_ANNOTATION]: value.modelArtifactUri,
      [MODEL_VERSION_ANNOTATION]: value.modelVersion,
      [MODEL_PACKAGE_ANNOTATION]: value.modelPackageArn,
    };
  }
  if (record.monitorBaseline && champion.baselineUri) {
    const source = world.s3.objects.get(champion.baselineUri.slice('s3://'.length));
    if (source) world.s3.put(record.monitorBaseline.bucket, record.monitorBaseline.key, source.body);
  }
  return out;
}

/**
 * The EventBridge event of `cdk-mlops rollback <model> [--to <version>]`: the target is `toVersion`, else the newest
 * Approved version older than the champion (the newest seeded one).
 */
export function rollbackEvent(world: World, model: string, packageGroup: string, versions: SeededVersion[], at: Date, toVersion?: number): any {
  const champion = versions[versions.length - 1];
  const approved = world.packages.filter((p) => p.group === packageGroup && p.status === 'Approved' && p.version < champion.version)
    .sort((a, b) => b.version - a.version);
  const wanted = toVersion ?? approved[0]?.version;
  const target = versions.find((v) => v.version === wanted);
  if (!target) throw new ScenarioError(`rollback: no version ${wanted ?? '(none older than the champion)'} of ${packageGroup} to roll back to`);
  const detail: ManualRequestDetail = {
    modelName: model,
    requestId: `rollback-${model}-to-${target.version}`,
    reason: `simulated operator rollback from version ${champion.version} to ${target.version}`,
    requestedBy: 'simulated-operator',
    action: 'rollback',
    toVersion: String(target.version),
    toModelPackageArn: target.arn,
    toModelArtifactUri: target.artifactUri,
    ...(target.baselineUri ? { toBaselineUri: target.baselineUri } : {}),
  };
  return {
    'version': '0',
    'id': `evt-rollback-${model}-${at.getTime()}`,
    'detail-type': MANUAL_REQUEST_DETAIL_TYPE,
    'source': MANUAL_REQUEST_SOURCE,
    'account': '123456789012',
    'time': at.toISOString(),
    'region': 'us-east-1',
    'resources': [],
    detail,
  };
}
