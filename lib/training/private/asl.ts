// Retry policies of TrainingPipeline's tasks: exponential backoff with FULL
// jitter on throttling, capacity and transient service errors (error names as
// Step Functions reports them for each integration).
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

export const ERRORS = {
  lambda: [
    'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException', 'Lambda.ClientExecutionTimeoutException', 'Mlops.Throttled',
  ],
  /** createTrainingJob.sync: throttling and service errors of CreateTrainingJob / DescribeTrainingJob, account quota. */
  sagemakerSync: [
    'SageMaker.AmazonSageMakerException', 'SageMaker.ThrottlingException', 'SageMaker.ResourceLimitExceededException',
    'SageMaker.InternalFailure', 'SageMaker.ServiceUnavailable',
  ],
  sagemakerSdk: [
    'SageMaker.ThrottlingException', 'SageMaker.SageMakerException', 'SageMaker.InternalFailure',
    'SageMaker.ServiceUnavailable', 'SageMaker.ResourceLimitExceededException',
  ],
  ecr: ['Ecr.ThrottlingException', 'Ecr.ServerException', 'Ecr.EcrException'],
  s3: ['S3.SlowDown', 'S3.InternalError', 'S3.ServiceUnavailable', 'S3.S3Exception'],
  sns: ['SNS.ThrottledException', 'SNS.InternalErrorException', 'SNS.KmsThrottlingException', 'SNS.SnsException'],
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
