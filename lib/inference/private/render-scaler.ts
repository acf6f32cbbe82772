// A variant's pod autoscaler: by default a KEDA ScaledObject on the in-flight requests the capture sidecar publishes
// (lib/contracts/autoscaling-signal.ts), else an autoscaling/v2 HPA on CPU (and memory / a custom metric).
//
// KEDA objects are not in the Kubernetes OpenAPI schema cdk8s-plus ships, so they are plain ApiObjects; their shape
// follows the CRDs of the KEDA chart GpuCluster pins (keda/templates/crds/crd-scaledobjects.yaml and
// crd-triggerauthentications.yaml in kedacore/charts at v2.20.2), checked field by field in test/inference/keda.test.ts.
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  IN_FLIGHT_DIMENSIONS, IN_FLIGHT_METRIC_NAME, IN_FLIGHT_QUERY, INFERENCE_METRICS_NAMESPACE,
} from '../../contracts/autoscaling-signal';
import { DEFAULTS, resourceScaling } from './inference-options';
import { k8s, quantity } from './k8s';
import { ServiceView, objectMeta } from './render-context';

/** API version of KEDA's ScaledObject and TriggerAuthentication. */
export const KEDA_API_VERSION = 'keda.sh/v1alpha1';
/** Name of the per-namespace TriggerAuthentication: "use the KEDA operator's own AWS identity". */
export const KEDA_AUTH_NAME = 'cdk-mlops-keda-aws';
/** Name of the ScaledObject trigger. */
export const IN_FLIGHT_TRIGGER_NAME = 'in-flight-requests';

/** True when the variants scale on in-flight requests (a ScaledObject), false for a CPU HPA. */
export function scalesOnInFlight(view: ServiceView): boolean {
  return view.props.scaleOnInFlightRequests === true && !resourceScaling(view.props);
}

/** The HPA behavior every variant gets: up without stabilization, down after the (>= 300 s) window. */
export function scalingBehavior(view: ServiceView): k8s.HorizontalPodAutoscalerBehaviorV2 {
  return {
    // Fast up: double or add 4 pods every 15 s, whichever is more, on the latest recommendation.
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
    },
    // Stabilised down: the highest recommendation of the window, then at most 10% per minute.
    scaleDown: {
      stabilizationWindowSeconds: view.props.autoscaling?.scaleDownStabilizationSeconds ?? DEFAULTS.scaleDownStabilizationSeconds,
      selectPolicy: 'Min',
      policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
    },
  };
}

/**
 * The TriggerAuthentication the ScaledObjects of the namespace use: KEDA's `aws` pod identity provider with the
 * operator's own identity (identityOwner `keda`), i.e. the credentials the AWS SDK finds in the operator pod
 * (GpuCluster gives the keda-operator ServiceAccount an EKS Pod Identity role that may call GetMetricData).
 */
export function renderTriggerAuthentication(parent: Construct, view: ServiceView): ApiObject {
  return new ApiObject(parent, 'KedaAuth', {
    apiVersion: KEDA_API_VERSION,
    kind: 'TriggerAuthentication',
    metadata: objectMeta(view, KEDA_AUTH_NAME),
    spec: { podIdentity: { provider: 'aws', identityOwner: 'keda' } },
  } as any);
}

/** A variant's autoscaler: a ScaledObject (request-driven) or an HPA (CPU), named like the variant's Service. */
export function renderScaler(
  scope: Construct, view: ServiceView, variant: string, name: string, labels: Record<string, string>, min: number, max: number,
): void {
  const scaleTargetRef = { apiVersion: 'apps/v1', kind: 'Deployment', name };
  if (scalesOnInFlight(view)) {
    const target = view.props.autoscaling?.targetInFlightRequests ?? DEFAULTS.targetInFlightRequests;
    const dimensionValues: Record<(typeof IN_FLIGHT_DIMENSIONS)[number], string> = { ModelName: view.modelName, Variant: variant };
    new ApiObject(scope, 'ScaledObject', {
      apiVersion: KEDA_API_VERSION,
      kind: 'ScaledObject',
      metadata: objectMeta(view, name, labels),
      spec: {
        scaleTargetRef,
        minReplicaCount: min,
        maxReplicaCount: max,
        // KEDA queries CloudWatch every 15 s (default 30) so a burst is seen within one publish period or two.
        pollingInterval: 15,
        advanced: {
          // KEDA owns this HPA; it keeps the variant's name so kubectl and the capacity planner find it.
          horizontalPodAutoscalerConfig: { name, behavior: scalingBehavior(view) },
          restoreToOriginalReplicaCount: false,
        },
        triggers: [{
          type: 'aws-cloudwatch',
          name: IN_FLIGHT_TRIGGER_NAME,
          // "Value": the HPA compares the per-pod average itself with the target (desired = ceil(current x avg / target)),
          // instead of dividing a total by the replica count.
          metricType: 'Value',
          authenticationRef: { name: KEDA_AUTH_NAME, kind: 'TriggerAuthentication' },
          metadata: {
            namespace: INFERENCE_METRICS_NAMESPACE,
            metricName: IN_FLIGHT_METRIC_NAME,
            dimensionName: IN_FLIGHT_DIMENSIONS.join(';'),
            dimensionValue: IN_FLIGHT_DIMENSIONS.map((d) => dimensionValues[d]).join(';'),
            metricStat: IN_FLIGHT_QUERY.statistic,
            metricStatPeriod: String(IN_FLIGHT_QUERY.periodSeconds),
            metricCollectionTime: String(IN_FLIGHT_QUERY.collectionSeconds),
            targetMetricValue: String(target),
            minMetricValue: '0',
            awsRegion: view.props.region!,
          },
        }],
      },
    } as any);
    return;
  }
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
    spec: { scaleTargetRef, minReplicas: min, maxReplicas: max, metrics, behavior: scalingBehavior(view) },
  });
}
