// The request-driven autoscaling signal: what the capture sidecar in every inference pod exposes so the
// autoscaler can scale on in-flight requests per pod. Pure TypeScript: imported by the constructs (what they
// render), the sidecar (what it serves) and tests alike.

/**
 * Prometheus gauge (text exposition format, `GET /metrics` on the sidecar's admin port) with the number of
 * requests the sidecar has forwarded to the model and not yet answered, health-check paths excluded.
 * Labels: `model`, `variant`.
 */
export const IN_FLIGHT_GAUGE = 'cdk_mlops_in_flight_requests';

/** The admin port the gauge is served on (the sidecar's `ADMIN_PORT` default; CaptureStream.ADMIN_PORT). */
export const IN_FLIGHT_ADMIN_PORT = 9901;

/** The path of the Prometheus endpoint on the admin port. */
export const IN_FLIGHT_METRICS_PATH = '/metrics';

/**
 * The same value as a CloudWatch metric (namespace `CdkMlops/Inference`, dimensions `ModelName` and
 * `Variant`), published as a high-resolution metric (StorageResolution 1) every
 * {@link IN_FLIGHT_PUBLISH_SECONDS} seconds with the statistic set of the samples taken since the last put,
 * so `Average` over the pods of a variant is the in-flight requests per pod.
 */
export const IN_FLIGHT_METRIC_NAME = 'InFlightRequests';

/** How often the sidecar samples and publishes the in-flight count. */
export const IN_FLIGHT_PUBLISH_SECONDS = 10;
