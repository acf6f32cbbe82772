// How a factory model's canary is judged while it bakes: its own canary variant's 5xx answers, read by the retraining
// state machine with GetMetricData (the record's canaryMetricQueries) instead of one CloudWatch alarm per model.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { CaptureStream } from '../../inference/capture-stream';
import type { RetrainCanaryMetric } from '../../retraining/retrain-trigger-options';

/** 5xx answers per minute of a canary that fail it (the threshold of the former per-model canary-errors alarm). */
export const CANARY_ERRORS_PER_MINUTE = 5;

/**
 * The canary judgement of a factory model (or segment): the capture sidecar's `Errors` of the canary variant, Sum per
 * minute, failing the canary at 5 (the threshold of the former per-model canary alarm). ModelName and Variant are the
 * dimensions the sidecar publishes with (a segment's canary is the variant `<segment>-canary` of the same ModelName).
 */
export function canaryErrors(modelName: string, variant: string): RetrainCanaryMetric {
  return {
    metric: new cloudwatch.Metric({
      namespace: CaptureStream.METRICS_NAMESPACE,
      metricName: 'Errors',
      dimensionsMap: { ModelName: modelName, Variant: variant },
      statistic: 'Sum',
      period: Duration.minutes(1),
    }),
    threshold: CANARY_ERRORS_PER_MINUTE,
  };
}
