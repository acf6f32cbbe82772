import { Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';

/** The training container image. */
export class TrainingImage {
  /** An image in an ECR repository, by tag or by digest (`sha256:...`); the role may pull from it. */
  public static fromEcrRepository(repository: ecr.IRepository, tagOrDigest?: string): TrainingImage {
    const ref = tagOrDigest ?? 'latest';
    const uri = !Token.isUnresolved(ref) && ref.startsWith('sha256:')
      ? repository.repositoryUriForDigest(ref)
      : repository.repositoryUriForTag(ref);
    return new TrainingImage(uri, repository);
  }

  /**
   * An image by URI. An ECR URI may use a tag (its digest is looked up at run
   * time); any other registry must be pinned by digest (`...@sha256:<64 hex>`).
   */
  public static fromImageUri(uri: string): TrainingImage {
    return new TrainingImage(uri, undefined);
  }

  private constructor(
    /** The image URI. */
    public readonly imageUri: string,
    /** The ECR repository, when known. */
    public readonly repository?: ecr.IRepository,
  ) {}
}
