// Scheduled pre-scaling: per window two CronJobs patching the variants' autoscalers (raise the floor at the start,
// restore it at the end), under a ServiceAccount whose Role may patch exactly those: the KEDA ScaledObjects
// (minReplicaCount/maxReplicaCount; KEDA then updates the HPA it owns) or the CPU HPAs.
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { InferenceVariant, ScheduledScalingWindow } from '../inference-types';
import { DEFAULTS, DEFAULT_SCALER_IMAGE, segmentVariant, variantBounds, windowLeadMinutes, yearlyCron } from './inference-options';
import { k8s, lateBoundObject, quantity, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './k8s';
import { ServiceView, objectMeta } from './render-context';
import { scalesOnInFlight } from './render-scaler';

/** The pre-scaler's ServiceAccount, Role and RoleBinding name. */
export function scalerName(view: ServiceView): string {
  return `${view.modelName}-prescaler`;
}

/** The pre-scaler's ServiceAccount, Role (late-bound: every variant's HPA) and RoleBinding. */
export function renderScalerRbac(parent: Construct, view: ServiceView): void {
  const name = scalerName(view);
  const scope = new Construct(parent, 'PreScaler');
  new k8s.KubeServiceAccount(scope, 'ServiceAccount', {
    metadata: objectMeta(view, name),
    // The CronJob pods call the Kubernetes API, so they need a token; the Role limits it.
    automountServiceAccountToken: true,
  });
  lateBoundObject(scope, 'Role', k8s.KubeRole, objectMeta(view, name), ['rules'], () => ({
    rules: [{
      // KEDA owns the HPA of a ScaledObject (it would undo a patch of the HPA): patch the ScaledObject.
      ...(scalesOnInFlight(view) ? { apiGroups: ['keda.sh'], resources: ['scaledobjects'] } : { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'] }),
      // Exactly the autoscalers some window patches: the default route's variants, and the segments a window names.
      resourceNames: [...new Set(view.windows.flatMap((w) => windowTargets(view, w)).map((v) => view.serviceNameForVariant(v.name)))],
      verbs: ['get', 'patch'],
    }],
  }));
  new k8s.KubeRoleBinding(scope, 'RoleBinding', {
    metadata: objectMeta(view, name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: view.namespaceName }],
  });
}

/** The variants a window patches: the segment it names, else the default route's variants. */
export function windowTargets(view: ServiceView, window: ScheduledScalingWindow): InferenceVariant[] {
  if (window.segment === undefined) return [...view.variants];
  const seg = view.segments.find((s) => s.name === window.segment);
  return seg ? [segmentVariant(seg)] : [];
}

/**
 * Replica bounds of each variant inside a window: the window's totals split by weight, never below the variant's own;
 * a segment's window sets the segment's own bounds (no split).
 */
export function windowBounds(view: ServiceView, window: ScheduledScalingWindow): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  if (window.segment !== undefined) {
    for (const v of windowTargets(view, window)) {
      const { min, max } = variantBounds(v, view.props);
      const winMax = window.maxReplicas !== undefined ? Math.max(max, window.maxReplicas) : max;
      out[v.name] = [Math.min(winMax, Math.max(min, window.minReplicas)), winMax];
    }
    return out;
  }
  for (const v of view.variants) {
    const { min, max } = variantBounds(v, view.props);
    const share = (total: number) => Math.ceil((total * v.weight) / 100);
    const winMax = window.maxReplicas !== undefined ? Math.max(max, share(window.maxReplicas)) : max;
    const winMin = Math.min(winMax, Math.max(min, share(window.minReplicas)));
    out[v.name] = [winMin, winMax];
  }
  return out;
}

/** The CronJob that patches the HPAs at one edge of a window (its spec rendered at synth). */
export function renderScalingCronJob(scope: Construct, id: string, view: ServiceView, w: ScheduledScalingWindow, edge: 'start' | 'end'): ApiObject {
  const at = edge === 'start' ? w.start : w.end;
  const name = `prescale-${w.name}-${edge}`;
  const user = view.props.runAsUser ?? DEFAULTS.runAsUser;
  return lateBoundObject(scope, id, k8s.KubeCronJob, objectMeta(view, name, { 'cdk-mlops.io/window': w.name }), ['spec'], () => {
    const bounds = windowBounds(view, w);
    const keda = scalesOnInFlight(view);
    const containers: k8s.Container[] = windowTargets(view, w).map((v) => {
      const { min, max } = variantBounds(v, view.props);
      const [minReplicas, maxReplicas] = edge === 'start' ? bounds[v.name] : [min, max];
      return {
        name: `patch-${v.name}`,
        image: view.props.scalerImage ?? DEFAULT_SCALER_IMAGE,
        command: ['kubectl'],
        args: ['patch', keda ? 'scaledobject' : 'horizontalpodautoscaler', view.serviceNameForVariant(v.name), '--namespace', view.namespaceName,
          '--type=merge', '--patch', JSON.stringify({ spec: keda ? { minReplicaCount: minReplicas, maxReplicaCount: maxReplicas } : { minReplicas, maxReplicas } })],
        env: [{ name: 'HOME', value: '/tmp' }],
        resources: { requests: { cpu: quantity('50m'), memory: quantity('64Mi') }, limits: { memory: quantity('128Mi') } },
        securityContext: restrictedContainerSecurityContext(user),
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      };
    });
    return {
      spec: {
        schedule: yearlyCron(at, edge === 'start' ? windowLeadMinutes(w, view.props) : 0),
        timeZone: w.timeZone,
        concurrencyPolicy: 'Forbid',
        // If the controller was down at the exact minute, still apply within an hour.
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 4,
            activeDeadlineSeconds: 600,
            ttlSecondsAfterFinished: 86400,
            template: {
              metadata: { labels: { 'app.kubernetes.io/name': view.modelName, 'app.kubernetes.io/component': 'prescaler' } },
              spec: {
                serviceAccountName: scalerName(view),
                automountServiceAccountToken: true,
                restartPolicy: 'OnFailure',
                securityContext: restrictedPodSecurityContext(user),
                containers,
                volumes: [{ name: 'tmp', emptyDir: { sizeLimit: quantity('64Mi') } }],
              },
            },
          },
        },
      },
    };
  });
}
