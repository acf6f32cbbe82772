import { Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { parseImage } from '../contracts/training-settings';

/**
 * The training container image. It must be pinned, so the lineage of every model package says
 * what ran: by digest, or (ECR) by a version tag whose digest the pipeline looks up at run time.
 * A missing tag or `latest` is refused by TrainingPipeline.
 */
export class TrainingImage {
  /**
   * An image in an ECR repository, by version tag or by digest (`sha256:...`); the role may pull from it.
   * @param tagOrDigest a version tag other than `latest`, or a digest
   * @default - none: TrainingPipeline refuses an unpinned image (the tag would be `latest`)
   */
  public static fromEcrRepository(repository: ecr.IRepository, tagOrDigest?: string): TrainingImage {
    const ref = tagOrDigest ?? 'latest';
    const byDigest = !Token.isUnresolved(ref) && ref.startsWith('sha256:');
    const uri = byDigest ? repository.repositoryUriForDigest(ref) : repository.repositoryUriForTag(ref);
    return new TrainingImage(uri, repository, byDigest ? undefined : ref, byDigest ? ref : undefined);
  }

  /**
   * An image by URI. An ECR URI may use a version tag (its digest is looked up at run
   * time); any other registry must be pinned by digest (`...@sha256:<64 hex>`).
   */
  public static fromImageUri(uri: string): TrainingImage {
    if (Token.isUnresolved(uri)) return new TrainingImage(uri, undefined, undefined, undefined);
    const ref = parseImage(uri);
    return new TrainingImage(uri, undefined, ref.digest ? undefined : ref.tag, ref.digest);
  }

  private constructor(
    /** The image URI. */
    public readonly imageUri: string,
    /** The ECR repository, when known. */
    public readonly repository?: ecr.IRepository,
    /** The tag, when the image is referenced by tag (`latest` when an ECR URI names none). */
    public readonly tag?: string,
    /** The digest (`sha256:...`), when the image is pinned by digest. */
    public readonly digest?: string,
  ) {}
}
