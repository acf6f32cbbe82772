// A real-time fraud-scoring service on GPU: a 90/10 canary between model
// versions v7 and v8, and a Black-Friday / Cyber-Monday window that raises the
// replica floor ahead of the peak (US Eastern time) and restores it after.
import { App, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { GpuCluster, ModelEndpoint } from '../lib';

export class FraudScoringStack extends Stack {
  public readonly endpoint: ModelEndpoint;
  public readonly gpuCluster: GpuCluster;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    const key = new kms.Key(this, 'ArtifactKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the server access log destination of the artifact bucket; logging it into itself would loop.',
    });
    const artifacts = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.gpuCluster = new GpuCluster(this, 'Gpu', { gpuMinSize: 2, gpuMaxSize: 40 });

    this.endpoint = new ModelEndpoint(this, 'FraudScoring', {
      cluster: this.gpuCluster.cluster,
      modelName: 'fraud-scoring',
      image: 'example/fraud-scoring-server:1.4.2',
      modelArtifact: { bucket: artifacts, prefix: 'models/fraud-scoring/' },
      port: 8080,
      resources: { cpu: '3', memory: '12Gi', gpuCount: 1 },
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 20,
        targetCpuUtilization: 60,
        customMetric: { metricName: 'http_requests_per_second', targetAverageValue: '200' },
      },
      variants: [
        { name: 'primary', modelVersion: 'v7', weight: 90, minReplicas: 2, maxReplicas: 30 },
        { name: 'canary', modelVersion: 'v8', weight: 10, minReplicas: 1, maxReplicas: 4 },
      ],
      scheduledScaling: [{
        // Thanksgiving evening through the Tuesday after Cyber Monday.
        name: 'black-friday',
        start: '2026-11-26T18:00',
        end: '2026-12-01T06:00',
        timeZone: 'America/New_York',
        minReplicas: 20,
        maxReplicas: 34,
      }],
    });
  }
}

/** Adds the example to an app. */
export function fraudScoring(app: App): void {
  new FraudScoringStack(app, 'FraudScoring');
}
