// The request-driven autoscaling signal: the in-flight requests the capture sidecar in every inference pod
// publishes to CloudWatch, and how the KEDA `aws-cloudwatch` trigger a ModelEndpoint renders reads it back.
// Pure TypeScript: imported by the constructs (what they render), the sidecar (what it publishes) and tests alike.

/** CloudWatch namespace of the sidecar's metrics (ModelEndpoint.METRICS_NAMESPACE, CaptureStream.METRICS_NAMESPACE). */
export const INFERENCE_METRICS_NAMESPACE = 'CdkMlops/Inference';

/**
 * Requests the sidecar has forwarded to the model and not yet answered (health-check paths excluded), as a
 * CloudWatch metric. The sidecar samples the count every {@link IN_FLIGHT_SAMPLE_MS} ms and, every
 * {@link IN_FLIGHT_PUBLISH_SECONDS} s, puts the statistic set of those samples (SampleCount, Sum, Minimum,
 * Maximum) as a high-resolution datum (StorageResolution 1) under the dimensions {@link IN_FLIGHT_DIMENSIONS}.
 * Every pod of a variant samples at the same rate, so the `Average` statistic over a period is the mean
 * in-flight requests per pod of that variant, whatever the number of pods.
 */
export const IN_FLIGHT_METRIC_NAME = 'InFlightRequests';

/** The dimensions of the in-flight datum, in order: the model name and the variant (or segment) name. */
export const IN_FLIGHT_DIMENSIONS = ['ModelName', 'Variant'] as const;

/** How often the sidecar samples the in-flight count (milliseconds). */
export const IN_FLIGHT_SAMPLE_MS = 1000;

/** How often the sidecar publishes the in-flight statistic set (seconds). */
export const IN_FLIGHT_PUBLISH_SECONDS = 10;

/**
 * How the autoscaler reads the signal back: the `Average` over {@link IN_FLIGHT_QUERY.periodSeconds}-second
 * periods (a period CloudWatch serves for high-resolution metrics) of the last
 * {@link IN_FLIGHT_QUERY.collectionSeconds} seconds, the newest period first.
 */
export const IN_FLIGHT_QUERY = {
  statistic: 'Average',
  periodSeconds: 30,
  collectionSeconds: 90,
} as const;

/** Default target of in-flight requests per replica (autoscaling.targetInFlightRequests). */
export const DEFAULT_TARGET_IN_FLIGHT_REQUESTS = 4;
