// Helpers for the ModelEndpoint tests: schema validation with kubernetes-models
// 4.5.x, a Pod Security Standards "restricted" checker, and rendering the
// KubernetesManifest custom resources of a template back into objects.
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import type { ModelEndpoint } from '../../lib';

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace as any,
  'v1/Service': Service as any,
  'v1/ServiceAccount': ServiceAccount as any,
  'apps/v1/Deployment': Deployment as any,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as any,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as any,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as any,
  'networking.k8s.io/v1/Ingress': Ingress as any,
  'batch/v1/CronJob': CronJob as any,
  'rbac.authorization.k8s.io/v1/Role': Role as any,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding as any,
};

/**
 * Validates one object against its kubernetes-models schema (KEDA's kinds against the CRD fields of the pinned chart,
 * see kedaViolations); throws when invalid or of an unexpected kind.
 */
export function validateK8s(obj: any): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  if (key === 'keda.sh/v1alpha1/ScaledObject' || key === 'keda.sh/v1alpha1/TriggerAuthentication') {
    const v = kedaViolations(obj);
    if (v.length > 0) throw new Error(`${key} ${obj.metadata?.name}: ${v.join('; ')}`);
    return;
  }
  const Model = MODELS[key];
  if (!Model) throw new Error(`no kubernetes-models schema registered for ${key} (only stable API groups are expected)`);
  new Model(obj).validate();
}

/** Every pod spec in an object (Deployment template, CronJob job template), with a label. */
export function podSpecs(obj: any): Array<{ where: string; spec: any }> {
  if (obj.kind === 'Deployment') return [{ where: `Deployment/${obj.metadata.name}`, spec: obj.spec.template.spec }];
  if (obj.kind === 'CronJob') return [{ where: `CronJob/${obj.metadata.name}`, spec: obj.spec.jobTemplate.spec.template.spec }];
  return [];
}

const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/**
 * Pod Security Standards "restricted" (plus this project's extras: read-only
 * root filesystem, CPU+memory requests and a memory limit). Returns the
 * violations, empty when the pod passes.
 */
export function restrictedViolations(where: string, spec: any): string[] {
  const v: string[] = [];
  const psc = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) v.push(`${where}: host namespaces`);
  for (const vol of spec.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (!type || !ALLOWED_VOLUMES.includes(type)) v.push(`${where}: volume ${vol.name} of type ${type}`);
  }
  if (psc.runAsUser === 0) v.push(`${where}: pod runAsUser 0`);
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  if (containers.length === 0) v.push(`${where}: no containers`);
  for (const c of containers) {
    const at = `${where}/${c.name}`;
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) v.push(`${at}: allowPrivilegeEscalation must be false`);
    if (sc.privileged) v.push(`${at}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${at}: capabilities must drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') v.push(`${at}: adds capability ${cap}`);
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) v.push(`${at}: runAsNonRoot must be true`);
    if ((sc.runAsUser ?? psc.runAsUser) === 0) v.push(`${at}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${at}: seccompProfile must be RuntimeDefault or Localhost`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${at}: hostPort ${p.hostPort}`);
    if (sc.readOnlyRootFilesystem !== true) v.push(`${at}: readOnlyRootFilesystem must be true`);
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) v.push(`${at}: cpu and memory requests required`);
    if (!c.resources?.limits?.memory) v.push(`${at}: memory limit required`);
  }
  return v;
}

/** Flattens a CloudFormation string expression; tokens become a placeholder string. */
export function flattenCfn(value: any): string {
  if (typeof value === 'string') return value;
  if (value && Array.isArray(value['Fn::Join'])) {
    const [sep, parts] = value['Fn::Join'];
    return parts.map((p: any) => (typeof p === 'string' ? p : 'CFN-TOKEN')).join(sep);
  }
  throw new Error(`unexpected manifest expression ${JSON.stringify(value).slice(0, 200)}`);
}

/** The Kubernetes objects of every KubernetesManifest resource in a template (by logical id). */
export function manifestObjects(template: any): Record<string, any[]> {
  const out: Record<string, any[]> = {};
  for (const [id, r] of Object.entries<any>(template.Resources ?? {})) {
    if (r.Type === 'Custom::AWSCDK-EKS-KubernetesResource' && r.Properties?.Manifest) {
      out[id] = JSON.parse(flattenCfn(r.Properties.Manifest));
    }
  }
  return out;
}

/** A lookup of the Kubernetes objects each ModelEndpoint's manifest renders, in the synthesized template of its stack. */
export function endpointObjects(template: any): (endpoint: ModelEndpoint) => any[] {
  const manifests = manifestObjects(template);
  return (endpoint) => manifests[Stack.of(endpoint).getLogicalId(endpoint.manifest.node.defaultChild as CfnResource)];
}

// The KEDA CRDs of the chart GpuCluster pins (kedacore/charts v2.20.2, keda/templates/crds/crd-scaledobjects.yaml
// and crd-triggerauthentications.yaml, openAPIV3Schema of version v1alpha1), as the fields they define, their types,
// required fields, minimums and enums. The HPA behavior inside is the autoscaling/v2 type, checked with kubernetes-models.
const SCALED_OBJECT_SPEC_FIELDS = ['advanced', 'cooldownPeriod', 'fallback', 'idleReplicaCount', 'initialCooldownPeriod',
  'maxReplicaCount', 'minReplicaCount', 'pollingInterval', 'scaleTargetRef', 'triggers'];
const ADVANCED_FIELDS = ['horizontalPodAutoscalerConfig', 'restoreToOriginalReplicaCount', 'scalingModifiers'];
const HPA_CONFIG_FIELDS = ['behavior', 'name'];
const SCALE_TARGET_FIELDS = ['apiVersion', 'envSourceContainerName', 'kind', 'name'];
const TRIGGER_FIELDS = ['authenticationRef', 'metadata', 'metricType', 'name', 'type', 'useCachedMetrics'];
const POD_IDENTITY_FIELDS = ['externalID', 'identityAuthorityHost', 'identityId', 'identityOwner', 'identityTenantId', 'provider', 'roleArn'];

function unknownKeys(where: string, o: any, allowed: string[]): string[] {
  return Object.keys(o ?? {}).filter((k) => !allowed.includes(k)).map((k) => `${where}.${k} is not a field of the CRD`);
}

/** Violations of a ScaledObject / TriggerAuthentication against the pinned KEDA CRDs (empty when it conforms). */
export function kedaViolations(obj: any): string[] {
  const v: string[] = [];
  if (!obj.metadata?.name || !obj.metadata?.namespace) v.push('metadata.name and metadata.namespace are required');
  v.push(...unknownKeys('', obj, ['apiVersion', 'kind', 'metadata', 'spec']));
  const spec = obj.spec;
  if (typeof spec !== 'object' || spec === null) return [...v, 'spec is required'];
  if (obj.kind === 'TriggerAuthentication') {
    v.push(...unknownKeys('spec', spec, ['awsSecretManager', 'azureKeyVault', 'boundServiceAccountToken', 'configMapTargetRef', 'env',
      'gcpSecretManager', 'hashiCorpVault', 'podIdentity', 'secretTargetRef']));
    const p = spec.podIdentity;
    if (p) {
      v.push(...unknownKeys('spec.podIdentity', p, POD_IDENTITY_FIELDS));
      if (!['azure-workload', 'gcp', 'aws', 'aws-eks', 'none'].includes(p.provider)) v.push(`spec.podIdentity.provider ${p.provider} not in the enum`);
      if (p.identityOwner !== undefined && !['keda', 'workload'].includes(p.identityOwner)) v.push(`spec.podIdentity.identityOwner ${p.identityOwner} not in the enum`);
      if (p.identityOwner !== undefined && p.roleArn !== undefined) v.push('spec.podIdentity.identityOwner and roleArn are mutually exclusive');
    }
    return v;
  }
  v.push(...unknownKeys('spec', spec, SCALED_OBJECT_SPEC_FIELDS));
  const int = (name: string, min: number) => {
    const x = spec[name];
    if (x !== undefined && (!Number.isInteger(x) || x < min)) v.push(`spec.${name} must be an integer >= ${min} (got ${JSON.stringify(x)})`);
  };
  int('minReplicaCount', 0);
  int('maxReplicaCount', 1);
  int('pollingInterval', 1);
  int('cooldownPeriod', 0);
  if (spec.minReplicaCount !== undefined && spec.minReplicaCount > (spec.maxReplicaCount ?? 100)) v.push('minReplicaCount must be less than or equal to maxReplicaCount');
  if (!spec.scaleTargetRef?.name) v.push('spec.scaleTargetRef.name is required');
  v.push(...unknownKeys('spec.scaleTargetRef', spec.scaleTargetRef, SCALE_TARGET_FIELDS));
  if (!Array.isArray(spec.triggers) || spec.triggers.length < 1) v.push('spec.triggers needs at least one item');
  for (const [i, t] of (spec.triggers ?? []).entries()) {
    const at = `spec.triggers[${i}]`;
    v.push(...unknownKeys(at, t, TRIGGER_FIELDS));
    if (typeof t.type !== 'string' || t.type.length === 0) v.push(`${at}.type is required`);
    if (typeof t.metadata !== 'object' || t.metadata === null) v.push(`${at}.metadata is required`);
    for (const [k, x] of Object.entries(t.metadata ?? {})) if (typeof x !== 'string') v.push(`${at}.metadata.${k} must be a string`);
    if (t.metricType !== undefined && !['Value', 'AverageValue', 'Utilization'].includes(t.metricType)) v.push(`${at}.metricType ${t.metricType}`);
    if (t.authenticationRef) {
      if (!t.authenticationRef.name) v.push(`${at}.authenticationRef.name is required`);
      if (t.authenticationRef.kind !== undefined && !['TriggerAuthentication', 'ClusterTriggerAuthentication'].includes(t.authenticationRef.kind)) {
        v.push(`${at}.authenticationRef.kind ${t.authenticationRef.kind} not in the enum`);
      }
    }
  }
  const adv = spec.advanced;
  if (adv) {
    v.push(...unknownKeys('spec.advanced', adv, ADVANCED_FIELDS));
    const hpa = adv.horizontalPodAutoscalerConfig;
    v.push(...unknownKeys('spec.advanced.horizontalPodAutoscalerConfig', hpa, HPA_CONFIG_FIELDS));
    if (hpa?.behavior) {
      try {
        new HorizontalPodAutoscaler({
          metadata: { name: 'behavior-check' },
          spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 1, behavior: hpa.behavior },
        } as any).validate();
      } catch (e) {
        v.push(`spec.advanced.horizontalPodAutoscalerConfig.behavior: ${(e as Error).message}`);
      }
    }
  }
  return v;
}
