// The cdk-nag (AwsSolutions) findings TrainingPipeline's own design causes, acknowledged next to
// its roles with the reason, so an app that uses the construct is clean without acknowledging
// anything itself. Computed at validation time, after every grant ran.
import { IConstruct } from 'constructs';
import { acknowledgeWildcards } from '../../core/nag';

export interface PipelineFindingsContext {
  readonly datasetPrefix: string;
  readonly outputPrefix: string;
  readonly checkpointPrefix: string;
  readonly groupPrefix: string;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The reasons for the wildcard permissions of a TrainingPipeline's roles. */
export function pipelineWildcardReasons(c: PipelineFindingsContext): Array<[RegExp, string]> {
  const reasons: Array<[RegExp, string]> = [
    [/^Action::kms:(GenerateDataKey|ReEncrypt)\*$/, 'CDK KMS grants for SSE-KMS objects and the encrypted topic: data keys and re-encryption under that one key ARN.'],
    [new RegExp(`/${esc(c.datasetPrefix)}\\*$`), 'The pipeline reads every model\'s dataset under the dataset prefix (<prefix><model>/<channel>/): the keys of a dataset version are known only at run time.'],
    [new RegExp(`/${esc(c.outputPrefix)}models/\\*$`), 'Model artifacts and baselines are written under <outputPrefix>models/<model>/<job>/, the job name generated per execution.'],
    [new RegExp(`/${esc(c.outputPrefix)}dataset-versions/\\*$`), 'Dataset version records are content-addressed (<model>/<sha256>.json): keys known only at run time.'],
    [new RegExp(`/${esc(c.outputPrefix)}runs/\\*$`), 'Failure records are written to <outputPrefix>runs/<execution name>/failure.json.'],
    [/log-group:\/aws\/sagemaker\/TrainingJobs:\*$/, 'SageMaker writes training logs to streams named after the job in its fixed /aws/sagemaker/TrainingJobs log group.'],
    [/:training-job\/\*$/, 'Training job names derive from each execution name; createTrainingJob.sync creates, describes and stops them.'],
    [/:model-package\/[a-z0-9-]*\/\*$/, 'Each registration creates a new numbered version in the model\'s package group (<group>/<n>), the number assigned by SageMaker.'],
    [/Handler[A-Za-z0-9]*\.Arn>:\*$/, 'Invoking the pipeline\'s own Lambda function by version or alias qualifier (CDK grantInvoke).'],
    [/^Resource::\*$/, 'ecr:GetAuthorizationToken, sagemaker:ListModelPackages, the X-Ray tracing actions and the VPC ENI actions have no resource-level permissions; PutMetricData is conditioned on its namespace.'],
  ];
  if (c.checkpointPrefix) {
    reasons.push([new RegExp(`/${esc(c.checkpointPrefix)}\\*$`), 'Managed spot training writes checkpoints under <checkpointPrefix><model>/<job>/, the job name generated per execution.']);
  }
  if (c.groupPrefix) {
    reasons.push([new RegExp(`:model-package-group/${esc(c.groupPrefix)}\\*$`), 'One model package group per model (<groupPrefix><model>), created at run time before the model\'s first registration.']);
    reasons.push([new RegExp(`:model-package/${esc(c.groupPrefix)}\\*/\\*$`), 'Each registration creates a new numbered version in its model\'s package group (<groupPrefix><model>/<n>): the groups and the numbers are known only at run time.']);
  }
  return reasons;
}

/** Acknowledges the pipeline's inherent findings on its roles; anything else stays a finding. */
export function acknowledgePipelineFindings(pipeline: IConstruct, c: PipelineFindingsContext): void {
  const reasons = pipelineWildcardReasons(c);
  pipeline.node.addValidation({
    validate: () => {
      acknowledgeWildcards(pipeline, (finding) => reasons.find(([re]) => re.test(finding))?.[1]);
      return [];
    },
  });
}

/**
 * Acknowledges, on a grantee's policy, the one wildcard `grantStartExecution` needs: the
 * executions of this state machine (`execution:<name>:*`, the state machine named by its
 * logical id in the finding), whose names are chosen per start.
 */
export function acknowledgeExecutionGrant(grantee: IConstruct, stateMachineLogicalId: string, pipelinePath: string): void {
  grantee.node.addValidation({
    validate: () => {
      acknowledgeWildcards(grantee, (finding) => (finding.includes(':execution:') && finding.includes(`"${stateMachineLogicalId}"`) && finding.endsWith(':*')
        ? `Describing and stopping the executions of the TrainingPipeline ${pipelinePath} (startExecution.sync callers): execution names are chosen per start.`
        : undefined));
      return [];
    },
  });
}
