import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ClosedLoopStack } from '../../examples/closed-loop';
import { definitionOf, resolveCfnString, validateAsl } from '../util/asl';
import { synthWithNag } from '../util/nag';
import { testApp } from '../util/synth';

// The end-to-end example (all four constructs in one stack) exactly as
// bin/examples.ts builds it: cdk-nag AwsSolutions as a policy-validation
// plugin. One synth for the file.
const app = testApp();
const stack = new ClosedLoopStack(app, 'ClosedLoop');
const nag = synthWithNag(app);
const template = Template.fromStack(stack);
const json = template.toJSON();
const retrainId = stack.getLogicalId(stack.trigger.stateMachine.node.defaultChild as any);
const trainingId = stack.getLogicalId(stack.pipeline.stateMachine.node.defaultChild as any);
const retrainAsl = definitionOf(json, retrainId);

describe('closed-loop example', () => {
  test('cdk-nag AwsSolutions: zero unacknowledged findings', () => {
    expect(nag.synthError).toBeUndefined();
    expect(nag.findings).toEqual([]);
  });

  test('every acknowledgement under the RetrainTrigger carries a specific reason', () => {
    const acks = stack.trigger.node.findAll().flatMap((c) => c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>)));
    expect(acks.length).toBeGreaterThan(0);
    for (const [, reason] of acks) expect(reason.length).toBeGreaterThan(60);
  });

  test('all four constructs in one stack', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    expect(Object.values(json.Resources).some((r: any) => r.Type === 'Custom::AWSCDK-EKS-KubernetesResource')).toBe(true);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'ClosedLoop-mlops-fraud-scoring-drift' });
  });

  test('one alarm rule matching the DriftMonitor alarm names by prefix (plus manual requests)', () => {
    const rules = Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern);
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.EventPattern.$or).toEqual([
      {
        'source': ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        'detail': { alarmName: [{ prefix: `${stack.monitor.alarmPrefix}-` }], state: { value: ['ALARM'] } },
      },
      { 'source': ['cdk-mlops.retrain'], 'detail-type': ['Retrain Requested'] },
    ]);
    // The monthly schedule is the only other rule.
    const scheduled = Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.ScheduleExpression === 'cron(0 3 1 * ? *)');
    expect(scheduled).toHaveLength(1);
  });

  test('one retraining state machine, Standard, logging ALL to a KMS-encrypted log group, traced', () => {
    const sm = json.Resources[retrainId];
    expect(sm.Properties.StateMachineType).toBe('STANDARD');
    expect(sm.Properties.LoggingConfiguration.Level).toBe('ALL');
    expect(sm.Properties.TracingConfiguration.Enabled).toBe(true);
    const logGroupId = sm.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(json.Resources[logGroupId].Properties.KmsKeyId).toBeDefined();
  });

  test('asl-validator accepts the synthesized retraining and training definitions', () => {
    expect(validateAsl(retrainAsl).errors).toEqual([]);
    expect(validateAsl(definitionOf(json, trainingId)).errors).toEqual([]);
  });

  test('every Task has Retry with FULL jitter, TimeoutSeconds and a Catch; the approval token task a heartbeat', () => {
    const tasks = Object.entries<any>(retrainAsl.States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(20);
    for (const [name, s] of tasks) {
      expect([name, s.Retry?.length > 0]).toEqual([name, true]);
      for (const r of s.Retry) expect([name, r.JitterStrategy, r.BackoffRate]).toEqual([name, 'FULL', 2]);
      expect([name, typeof s.TimeoutSeconds]).toEqual([name, 'number']);
      expect([name, s.Catch?.length > 0]).toEqual([name, true]);
    }
    const approval = retrainAsl.States.RequestApproval;
    expect(approval.Resource).toMatch(/:states:::sns:publish\.waitForTaskToken$/);
    expect(approval.HeartbeatSeconds).toBe(86400);
    expect(approval.TimeoutSeconds).toBeGreaterThan(approval.HeartbeatSeconds);
    expect(approval.Parameters.Message).toMatchObject({
      'taskToken.$': '$$.Task.Token',
      'approve': expect.stringContaining('aws stepfunctions send-task-success --task-token'),
      'reject': expect.stringContaining('aws stepfunctions send-task-failure --task-token "$TASK_TOKEN" --error Rejected'),
    });
    expect(approval.Catch.map((c: any) => [c.ErrorEquals, c.Next])).toEqual([
      [['Rejected'], 'NotApproved'], [['States.Timeout', 'States.HeartbeatTimeout'], 'NotApproved'], [['States.ALL'], 'Cleanup'],
    ]);
    expect(retrainAsl.States.Train.Resource).toMatch(/:states:::states:startExecution\.sync:2$/);
    expect(retrainAsl.States.Train.Parameters['Name.$']).toBe("States.Format('{}-train', $$.Execution.Name)");
    // The example's cluster keeps the private endpoint: the Kubernetes API is called by the in-VPC caller, not eks:call.
    expect(retrainAsl.States.PatchCanary.Resource).toMatch(/KubeCaller/);
    expect(retrainAsl.States.PatchCanary.Parameters.Method).toBe('PATCH');
  });

  test('every catch path reaches Finalize, which releases the lock', () => {
    const next = (s: any): string[] => [
      ...(s.Next ? [s.Next] : []), ...(s.Default ? [s.Default] : []),
      ...(s.Choices ?? []).map((c: any) => c.Next), ...(s.Catch ?? []).map((c: any) => c.Next),
    ];
    const reaches = (from: string, target: string, seen = new Set<string>()): boolean => {
      if (from === target) return true;
      if (seen.has(from)) return false;
      seen.add(from);
      return next(retrainAsl.States[from]).some((n) => reaches(n, target, seen));
    };
    const finalization = ['ReleaseLock', 'CountLockReleaseFailure', 'CountInconsistentState', 'PublishOutcomeMetric', 'NotifyOutcome', 'CountNotificationFailure'];
    for (const [name, s] of Object.entries<any>(retrainAsl.States)) {
      // Failures while finalizing carry on with the next finalization step (best effort; the lock TTL is the backstop).
      const target = finalization.includes(name) ? 'OutcomeIsFailure' : 'Finalize';
      for (const c of s.Catch ?? []) expect([name, c.Next, reaches(c.Next, target)]).toEqual([name, c.Next, true]);
    }
    expect(retrainAsl.States.Finalize.Choices[0]).toEqual({ Variable: '$.lock.held', BooleanEquals: true, Next: 'ReleaseLock' });
    // No terminal state but the two after the notification.
    const terminal = Object.entries<any>(retrainAsl.States).filter(([, s]) => s.Type === 'Succeed' || s.Type === 'Fail' || s.End).map(([n]) => n);
    expect(terminal.sort()).toEqual(['Done', 'RetrainFailed']);
  });

  test('per-model record: one SSM parameter holding the endpoint coordinates and the canary settings', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/cdk-mlops/retrain/ClosedLoop-mlops/fraud-scoring',
      Tier: 'Intelligent-Tiering',
      Value: Match.anyValue(),
    });
    const param = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::SSM::Parameter' && r.Properties.Name === '/cdk-mlops/retrain/ClosedLoop-mlops/fraud-scoring');
    const record = JSON.parse(resolveCfnString(param.Properties.Value));
    // addModelEndpoint: the coordinates are the endpoint's.
    expect(record.eks).toMatchObject({
      namespace: stack.endpoint.namespace,
      primaryDeployment: stack.endpoint.serviceNameForVariant('primary'),
      canaryDeployment: stack.endpoint.serviceNameForVariant('canary'),
      ingressName: stack.endpoint.ingressName,
    });
    expect(record.initialChampion.modelArtifactUri).toMatch(/^s3:\/\/.+\/training\/models\/fraud-scoring\/v7\/$/);
    expect(record.initialChampion.modelVersion).toBe('v7');
    const weights = (patch: any) => JSON.parse(patch.metadata.annotations['alb.ingress.kubernetes.io/actions.weighted-routing']).forwardConfig.targetGroups.map((t: any) => [t.serviceName, t.weight]);
    expect(weights(record.eks.ingressCanaryPatch)).toEqual([['fraud-scoring-primary', 90], ['fraud-scoring-canary', 10]]);
    expect(weights(record.eks.ingressStablePatch)).toEqual([['fraud-scoring-primary', 100], ['fraud-scoring-canary', 0]]);
    expect(record).toMatchObject({ canaryWeight: 10, bakeChecks: 3, bakeIntervalSeconds: 600, cooldownSeconds: 21600, maxRetrainsPerPeriod: 4, budgetPeriod: 'month', approvalRequired: false });
    // Rollout polls wait 60, 120, ... s: 5 polls cover the default 15 minutes.
    expect([record.rolloutPollSeconds, record.rolloutMaxPolls]).toEqual([60, 5]);
  });

  test('the endpoint pods can load every candidate the pipeline writes: exactly the training output prefix, and its output key', () => {
    const training = definitionOf(json, trainingId);
    const prepare: any = Object.values<any>(training.States).find((st) => st.Parameters?.Payload?.action === 'prepare');
    const frame = prepare.Parameters.Payload.frame;
    const trainJob: any = Object.values<any>(training.States).find((st) => st.Parameters?.OutputDataConfig);
    // The handler sets S3OutputPath to s3://<outputBucket>/<outputPrefix>models/<model>/ (SageMaker adds <job>/output/model.tar.gz).
    const outputPrefix = `${frame.outputPrefix}models/fraud-scoring/`;
    expect(outputPrefix).toBe(stack.endpoint.modelArtifact.prefix);
    const podRoleId = stack.getLogicalId(stack.endpoint.podRole.node.defaultChild as any);
    const statements = Object.values<any>(json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: podRoleId }]))
      .flatMap((r) => r.Properties.PolicyDocument.Statement);
    const read = statements.find((st: any) => st.Sid === 'ReadModelArtifacts');
    const bucketArn = resolveCfnString(read.Resource).split('/')[0];
    expect(resolveCfnString(read.Resource)).toBe(`${bucketArn}/${outputPrefix}*`);
    expect(bucketArn).toBe(`arn:aws:cdk:us-east-1:123456789012:${stack.getLogicalId(stack.endpoint.modelArtifact.bucket.node.defaultChild as any)}`);
    expect(frame.outputBucket).toBe(`ref-${stack.getLogicalId(stack.endpoint.modelArtifact.bucket.node.defaultChild as any)}`);
    // SageMaker encrypts the artifact with OutputDataConfig.KmsKeyId: the key the pod role may decrypt with (through S3).
    const decrypt = statements.find((st: any) => st.Sid === 'DecryptModelArtifacts');
    expect(resolveCfnString(decrypt.Resource)).toBe(trainJob.Parameters.OutputDataConfig.KmsKeyId);
    expect(decrypt.Condition.StringEquals['kms:ViaService']).toBeDefined();
  });

  test('promotion copies the champion\'s baseline over the DriftMonitor\'s baseline key (SDK CopyObject); least privilege on exactly those objects', () => {
    const param = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::SSM::Parameter' && r.Properties.Name === '/cdk-mlops/retrain/ClosedLoop-mlops/fraud-scoring');
    const record = JSON.parse(resolveCfnString(param.Properties.Value));
    const artifactsId = stack.getLogicalId(stack.endpoint.modelArtifact.bucket.node.defaultChild as any);
    // Defaulted from the DriftMonitor's model of the same name.
    const monitored = stack.monitor.node.tryFindChild('Model-fraud-scoring') as any;
    expect(record.monitorBaseline).toEqual({ bucket: `ref-${artifactsId}`, key: monitored.baselineKey });
    expect(monitored.baselineKey).toBe('models/fraud-scoring/baseline.json');
    const copy = retrainAsl.States.UpdateMonitorBaseline;
    expect(copy.Resource).toMatch(/:states:::aws-sdk:s3:copyObject$/);
    expect(copy.Parameters).toEqual({
      'Bucket.$': '$.config.monitorBaseline.bucket',
      'Key.$': '$.config.monitorBaseline.key',
      'CopySource.$': "States.Format('{}/{}', $.training.output.baselineLocation.bucket, $.training.output.baselineLocation.key)",
      'MetadataDirective': 'COPY',
      'TaggingDirective': 'REPLACE',
    });
    expect(copy.Retry[0]).toMatchObject({ JitterStrategy: 'FULL', BackoffRate: 2 });
    expect(copy.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Cleanup' }]);
    // Only the promote path reaches it: after the package is approved, before the champion record.
    expect(retrainAsl.States.ApprovePackage.Next).toBe('MonitorBaselineNeeded');
    // The current baseline is kept as <key>.previous first, so the cleanup can put it back if the promotion fails later.
    expect(retrainAsl.States.BackupMonitorBaseline.Parameters).toMatchObject({
      'Key.$': "States.Format('{}.previous', $.config.monitorBaseline.key)",
      'CopySource.$': "States.Format('{}/{}', $.config.monitorBaseline.bucket, $.config.monitorBaseline.key)",
    });
    expect(retrainAsl.States.CleanupRestoreMonitorBaseline.Parameters['CopySource.$']).toBe("States.Format('{}/{}.previous', $.config.monitorBaseline.bucket, $.config.monitorBaseline.key)");
    // Then the champion is published (the SSM parameter the pods read) and recorded.
    expect(copy.Next).toBe('ChampionValue');
    expect(retrainAsl.States.PublishChampion.Next).toBe('RecordChampion');
    const into = (target: string) => Object.entries<any>(retrainAsl.States)
      .filter(([, st]) => st.Next === target
        || (st.Choices ?? []).some((c: any) => c.Next === target)
        || (st.Catch ?? []).some((c: any) => c.Next === target))
      .map(([n]) => n);
    expect(into('BackupMonitorBaseline')).toEqual(['MonitorBaselineNeeded']);
    expect(into('UpdateMonitorBaseline')).toEqual(['BackupMonitorBaseline']);
    // IAM: GetObject under the model's candidate prefix, PutObject on the one baseline key, the bucket key through S3.
    const roleId = stack.getLogicalId(stack.trigger.stateMachine.role.node.defaultChild as any);
    const statements = Object.values<any>(json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const bySid = (sid: string) => statements.find((st: any) => st.Sid === sid);
    const resources = (sid: string) => [].concat(bySid(sid).Resource).map((r) => resolveCfnString(r));
    const bucketArn = `arn:aws:cdk:us-east-1:123456789012:${artifactsId}`;
    expect(bySid('ReadCandidateBaselines').Action).toBe('s3:GetObject');
    expect(resources('ReadCandidateBaselines')).toEqual([
      `${bucketArn}/training/models/fraud-scoring/*`, `${bucketArn}/models/fraud-scoring/baseline.json`, `${bucketArn}/models/fraud-scoring/baseline.json.previous`,
    ]);
    expect(bySid('WriteMonitorBaselines').Action).toBe('s3:PutObject');
    expect(resources('WriteMonitorBaselines')).toEqual([`${bucketArn}/models/fraud-scoring/baseline.json`, `${bucketArn}/models/fraud-scoring/baseline.json.previous`]);
    const keyArn = `arn:aws:cdk:us-east-1:123456789012:${stack.getLogicalId((stack.node.findChild('DataKey') as any).node.defaultChild)}`;
    for (const [sid, action] of [['DecryptCandidateBaselines', 'kms:Decrypt'], ['EncryptMonitorBaselines', 'kms:GenerateDataKey']]) {
      expect([sid, bySid(sid).Action, resources(sid)]).toEqual([sid, action, [keyArn]]);
      expect(bySid(sid).Condition.StringEquals['kms:ViaService']).toBeDefined();
    }
  });

  test('addModelEndpoint: variants must exist on the endpoint', () => {
    expect(() => stack.trigger.addModelEndpoint(stack.endpoint, { canaryAlarms: [], canaryVariant: 'blue' }))
      .toThrow(/ClosedLoop\/Retrain: invalid prop "canaryVariant" \("blue"\): must name a variant of ClosedLoop\/Endpoint \(primary, canary\)/);
  });

  test('least privilege: eks:call through an access entry and a namespace Role limited to the named objects', () => {
    template.hasResourceProperties('AWS::EKS::AccessEntry', { KubernetesGroups: [Match.stringLikeRegexp('^cdk-mlops-retrain-')] });
    const rbac = Object.values<any>(json.Resources).filter((r) => r.Type === 'Custom::AWSCDK-EKS-KubernetesResource' && JSON.stringify(r.Properties.Manifest).includes('cdk-mlops-retrain-fraud-scoring'));
    expect(rbac).toHaveLength(1);
    const text = JSON.stringify(rbac[0].Properties.Manifest);
    expect(text).toContain('\\"verbs\\":[\\"get\\",\\"patch\\"]');
    expect(text).toContain('resourceNames');
    // The state machine role: UpdateModelPackage only on the model's package group.
    const policies = Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(stack.getLogicalId(stack.trigger.stateMachine.role.node.defaultChild as any)));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const update = statements.find((s: any) => [s.Action].flat().includes('sagemaker:UpdateModelPackage'));
    expect(JSON.stringify(update.Resource)).toContain('model-package/fraud-scoring/*');
    const put = statements.find((s: any) => s.Action === 'cloudwatch:PutMetricData');
    expect(put.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'CdkMlops/Retrain' } });
  });

  test('state table: KMS, point-in-time recovery, TTL; notifications topic KMS-encrypted', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
    });
    const topicId = stack.getLogicalId(stack.trigger.topic.node.defaultChild as any);
    expect(json.Resources[topicId].Properties.KmsMasterKeyId).toBeDefined();
  });
});
