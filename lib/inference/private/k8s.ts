// The ONLY module that imports cdk8s-plus-27. Everything Kubernetes-shaped in
// cdk-mlops goes through here, so a move to a newer cdk8s-plus-XX is a change
// to this file (and the schema tests), not to every construct.
//
// We use the typed API objects that cdk8s-plus-27 ships (`k8s`, generated from
// the Kubernetes 1.27 OpenAPI schema) rather than its L2 workloads: the L2s
// cannot express extended resources (`nvidia.com/gpu`), container-level
// seccomp profiles, `minDomains` topology spread or the AWS Load Balancer
// Controller's `use-annotation` backends. Only stable API groups are used
// (v1, apps/v1, autoscaling/v2, policy/v1, networking.k8s.io/v1, batch/v1,
// rbac.authorization.k8s.io/v1).
import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';

export { k8s };

/** Kubernetes quantity from a string ("500m", "4Gi") or a number. */
export function quantity(value: string | number): k8s.Quantity {
  return typeof value === 'number' ? k8s.Quantity.fromNumber(value) : k8s.Quantity.fromString(value);
}

/** An int-or-string value ("25%", 1). */
export function intOrString(value: string | number): k8s.IntOrString {
  return typeof value === 'number' ? k8s.IntOrString.fromNumber(value) : k8s.IntOrString.fromString(value);
}

/** A typed cdk8s-plus-27 API object class (its GVK and its `manifest()` renderer). */
export interface KubeType<P> {
  readonly GVK: { readonly apiVersion: string; readonly kind: string };
  manifest(props: P): any;
}

/**
 * Defines an API object whose body (every top-level key except apiVersion,
 * kind and metadata) is rendered at synth time from typed props, so mutators
 * called after construction (`addVariant()`, `addScheduledScaling()`, a proxy
 * sidecar) are reflected. The object is a plain cdk8s `ApiObject`, so JSON
 * patches (`ApiObject.of(x).addJsonPatch(...)`) still apply as an escape hatch.
 */
export function lateBoundObject<P>(
  scope: Construct, id: string, type: KubeType<P>, metadata: ApiObjectMetadata,
  bodyKeys: string[], render: () => P,
): ApiObject {
  const props: Record<string, any> = { apiVersion: type.GVK.apiVersion, kind: type.GVK.kind, metadata };
  for (const key of bodyKeys) {
    props[key] = Lazy.any({ produce: () => type.manifest(render())[key] });
  }
  return new ApiObject(scope, id, props as any);
}

/**
 * The container securityContext every container gets (Pod Security Standards
 * "restricted"). runAsNonRoot, the UID/GID and the seccomp profile are set once
 * at pod level (restrictedPodSecurityContext), which the profile accepts for
 * every container; `user` is kept for callers that render a bare container.
 */
export function restrictedContainerSecurityContext(_user?: number): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: true,
  };
}

/** The pod securityContext every pod gets (Pod Security Standards "restricted"). */
export function restrictedPodSecurityContext(user: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: user,
    fsGroup: user,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
