// The contract between a ModelEndpoint (what InferenceService renders) and the retraining loop
// (what it patches during canary, promote and rollback) and the simulator (what it checks).
// Pure TypeScript: imported by constructs, runtime code, bin/simulate and tests alike.

/** The port every model Service listens on (the ALB targets it). */
export const ENDPOINT_SERVICE_PORT = 80;

/**
 * The name of the ALB Ingress action that splits traffic between variants (the AWS Load Balancer
 * Controller reads it from the `alb.ingress.kubernetes.io/actions.<name>` annotation).
 */
export const ENDPOINT_WEIGHTED_ACTION = 'weighted-routing';

/** Pod-template label that names the variant of a model's pods. */
export const VARIANT_LABEL = 'cdk-mlops.io/variant';

/**
 * Pod-template annotations the retraining loop patches. The init container reads the artifact
 * URI, and the model and proxy containers the version, through the downward API.
 */
export const MODEL_URI_ANNOTATION = 'cdk-mlops.io/model-artifact-uri';
export const MODEL_VERSION_ANNOTATION = 'cdk-mlops.io/model-version';
export const MODEL_PACKAGE_ANNOTATION = 'cdk-mlops.io/model-package-arn';

/**
 * The variant a segment's retraining candidates are canaried on (`<segment>-canary`: its own Deployment, Service,
 * autoscaler and PDB, pods labelled `cdk-mlops.io/segment=<segment>`), rendered once the segment has a canary.
 */
export function segmentCanaryVariant(segment: string): string {
  return `${segment}-canary`;
}

/**
 * The ALB action of a segment: a forward to the segment's Service (all traffic) and, once the segment has a canary,
 * its canary's Service (weight 0 outside a retrain; the retraining loop patches the weights), with the segment's
 * conditions keyed by the same name.
 */
export function segmentWeightedAction(segment: string): string {
  return `${ENDPOINT_WEIGHTED_ACTION}-${segment}`;
}
