import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CapturePrefix } from '../../lib/contracts/capture-record';
import { CaptureStream } from '../../lib/inference/capture-stream';
import { testApp } from '../util/synth';

// one app for the whole file, cdk-nag (AwsSolutions) as a policy-validation plugin: synth fails on any unacknowledged finding
const app = testApp();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const stack = new Stack(app, 'Capture');
const first = CaptureStream.of(stack);
const podRole = new iam.Role(stack, 'PodRole', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
first.grantPutRecords(podRole);
const readerRole = new iam.Role(stack, 'ReaderRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
first.grantRead(readerRole);
const second = CaptureStream.of(new iam.Role(stack, 'Elsewhere', { assumedBy: new iam.AccountRootPrincipal() }));
const otherStack = new Stack(app, 'Other');
const userBucket = new s3.Bucket(otherStack, 'UserBucket', { enforceSSL: true, encryption: s3.BucketEncryption.S3_MANAGED });
Validations.of(userBucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'test bucket' });
const explicit = new CaptureStream(otherStack, 'Explicit', { bucket: userBucket, prefix: 'data/capture/', defaultSamplingPercent: 25, bufferingInterval: Duration.seconds(60) });
const otherSingleton = CaptureStream.of(otherStack);
const template = Template.fromStack(stack);
const otherTemplate = Template.fromStack(otherStack);
const keyRef = { 'Fn::GetAtt': [Match.stringLikeRegexp('^CdkMlopsCaptureStreamKey'), 'Arn'] };

test('CaptureStream.of returns one stream per stack', () => {
  expect(second).toBe(first);
  expect(first.node.path).toBe('Capture/CdkMlopsCaptureStream');
  template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
  template.resourceCountIs('AWS::S3::Bucket', 1);
  template.resourceCountIs('AWS::KMS::Key', 1);
  expect(otherSingleton).not.toBe(explicit);
  expect(otherSingleton).not.toBe(first);
  otherTemplate.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 2);
});

test('a KMS key with rotation encrypts a versioned, TLS-only bucket that blocks public access', () => {
  template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  template.hasResourceProperties('AWS::S3::Bucket', {
    BucketEncryption: {
      ServerSideEncryptionConfiguration: [{
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyRef },
      }],
    },
    VersioningConfiguration: { Status: 'Enabled' },
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
  });
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      })]),
    },
  });
});

test('the delivery stream is encrypted with the key and writes KMS-encrypted objects', () => {
  template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
    DeliveryStreamType: 'DirectPut',
    DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: keyRef },
    ExtendedS3DestinationConfiguration: Match.objectLike({
      EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: keyRef } },
      CompressionFormat: 'UNCOMPRESSED',
      FileExtension: '.jsonl',
      CloudWatchLoggingOptions: Match.objectLike({ Enabled: true }),
    }),
  });
});

test('records are partitioned by model / variant / date / hour from their own fields, in the CapturePrefix layout', () => {
  const stream = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0];
  const dest = stream.Properties.ExtendedS3DestinationConfiguration;
  expect(dest.DynamicPartitioningConfiguration).toEqual({ Enabled: true, RetryOptions: { DurationInSeconds: 300 } });
  expect(dest.Prefix).toBe('capture/model=!{partitionKeyFromQuery:model}/variant=!{partitionKeyFromQuery:variant}/dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/');
  expect(dest.ErrorOutputPrefix).toBe('capture-errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/');
  expect(dest.BufferingHints).toEqual({ IntervalInSeconds: 300, SizeInMBs: 64 });
  const processor = dest.ProcessingConfiguration.Processors.find((p: any) => p.Type === 'MetadataExtraction');
  const params = Object.fromEntries(processor.Parameters.map((p: any) => [p.ParameterName, p.ParameterValue]));
  expect(params).toEqual({
    MetadataExtractionQuery: '{"model":.modelName,"variant":.variant,"dt":.timestamp[0:10],"hour":.timestamp[11:13]}',
    JsonParsingEngine: 'JQ-1.6',
  });
  // what Firehose makes of a record served at 2026-11-27T09:59:59.999Z equals what readers list
  const partitionKeys = { model: 'fraud', variant: 'canary', dt: '2026-11-27', hour: '09' };
  const resolved = dest.Prefix.replace(/!\{partitionKeyFromQuery:(\w+)\}/g, (_: string, k: keyof typeof partitionKeys) => partitionKeys[k]);
  expect(resolved).toBe(CapturePrefix.forHour(first.prefix, 'fraud', 'canary', new Date('2026-11-27T09:59:59.999Z')));
  expect(resolved.startsWith(CapturePrefix.forModel(first.prefix, 'fraud'))).toBe(true);
});

test('grantPutRecords allows PutRecord/PutRecordBatch on this stream only', () => {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: stack.getLogicalId(podRole.node.defaultChild as iam.CfnRole) }] },
  });
  const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  const streamId = stack.getLogicalId(first.deliveryStream.node.defaultChild as CfnResource);
  expect(statements).toEqual([{
    Effect: 'Allow',
    Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
    Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
  }]);
});

test('grantRead allows reading the capture prefix and decrypting with the key, nothing else', () => {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: stack.getLogicalId(readerRole.node.defaultChild as iam.CfnRole) }] },
  });
  const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  expect(statements.map((s: any) => s.Action).sort()).toEqual(['kms:Decrypt', 's3:GetObject', 's3:ListBucket']);
  const list = statements.find((s: any) => s.Action === 's3:ListBucket');
  expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['capture/*'] } });
  const get = statements.find((s: any) => s.Action === 's3:GetObject');
  expect(JSON.stringify(get.Resource)).toContain('/capture/*');
});

test('the sidecar image is a Docker image asset staged from assets/capture-sidecar (built only at deploy time)', () => {
  const dir = path.join(__dirname, '..', '..', 'assets', 'capture-sidecar');
  const assembly = app.synth();
  const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8'));
  const images = Object.values(manifest.dockerImages ?? {}) as any[];
  expect(images).toHaveLength(1);
  expect(path.resolve(assembly.directory, images[0].source.directory)).toBe(dir);
  expect(images[0].source.platform).toBe('linux/amd64');
  expect(images[0].displayName).toBe('cdk-mlops capture sidecar');
  const dockerfile = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/^FROM node:\d+\.\d+\.\d+-alpine\d+\.\d+$/m); // pinned tag, no registry host
  expect(dockerfile).toMatch(/^USER [1-9]\d*:[1-9]\d*$/m); // numeric, non-root
  expect(dockerfile).toMatch(/^COPY index\.js /m);
  expect(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8')).toMatch(/^\*\n!index\.js$/m);
  expect(fs.existsSync(path.join(dir, 'index.js'))).toBe(true);
});

test('a user bucket, prefix, sampling default and buffering are honoured', () => {
  otherTemplate.resourceCountIs('AWS::S3::Bucket', 2); // the user's and the singleton's
  otherTemplate.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
    ExtendedS3DestinationConfiguration: Match.objectLike({
      BucketARN: { 'Fn::GetAtt': [otherStack.getLogicalId(userBucket.node.defaultChild as s3.CfnBucket), 'Arn'] },
      Prefix: Match.stringLikeRegexp('^data/capture/model=!\\{partitionKeyFromQuery:model\\}/'),
      BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
    }),
  });
  expect(explicit.defaultSamplingPercent).toBe(25);
  expect(first.defaultSamplingPercent).toBe(CaptureStream.DEFAULT_SAMPLING_PERCENT);
});

test('sidecarEnvironment renders the sidecar configuration contract', () => {
  const env = first.sidecarEnvironment({ modelName: 'fraud', modelVersion: '3', variant: 'canary', listenPort: 8080, upstreamPort: 8081 });
  expect(stack.resolve(env)).toEqual({
    LISTEN_PORT: '8080',
    UPSTREAM_URL: 'http://127.0.0.1:8081',
    ADMIN_PORT: '9901',
    CAPTURE_STREAM_NAME: { Ref: expect.stringMatching(/^CdkMlopsCaptureStreamDeliveryStream/) },
    CAPTURE_SAMPLING_PERCENT: '10',
    MODEL_NAME: 'fraud',
    MODEL_VERSION: '3',
    VARIANT: 'canary',
    SPILL_DIR: '/var/spool/capture',
    SPILL_MAX_BYTES: String(256 * 1024 * 1024),
    UPSTREAM_TIMEOUT_MS: '60000',
    SHUTDOWN_GRACE_MS: '25000',
    AWS_REGION: { Ref: 'AWS::Region' },
  });
  expect(() => first.sidecarEnvironment({ modelName: 'm', modelVersion: '1', variant: 'primary', listenPort: 8080, upstreamPort: 8080 }))
    .toThrow(/invalid prop "upstreamPort" \(8080\): must differ from listenPort/);
});

test('sidecarEnvironment rejects an admin port the listen or upstream port already uses', () => {
  const base = { modelName: 'm', modelVersion: '1', variant: 'primary' };
  expect(() => first.sidecarEnvironment({ ...base, listenPort: 9901, upstreamPort: 8080 }))
    .toThrow(/invalid prop "adminPort" \(9901\): must differ from listenPort \(9901\) and upstreamPort \(8080\)/);
  expect(() => first.sidecarEnvironment({ ...base, listenPort: 8080, upstreamPort: 8081, adminPort: 8081 }))
    .toThrow(/invalid prop "adminPort" \(8081\)/);
  expect(first.sidecarEnvironment({ ...base, listenPort: 9901, upstreamPort: 8080, adminPort: 9902 }).ADMIN_PORT).toBe('9902');
});

test('invalid props throw MlopsValidationError naming the prop', () => {
  const s = new Stack(testApp(), 'Invalid');
  expect(() => new CaptureStream(s, 'A', { defaultSamplingPercent: 150 })).toThrow(/Invalid\/A: invalid prop "defaultSamplingPercent" \(150\)/);
  expect(() => new CaptureStream(s, 'B', { bufferingInterval: Duration.seconds(30) })).toThrow(/invalid prop "bufferingInterval" \(30\): must be an integer between 60 and 900/);
  expect(() => new CaptureStream(s, 'C', { prefix: '/abs' })).toThrow(/invalid prop "prefix"/);
  expect(() => new CaptureStream(s, 'D', { prefix: 'capture/', errorPrefix: 'capture/errors/' })).toThrow(/invalid prop "errorPrefix".*must not overlap/);
});
