// The objects of one variant: its Deployment (pod template in render-pod.ts), Service, autoscaler (render-scaler.ts:
// a KEDA ScaledObject on in-flight requests, or a CPU HPA) and PDB.
import { Construct } from 'constructs';
import { ENDPOINT_SERVICE_PORT, MODEL_VERSION_ANNOTATION, VARIANT_LABEL } from '../../contracts/endpoint-wiring';
import type { InferenceVariant } from '../inference-types';
import { variantBounds } from './inference-options';
import { intOrString, k8s, lateBoundObject } from './k8s';
import { SEGMENT_LABEL, ServiceView, objectMeta, segmentLabels, variantSelector } from './render-context';
import { renderDeploymentSpec } from './render-pod';
import { renderScaler } from './render-scaler';

/** Renders the Deployment, Service, autoscaler and PDB of a variant under `parent`. */
export function renderVariant(parent: Construct, view: ServiceView, v: InferenceVariant): void {
  const name = view.serviceNameForVariant(v.name);
  // A segment's objects (and its canary's) also carry the segment label, so tools (e.g. `cdk-mlops capacity --segment`)
  // find a segment's autoscalers; the default route's objects carry none.
  const segment = segmentLabels(view, v.name)[SEGMENT_LABEL];
  const labels = { [VARIANT_LABEL]: v.name, ...(segment !== undefined && segment !== 'default' ? { [SEGMENT_LABEL]: segment } : {}) };
  const { min, max } = variantBounds(v, view.props);
  const scope = new Construct(parent, `Variant-${v.name}`);

  lateBoundObject(scope, 'Deployment', k8s.KubeDeployment, { ...objectMeta(view, name, labels), annotations: { [MODEL_VERSION_ANNOTATION]: v.modelVersion } }, ['spec'],
    () => ({ spec: renderDeploymentSpec(view, v) }));

  new k8s.KubeService(scope, 'Service', {
    metadata: objectMeta(view, name, labels),
    spec: {
      type: 'ClusterIP',
      selector: variantSelector(view, v.name),
      ports: [{ name: 'http', port: ENDPOINT_SERVICE_PORT, targetPort: intOrString('http'), protocol: 'TCP' }],
    },
  });

  renderScaler(scope, view, v.name, name, labels, min, max);

  new k8s.KubePodDisruptionBudget(scope, 'Pdb', {
    metadata: objectMeta(view, name, labels),
    // Voluntary disruption (node consolidation, drains, Spot rebalancing through the Eviction API) never takes the
    // last ready replica: one at a time when the floor is 2 or more, none when a single replica is ready.
    spec: min >= 2
      ? { maxUnavailable: intOrString(1), selector: { matchLabels: variantSelector(view, v.name) } }
      : { minAvailable: intOrString(1), selector: { matchLabels: variantSelector(view, v.name) } },
  });
}
