// The objects of one variant: its Deployment (pod template in render-pod.ts), Service, HPA and PDB.
import { Construct } from 'constructs';
import { DEFAULTS, variantBounds } from './inference-options';
import { intOrString, k8s, lateBoundObject, quantity } from './k8s';
import { ServiceView, objectMeta, variantSelector } from './render-context';
import { renderDeploymentSpec } from './render-pod';
import { ENDPOINT_SERVICE_PORT, MODEL_VERSION_ANNOTATION, VARIANT_LABEL } from '../../contracts/endpoint-wiring';
import type { InferenceVariant } from '../inference-types';

/** Renders the Deployment, Service, HPA and PDB of a variant under `parent`. */
export function renderVariant(parent: Construct, view: ServiceView, v: InferenceVariant): void {
  const name = view.serviceNameForVariant(v.name);
  const labels = { [VARIANT_LABEL]: v.name };
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

  const a = view.props.autoscaling ?? {};
  const metrics: k8s.MetricSpecV2[] = [{
    type: 'Resource',
    resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.targetCpuUtilization ?? DEFAULTS.targetCpuUtilization } },
  }];
  if (a.targetMemoryUtilization !== undefined) {
    metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: a.targetMemoryUtilization } } });
  }
  if (a.customMetric) {
    metrics.push({
      type: 'Pods',
      pods: { metric: { name: a.customMetric.metricName }, target: { type: 'AverageValue', averageValue: quantity(a.customMetric.targetAverageValue) } },
    });
  }
  new k8s.KubeHorizontalPodAutoscalerV2(scope, 'Hpa', {
    metadata: objectMeta(view, name, labels),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: min,
      maxReplicas: max,
      metrics,
      behavior: {
        // Fast up: double or add 4 pods every 15 s, whichever is more.
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
        },
        // Stabilised down: at most 10% per minute after the window.
        scaleDown: {
          stabilizationWindowSeconds: a.scaleDownStabilizationSeconds ?? DEFAULTS.scaleDownStabilizationSeconds,
          selectPolicy: 'Min',
          policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
        },
      },
    },
  });

  new k8s.KubePodDisruptionBudget(scope, 'Pdb', {
    metadata: objectMeta(view, name, labels),
    // Voluntary disruption (node consolidation, drains, Spot rebalancing through the Eviction API) never takes the
    // last ready replica: one at a time when the floor is 2 or more, none when a single replica is ready.
    spec: min >= 2
      ? { maxUnavailable: intOrString(1), selector: { matchLabels: variantSelector(view, v.name) } }
      : { minAvailable: intOrString(1), selector: { matchLabels: variantSelector(view, v.name) } },
  });
}
