// The TrainingPipeline execution and the gate on its verdict.
import { recordPath } from '../../../contracts/retrain-record';
import { RetrainOutcome } from '../../retrain-trigger-options';
import { DefinitionContext, retry } from './context';

/** The TrainingPipeline execution and the gate on its verdict. */
export function addTrainStates(c: DefinitionContext): void {
  const S = c.S;
  // ---- 4. training pipeline + gate -------------------------------------------
  S.TrainingContext = {
    Type: 'Pass',
    Comment: 'The TrainingPipeline ignores input keys starting with "_" (annotations); modelName comes from the record\'s trainingInput (the model\'s name unless it sets one).',
    Parameters: {
      '_champion.$': '$.champion',
      '_trigger.$': '$.trigger',
      '_retrainExecutionId.$': '$$.Execution.Id',
    },
    ResultPath: '$.trainingContext',
    Next: 'Train',
  };
  c.task('Train', {
    Comment: 'The TrainingPipeline; the child execution name derives from this one, so a retried start never trains twice.',
    Resource: c.arn('states:startExecution.sync:2'),
    TimeoutSeconds: c.p.trainingTimeoutSeconds,
    Parameters: {
      StateMachineArn: c.p.trainingStateMachineArn,
      'Name.$': "States.Format('{}-train', $$.Execution.Name)",
      'Input.$': `States.JsonMerge(${recordPath('trainingInput')}, $.trainingContext, false)`,
    },
    ResultSelector: { 'output.$': '$.Output', 'executionArn.$': '$.ExecutionArn' },
    ResultPath: '$.training',
    Retry: [retry(['StepFunctions.ThrottlingException', 'StepFunctions.SdkClientException', 'StepFunctions.AWSStepFunctionsException'], 3, 5)],
    Catch: [c.catchAll()],
    Next: 'Gate',
  });
  S.Gate = {
    Type: 'Choice',
    Comment: 'Only a candidate the pipeline passed (threshold and champion comparison) and registered goes on.',
    Choices: [{
      And: [
        { Variable: '$.training.output.verdict', IsPresent: true },
        { Variable: '$.training.output.verdict', StringEquals: 'passed' },
        { Variable: '$.training.output.modelPackageArn', IsPresent: true },
        { Variable: '$.training.output.modelArtifactUri', IsPresent: true },
        { Variable: '$.training.output.baselineUri', IsPresent: true },
        { Variable: '$.training.output.metrics', IsPresent: true },
        // A model whose DriftMonitor baseline follows the champion needs the candidate's baseline location.
        {
          Or: [
            { Not: { Variable: recordPath('monitorBaseline'), IsPresent: true } },
            {
              And: [
                { Variable: '$.training.output.baselineLocation.bucket', IsPresent: true },
                { Variable: '$.training.output.baselineLocation.key', IsPresent: true },
              ],
            },
          ],
        },
      ],
      Next: 'Candidate',
    }],
    Default: 'Rejected',
  };
  c.outcome('Rejected', RetrainOutcome.REJECTED, 'Finalize');
  S.Candidate = {
    Type: 'Pass',
    Parameters: {
      'modelPackageArn.$': '$.training.output.modelPackageArn',
      'modelArtifactUri.$': '$.training.output.modelArtifactUri',
      'modelVersion.$': "States.ArrayGetItem(States.StringSplit($.training.output.modelPackageArn, '/'), 2)",
      'metrics.$': '$.training.output.metrics',
      'baselineUri.$': '$.training.output.baselineUri',
    },
    ResultPath: '$.candidate',
    Next: 'MarkCanaryTouched',
  };
}
