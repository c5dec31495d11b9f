import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ReporterArchiveProps {
  /** Bring your own bucket; only its `<prefix>raw/` area is granted. @default a new bucket (see the class) */
  readonly bucket?: s3.IBucket;
  /** Encryption of a new bucket: SSE-S3, or a customer-managed key that rotates. @default 'S3_MANAGED' */
  readonly encryption?: 'S3_MANAGED' | 'KMS';
}

/**
 * The raw archive: every WeChat answer, byte for byte, under `<prefix>raw/`. A new bucket is
 * private, SSL-only, encrypted, versioned, logged to an access-log bucket of its own, and retained
 * when the stack is deleted (the archive is the product).
 *
 * Its lifecycle rule moves nothing to another storage class: archived bodies are about 1 KB (the
 * largest, a day of visit pages, about 40 KB), S3 does not transition objects under 128 KB, and
 * Standard-IA and Glacier Instant Retrieval would bill each one as 128 KB if it did (the README's
 * "What it costs" has the arithmetic). It expires the versions an overwrite leaves behind after 90
 * days and incomplete multipart uploads after 7.
 */
export class ReporterArchive extends Construct {
  readonly bucket: s3.IBucket;
  /** Where a new bucket logs its access (and the Athena results bucket too); none with your own bucket. */
  readonly accessLogsBucket?: s3.Bucket;
  /** The customer-managed key, with `encryption: 'KMS'`. */
  readonly key?: kms.Key;

  constructor(scope: Construct, id: string, props: ReporterArchiveProps = {}) {
    super(scope, id);
    // Access logs are delivered by a bucket policy, not the legacy LogDeliveryWrite ACL, whatever the
    // app's feature flags say.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    if (props.bucket) {
      this.bucket = props.bucket;
      return;
    }
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the archive; logging it into itself would loop.',
    });
    this.key =
      props.encryption === 'KMS'
        ? new kms.Key(this, 'ArchiveKey', {
            enableKeyRotation: true,
            description: 'wxa-reporter archive',
            removalPolicy: RemovalPolicy.RETAIN,
          })
        : undefined;
    this.bucket = new s3.Bucket(this, 'Archive', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: this.key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: this.key,
      bucketKeyEnabled: this.key !== undefined,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'archive/',
      lifecycleRules: [
        {
          id: 'archive-housekeeping',
          noncurrentVersionExpiration: Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * With a compaction step: its superseded Parquet files (deleted a day after the month file that
   * replaced them) leave noncurrent versions, expired a day later rather than kept 90 days (a month
   * file is rewritten every day its month is open). Only for a bucket of this construct's own.
   */
  expireSupersededCurated(prefix: string): void {
    if (!(this.bucket instanceof s3.Bucket)) return;
    this.bucket.addLifecycleRule({
      id: 'curated-superseded',
      prefix: `${prefix}curated/`,
      noncurrentVersionExpiration: Duration.days(1),
    });
  }

  /**
   * Get and put of the objects under `<prefix>raw/`, and listing limited to them (without
   * ListBucket a missing key answers 403 instead of 404); put under `<prefix>replaced/`, where a
   * replaced answer is noted for the compacted layer.
   */
  grantRaw(grantee: iam.IGrantable, prefix: string): void {
    const areas = [`${prefix}raw/*`];
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: areas.map((area) => this.bucket.arnForObjects(area)),
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${prefix}replaced/*`)],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': areas } },
      }),
    );
    this.bucket.encryptionKey?.grantEncryptDecrypt(grantee);
  }
}
