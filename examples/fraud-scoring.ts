// A real-time fraud-scoring service on GPU: a 90/10 canary between model
// versions v7 and v8, and a Black-Friday / Cyber-Monday window that raises the
// replica floor ahead of the peak (US Eastern time) and restores it after.
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { GpuCluster, ModelEndpoint } from '../lib';
import { exampleBuckets } from './shared';

export class FraudScoringStack extends Stack {
  public readonly endpoint: ModelEndpoint;
  public readonly gpuCluster: GpuCluster;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    const { Artifacts: artifacts } = exampleBuckets(this, ['Artifacts'], {
      keyId: 'ArtifactKey',
      accessLogsReason: 'This bucket is the server access log destination of the artifact bucket; logging it into itself would loop.',
    }).buckets;

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
        // Request-driven (the default on a GpuCluster): each variant keeps ~8 requests in flight per replica,
        // measured by the capture sidecar, read by KEDA (installed by GpuCluster).
        targetInFlightRequests: 8,
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
