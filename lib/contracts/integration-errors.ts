// The error names Step Functions raises for the service integrations both state machines use
// (TrainingPipeline's and RetrainTrigger's), written once so their Retry lists cannot drift apart.
// Pure TypeScript: imported by constructs, the simulator and tests.
//
// Two families (AWS Step Functions Developer Guide):
// - AWS SDK integrations (`arn:aws:states:::aws-sdk:<service>:<action>`), "Learning to use AWS service
//   SDK integrations in Step Functions" (supported-services-awssdk.html): the Error is
//   `<ServiceName>.<ErrorName>`, both in PascalCase, the service named as in the SDK (`Sns`, `Ecr`,
//   `SageMaker`, `S3`, `CloudWatch`), and the error name always carries the `Exception` suffix, even where
//   the service's API reference omits it (S3's `SlowDown` is raised as `S3.SlowDownException`). The
//   SDK's generic client exception is `<ServiceName>.<ServiceName>Exception` (`S3.S3Exception`).
// - Optimized integrations (`arn:aws:states:::sns:publish`, `lambda:invoke`, `sagemaker:createTrainingJob.sync`)
//   raise the service's prefix as the integration names it (`SNS.`, `Lambda.`, `SageMaker.`).
// Where a task's family is not certain (SNS publish is used both ways), the list holds both spellings:
// an extra name in a Retry list costs nothing, a missing one ends an execution.

/** Optimized Lambda invoke (`lambda:invoke`), plus the handlers' own throttling error. */
export const LAMBDA_RETRY_ERRORS: readonly string[] = [
  'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException', 'Lambda.ClientExecutionTimeoutException', 'Mlops.Throttled',
];

/** `sagemaker:createTrainingJob.sync`: throttling and service errors of CreateTrainingJob / DescribeTrainingJob, account quota. */
export const SAGEMAKER_SYNC_RETRY_ERRORS: readonly string[] = [
  'SageMaker.AmazonSageMakerException', 'SageMaker.ThrottlingException', 'SageMaker.ResourceLimitExceededException',
  'SageMaker.InternalFailure', 'SageMaker.ServiceUnavailable',
];

/** `aws-sdk:sagemaker:*`: throttling, transient service errors and quota. */
export const SAGEMAKER_SDK_RETRY_ERRORS: readonly string[] = [
  'SageMaker.ThrottlingException', 'SageMaker.SageMakerException', 'SageMaker.InternalFailureException',
  'SageMaker.ServiceUnavailableException', 'SageMaker.ResourceLimitExceededException',
];

/** `aws-sdk:ecr:*`. */
export const ECR_RETRY_ERRORS: readonly string[] = [
  'Ecr.ThrottlingException', 'Ecr.ServerException', 'Ecr.LimitExceededException', 'Ecr.EcrException',
];

/** `aws-sdk:s3:*` (S3's error codes lack the suffix; Step Functions adds it). */
export const S3_RETRY_ERRORS: readonly string[] = [
  'S3.SlowDownException', 'S3.InternalErrorException', 'S3.ServiceUnavailableException', 'S3.S3Exception',
];

/**
 * SNS Publish: throttling and transient errors, in both spellings (`Sns.` of the AWS SDK integration,
 * `SNS.` of the optimized `sns:publish` integration). KMS errors that are not throttling
 * (`KMSAccessDeniedException`, `KMSDisabledException`, ...) are permanent and deliberately absent.
 */
export const SNS_RETRY_ERRORS: readonly string[] = [
  'Sns.ThrottledException', 'Sns.InternalErrorException', 'Sns.KmsThrottlingException', 'Sns.SnsException',
  'SNS.ThrottledException', 'SNS.InternalErrorException', 'SNS.KmsThrottlingException', 'SNS.SnsException',
];

/** `aws-sdk:cloudwatch:putMetricData` and `describeAlarms` (CloudWatch's `Throttling` code is raised with the suffix). */
export const CLOUDWATCH_RETRY_ERRORS: readonly string[] = [
  'CloudWatch.ThrottlingException', 'CloudWatch.LimitExceededException', 'CloudWatch.InternalServiceException', 'CloudWatch.CloudWatchException',
];

/**
 * Optimized DynamoDB integrations (`dynamodb:getItem|putItem|updateItem`): the Error is `DynamoDB.<exception>`
 * ("Call DynamoDB APIs with Step Functions"), the generic one `DynamoDB.AmazonDynamoDBException`.
 * `DynamoDB.ConditionalCheckFailedException` is an answer, not a fault, and is deliberately absent.
 */
export const DYNAMODB_RETRY_ERRORS: readonly string[] = [
  'DynamoDB.ProvisionedThroughputExceededException', 'DynamoDB.ThrottlingException', 'DynamoDB.RequestLimitExceeded',
  'DynamoDB.InternalServerErrorException', 'DynamoDB.InternalServerError', 'DynamoDB.AmazonDynamoDBException',
];
