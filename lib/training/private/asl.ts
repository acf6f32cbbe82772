// Retry policies of TrainingPipeline's tasks: exponential backoff with FULL
// jitter on throttling, capacity and transient service errors. The error names
// are those Step Functions raises for each integration (lib/contracts/integration-errors.ts,
// shared with the retraining state machine).
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  CLOUDWATCH_RETRY_ERRORS, ECR_RETRY_ERRORS, LAMBDA_RETRY_ERRORS, S3_RETRY_ERRORS, SAGEMAKER_SDK_RETRY_ERRORS,
  SAGEMAKER_SYNC_RETRY_ERRORS, SNS_RETRY_ERRORS,
} from '../../contracts/integration-errors';

export const ERRORS = {
  lambda: LAMBDA_RETRY_ERRORS,
  sagemakerSync: SAGEMAKER_SYNC_RETRY_ERRORS,
  sagemakerSdk: SAGEMAKER_SDK_RETRY_ERRORS,
  ecr: ECR_RETRY_ERRORS,
  s3: S3_RETRY_ERRORS,
  sns: SNS_RETRY_ERRORS,
  cloudwatch: CLOUDWATCH_RETRY_ERRORS,
} as const;

/** Backoff 5 s x 2^n (<= 5 min) with full jitter, 6 attempts. */
export function buildRetry(errors: readonly string[]): sfn.RetryProps {
  return {
    errors: [...errors],
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.minutes(5),
    jitterStrategy: sfn.JitterType.FULL,
  };
}
