import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SQL_TABLES } from '../../../lambda/sql/tables.js';
import { DUCKDB_PACKAGES, handlerCode } from '../../lambda-bundle.js';
import { functionRole } from '../reporter-function.js';

/** The compaction function's timeout: Lambda's longest; a run that needs more goes on in the next. */
const TIMEOUT = Duration.minutes(15);

export interface ArchiveCompactionProps {
  /** The archive bucket. */
  readonly bucket: s3.IBucket;
  /** Key prefix inside the archive bucket (`wxa/`, or empty). @default none */
  readonly prefix?: string;
  /** The Glue database whose views the compaction points at the curated tables. @default none: no Athena views to point */
  readonly databaseName?: string;
  /** The deployment's log group. */
  readonly logGroup: logs.ILogGroup;
  /** The deployment's name: the service its logs are tagged with. @default 'wxa-reporter' */
  readonly name?: string;
  /** MB; DuckDB's working memory (it spills to /tmp past it). @default 2048 */
  readonly memorySize?: number;
}

/**
 * The compaction step: a function of its own (DuckDB needs its native binding, which exists for
 * x86_64 Lambda, so the worker's ARM cold start carries none of it) that brings the curated Parquet
 * layer up to date with the raw archive and points Athena's views at it. Asked through a FIFO queue
 * (one message group: runs never overlap; content-based deduplication: the workers that see a day
 * settle at once ask once), and directly on demand. Its grants: read the archive's raw objects and
 * notes, write and delete only under `curated/` (and consumed notes), update the ten views.
 */
export class ArchiveCompaction extends Construct {
  readonly function: lambda.Function;
  /** Requests (`{"job":"compact", …}`): the worker's when a day settles, the schedule's, its own to go on. */
  readonly queue: sqs.Queue;
  /** Requests that failed five times (a refused permission, a lock held for hours). */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ArchiveCompactionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const prefix = props.prefix ?? '';
    this.deadLetterQueue = new sqs.Queue(this, 'RequestsDlq', {
      fifo: true,
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, 'Requests', {
      fifo: true,
      contentBasedDeduplication: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for a Lambda event source: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    const role = functionRole(
      this,
      'Role',
      'wxa-reporter compaction: read the raw archive, write the curated layer, point the Athena views at it',
      props.logGroup,
    );
    this.function = new lambda.Function(this, 'Function', {
      code: handlerCode('compact-handler.ts', { packages: DUCKDB_PACKAGES }),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      // DuckDB's Node binding is published for x86_64 (and ARM) Linux; the x86_64 one is what this
      // project installs and tests.
      architecture: lambda.Architecture.X86_64,
      memorySize: props.memorySize ?? 2048,
      // A month of a thousand apps' visit pages is about 1 GB of JSON: room for it and its file.
      ephemeralStorageSize: Size.gibibytes(10),
      timeout: TIMEOUT,
      role,
      logGroup: props.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: 'wxa-reporter: compacts the raw archive into Parquet and points the Athena views at it',
      environment: {
        WXA_ARCHIVE_BUCKET: props.bucket.bucketName,
        WXA_ARCHIVE_PREFIX: prefix,
        ...(props.databaseName ? { WXA_GLUE_DATABASE: props.databaseName } : {}),
        WXA_COMPACTION_QUEUE_URL: this.queue.queueUrl,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.name ?? 'wxa-reporter',
      },
    });
    this.function.addEventSourceMapping('Requests', {
      eventSourceArn: this.queue.queueArn,
      batchSize: 1,
      // A run blocked by another compaction hands its request back without failing (no error alarm).
      reportBatchItemFailures: true,
    });
    this.queue.grantConsumeMessages(role);
    this.queue.grantSendMessages(role);

    const objects = (area: string) => props.bucket.arnForObjects(`${prefix}${area}/*`);
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: {
          StringLike: { 's3:prefix': ['raw', 'replaced', 'provenance', 'curated'].map((a) => `${prefix}${a}/*`) },
        },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: ['raw', 'replaced', 'provenance', 'curated'].map(objects),
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [objects('curated')] }));
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [objects('curated'), objects('replaced')] }),
    );
    props.bucket.encryptionKey?.grantEncryptDecrypt(role);
    if (!props.databaseName) return;
    const database = props.databaseName;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetTable', 'glue:UpdateTable'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: database }),
          ...SQL_TABLES.map((t) =>
            stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/${t.name}` }),
          ),
        ],
      }),
    );
  }
}
