// The IAM of TrainingPipeline, one `render…` function per role: the SageMaker training role (dataset
// prefix read, model/checkpoint prefix write, image pull, VPC interfaces), the handler's statements
// and the state machine role. Every statement is scoped to what the pipeline's frame allows.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { parseImage } from '../../contracts/training-settings';
import { isToken } from '../../core/validation';
import { TrainingImage } from '../training-image';

/** What the roles are scoped to. */
export interface RoleContext {
  readonly datasetBucket: s3.IBucket;
  readonly datasetPrefix: string;
  readonly outputBucket: s3.IBucket;
  readonly outputPrefix: string;
  /** Empty when checkpoints are disabled. */
  readonly checkpointPrefix: string;
  readonly volumeKey: kms.IKey;
  readonly outputKey: kms.IKey;
  /** ARNs of the ECR repositories the images may come from. */
  readonly repositories: string[];
  /** CloudWatch namespace the state machine publishes the pipeline's own metrics to. */
  readonly metricNamespace: string;
}

/** ARNs of the ECR repositories the training image and the execution input may take images from. */
export function imageRepositories(stack: Stack, image: TrainingImage, additional: readonly { repositoryArn: string }[]): string[] {
  const repositories: string[] = [];
  if (image.repository) repositories.push(image.repository.repositoryArn);
  for (const r of additional) repositories.push(r.repositoryArn);
  const literal = !isToken(image.imageUri) ? parseImage(image.imageUri) : undefined;
  if (!image.repository && literal?.repositoryName) {
    const region = /\.dkr\.ecr\.([a-z0-9-]+)\./.exec(literal.uri)![1];
    repositories.push(stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: literal.repositoryName, region, account: literal.registryId }));
  }
  return repositories;
}

const datasetObjects = (c: RoleContext) => c.datasetBucket.arnForObjects(`${c.datasetPrefix}*`);
const modelObjects = (c: RoleContext) => c.outputBucket.arnForObjects(`${c.outputPrefix}models/*`);

/** Training role: read the dataset prefix, write outputs and checkpoints, pull the image, write its logs and metrics. */
export function renderTrainingRole(scope: Construct, c: RoleContext): iam.Role {
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, 'TrainingRole', {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    description: `SageMaker training jobs of ${scope.node.path}`,
  });
  const checkpointObjects = c.checkpointPrefix ? c.outputBucket.arnForObjects(`${c.checkpointPrefix}*`) : undefined;
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ListDataset', actions: ['s3:ListBucket'], resources: [c.datasetBucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [`${c.datasetPrefix}*`] } },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadDataset', actions: ['s3:GetObject'], resources: [datasetObjects(c)] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'WriteOutputs', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [modelObjects(c), ...(checkpointObjects ? [checkpointObjects] : [])],
  }));
  if (checkpointObjects) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ResumeFromCheckpoints', actions: ['s3:GetObject', 's3:DeleteObject'], resources: [checkpointObjects] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ListCheckpoints', actions: ['s3:ListBucket'], resources: [c.outputBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${c.checkpointPrefix}*`] } },
    }));
  }
  c.datasetBucket.encryptionKey?.grantDecrypt(role);
  c.outputBucket.encryptionKey?.grantEncryptDecrypt(role);
  c.outputKey.grantEncryptDecrypt(role);
  c.volumeKey.grant(role, 'kms:CreateGrant', 'kms:DescribeKey', 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*');
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'TrainingLogs',
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/TrainingJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'TrainingMetrics', actions: ['cloudwatch:PutMetricData'], resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } },
  }));
  if (c.repositories.length > 0) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PullImage', actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], resources: c.repositories,
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
  }
  return role;
}

/**
 * The training containers' network in a VPC: the given security groups or one that only talks to
 * itself and HTTPS inside the VPC; the training role may manage the network interfaces.
 */
export function renderTrainingVpc(scope: Construct, role: iam.Role, vpc: ec2.IVpc, vpcSubnets?: ec2.SubnetSelection,
  securityGroups?: ec2.ISecurityGroup[]): Record<string, unknown> {
  const sgs = securityGroups ?? [(() => {
    const sg = new ec2.SecurityGroup(scope, 'TrainingSecurityGroup', {
      vpc, description: 'cdk-mlops training instances', allowAllOutbound: false,
    });
    sg.connections.allowInternally(ec2.Port.allTraffic(), 'distributed training between the instances of one job');
    sg.addEgressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS to VPC endpoints (S3, ECR, logs)');
    sg.addEgressRule(sg, ec2.Port.allTraffic(), 'distributed training between the instances of one job');
    return sg;
  })()];
  const subnets = vpc.selectSubnets(vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'VpcNetworkInterfaces',
    actions: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission',
      'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
    resources: ['*'],
  }));
  return { SecurityGroupIds: sgs.map((g) => g.securityGroupId), Subnets: subnets.subnetIds };
}

/** The handler's statements: list dataset versions, read the dataset, write version records and baselines. */
export function renderHandlerPolicy(role: iam.Role, c: RoleContext): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ListDatasetVersions', actions: ['s3:ListBucket', 's3:ListBucketVersions'], resources: [c.datasetBucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [`${c.datasetPrefix}*`] } },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadDataset', actions: ['s3:GetObject'], resources: [datasetObjects(c)] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'WriteVersionRecordsAndBaselines', actions: ['s3:PutObject'],
    resources: [c.outputBucket.arnForObjects(`${c.outputPrefix}dataset-versions/*`), modelObjects(c)],
  }));
  c.datasetBucket.encryptionKey?.grantDecrypt(role);
  c.outputBucket.encryptionKey?.grantEncryptDecrypt(role);
}

/** State machine role: training jobs (.sync), passing the training role to SageMaker, keys, digests, the champion lookup. */
export function renderStateMachineRole(scope: Construct, c: RoleContext, trainingRole: iam.IRole): iam.Role {
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, 'StateMachineRole', {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    description: `state machine of ${scope.node.path}`,
  });
  const trainingJobArn = stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: '*' });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'TrainingJobs', actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags'],
    resources: [trainingJobArn],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'SyncEvents', actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
    resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule' })],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'PassTrainingRole', actions: ['iam:PassRole'], resources: [trainingRole.roleArn],
    conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
  }));
  c.volumeKey.grant(role, 'kms:CreateGrant', 'kms:DescribeKey');
  c.outputKey.grant(role, 'kms:DescribeKey');
  if (c.repositories.length > 0) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ResolveImageDigest', actions: ['ecr:DescribeImages'], resources: c.repositories }));
  }
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'FindChampion', actions: ['sagemaker:ListModelPackages'], resources: ['*'],
  }));
  c.outputBucket.encryptionKey?.grantEncrypt(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'NotificationFailureMetric', actions: ['cloudwatch:PutMetricData'], resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': c.metricNamespace } },
  }));
  return role;
}

/** Lets the state machine register (and describe) packages of a group, or of every group under a prefix (`<prefix>*`). */
export function renderRegistryGrant(role: iam.Role, groupName: string): void {
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:AddTags'],
    resources: [
      stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: groupName }),
      stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${groupName}/*` }),
    ],
  }));
}

/** Lets the state machine create the model package groups under the prefix at run time. */
export function renderGroupCreationGrant(role: iam.Role, groupPrefix: string): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'CreateModelPackageGroups',
    actions: ['sagemaker:CreateModelPackageGroup', 'sagemaker:AddTags'],
    resources: [Stack.of(role).formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: `${groupPrefix}*` })],
  }));
}
