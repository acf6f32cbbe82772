import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { TrainingImage } from '../../lib/training/training-image';
import { testApp } from '../util/synth';

const DIGEST = `sha256:${'0f'.repeat(32)}`;

describe('TrainingImage records how it is pinned (TrainingPipeline refuses an unpinned one)', () => {
  const repo = () => ecr.Repository.fromRepositoryName(new Stack(testApp(), 'S'), 'Repo', 'trainer');

  test('fromEcrRepository by version tag, by digest, and without a tag (latest)', () => {
    expect(TrainingImage.fromEcrRepository(repo(), '2.4.0')).toMatchObject({ tag: '2.4.0', digest: undefined });
    const byDigest = TrainingImage.fromEcrRepository(repo(), DIGEST);
    expect(byDigest).toMatchObject({ tag: undefined, digest: DIGEST });
    expect(JSON.stringify(Stack.of(byDigest.repository!).resolve(byDigest.imageUri))).toContain(`/trainer@${DIGEST}`);
    expect(TrainingImage.fromEcrRepository(repo())).toMatchObject({ tag: 'latest' });
  });

  test('fromImageUri parses a literal URI', () => {
    expect(TrainingImage.fromImageUri('123456789012.dkr.ecr.eu-west-1.amazonaws.com/trainer:2026.11.1')).toMatchObject({ tag: '2026.11.1', digest: undefined });
    expect(TrainingImage.fromImageUri('123456789012.dkr.ecr.eu-west-1.amazonaws.com/trainer')).toMatchObject({ tag: 'latest' });
    expect(TrainingImage.fromImageUri(`registry.example.com/trainer@${DIGEST}`)).toMatchObject({ tag: undefined, digest: DIGEST });
  });
});
