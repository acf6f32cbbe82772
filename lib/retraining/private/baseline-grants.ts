// The state machine's rights for the promotion's copy of a new champion's drift baseline over the DriftMonitor's:
// s3:GetObject on the candidates' prefix, Get/PutObject on the monitor's baseline (and its kept `.previous` copy),
// KMS through S3 on the two buckets' keys. One statement per kind of right, whose resources grow with each model
// (deduplicated), or stay constant when the trigger's `candidateBaselinePrefix` / `monitorBaselinePrefix` cover them.
import { Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { invalid, isToken } from '../../core/validation';
import type { BaselinePrefix } from '../retrain-trigger-options';

/** Where the training writes a model's candidates (the copy reads this prefix). */
export interface BaselineSource {
  readonly bucket: s3.IBucket;
  readonly prefix: string;
}

/** The DriftMonitor baseline a promotion replaces. */
export interface BaselineDestination {
  readonly bucket: s3.IBucket;
  readonly key: string;
}

/** The baseline-copy grants of one RetrainTrigger's state machine role. */
export class BaselineGrants {
  /** A prefix prop that grants baselines of many models at once: literal, not empty, ending in "/", no wildcard. */
  public static checkPrefix(scope: IConstruct, prop: string, value: BaselinePrefix | undefined): BaselinePrefix | undefined {
    if (value === undefined) return undefined;
    const prefix = value.prefix;
    if (isToken(prefix) || prefix === '' || prefix.startsWith('/') || prefix.includes('*') || !prefix.endsWith('/')) {
      invalid(scope, `${prop}.prefix`, prefix, 'must be a literal, non-empty S3 key prefix ending in "/", without a leading "/" or wildcards (it is granted as <prefix>*)');
    }
    return value;
  }

  /** The candidate prefixes granted so far (each one's wildcard finding is acknowledged with its reason). */
  public readonly sourcePrefixes = new Set<string>();

  private readonly reads = new Set<string>();
  private readonly writes = new Set<string>();
  private readonly decryptKeys = new Set<string>();
  private readonly encryptKeys = new Set<string>();
  private readonly statements = new Set<string>();

  constructor(
    private readonly role: iam.IRole,
    private readonly candidatePrefix: BaselinePrefix | undefined,
    private readonly monitorPrefix: BaselinePrefix | undefined,
  ) {}

  /**
   * Grants one model's copy: reads of its candidates' baselines, reads and writes of the monitor's baseline and of
   * its kept copy (`<key>.previous`, restored by the cleanup), or the covering prefix instead (a fleet).
   */
  public add(source: BaselineSource, destination: BaselineDestination): void {
    const covering = (scope: BaselinePrefix | undefined, bucket: s3.IBucket, key: string) => (scope !== undefined && !isToken(key)
      && scope.bucket.bucketName === bucket.bucketName && key.startsWith(scope.prefix) ? scope : undefined);
    const candidates = covering(this.candidatePrefix, source.bucket, source.prefix) ?? source;
    this.reads.add(candidates.bucket.arnForObjects(`${candidates.prefix}*`));
    this.sourcePrefixes.add(candidates.prefix);
    const monitor = covering(this.monitorPrefix, destination.bucket, destination.key);
    for (const key of monitor ? [`${monitor.prefix}*`] : [destination.key, `${destination.key}.previous`]) {
      this.reads.add(destination.bucket.arnForObjects(key));
      this.writes.add(destination.bucket.arnForObjects(key));
    }
    if (source.bucket.encryptionKey) this.decryptKeys.add(source.bucket.encryptionKey.keyArn);
    if (destination.bucket.encryptionKey) {
      this.decryptKeys.add(destination.bucket.encryptionKey.keyArn);
      this.encryptKeys.add(destination.bucket.encryptionKey.keyArn);
    }
    this.addStatements();
  }

  /** One statement per kind of baseline right, created on first use (its resources are read at synth). */
  private addStatements(): void {
    const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this.role).region}.amazonaws.com` } };
    const statements: [string, string, Set<string>, boolean][] = [
      ['ReadCandidateBaselines', 's3:GetObject', this.reads, false],
      ['WriteMonitorBaselines', 's3:PutObject', this.writes, false],
      ['DecryptCandidateBaselines', 'kms:Decrypt', this.decryptKeys, true],
      ['EncryptMonitorBaselines', 'kms:GenerateDataKey', this.encryptKeys, true],
    ];
    for (const [sid, action, resources, kms] of statements) {
      if (resources.size === 0 || this.statements.has(sid)) continue;
      this.statements.add(sid);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid,
        actions: [action],
        resources: Lazy.list({ produce: () => [...resources] }),
        ...(kms ? { conditions: viaS3 } : {}),
      }));
    }
  }
}
