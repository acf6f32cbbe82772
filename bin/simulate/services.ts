/**
 * How the simulator names the service a Task calls, in one place: the runner dispatches on it
 * (run.ts), scenario files script faults with it (scenario.ts) and the world matches those faults
 * (world.ts).
 */

/**
 * The service of a retraining Task whose Resource is a Lambda ARN: the in-VPC Kubernetes API caller
 * (lib/runtime/kube-call), which takes `eks:call`'s parameters and reaches a private endpoint.
 */
export const IN_VPC_KUBE_CALLER = 'kube:in-vpc';

/** The integration a Task Resource names: `dynamodb:updateItem` for `arn:aws:states:::dynamodb:updateItem`, `lambda:invoke` for a function ARN. */
export function serviceOfResource(resource: string): string {
  const m = /^arn:[^:]+:states:::(.+)$/.exec(resource);
  if (m) return m[1];
  if (/^arn:[^:]+:lambda:/.test(resource)) return 'lambda:invoke';
  return resource;
}

/** The service a Task calls; in the retraining state machine a function ARN is the in-VPC Kubernetes API caller. */
export function taskService(retraining: boolean, resource: unknown): string {
  const text = String(resource);
  return retraining && /^arn:[^:]+:lambda:/.test(text) ? IN_VPC_KUBE_CALLER : serviceOfResource(text);
}

/**
 * The name a scenario's fault uses for a service: a Kubernetes API call is `eks:call`, whichever way the
 * loop reaches the cluster (Step Functions' `eks:call` on a public endpoint, or the in-VPC caller).
 */
export function scriptedService(service: string): string {
  return service === IN_VPC_KUBE_CALLER ? 'eks:call' : service;
}
