import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aspects, Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { z } from 'zod';
import {
  type DeploymentConfig,
  DeploymentConfigError,
  type DeploymentConfigInput,
  parseDeploymentConfig,
} from '../lambda/config/deployment-config.js';
import { AcknowledgeExpectedWildcards } from './scoped-wildcards.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Lambda environment variables are limited to 4 KB in all; the config must leave room. */
const MAX_CONFIG_BYTES = 3_500;

export interface WxaReporterProps {
  /** Mini Programs, recipients, channels, language and schedules; validated when the app synthesizes. */
  readonly config: DeploymentConfigInput;
  /** Bring your own archive bucket. @default a new bucket: private, SSL-only, encrypted, versioned, retained */
  readonly bucket?: s3.IBucket;
  /** Encryption of a new bucket. @default 'S3_MANAGED' (SSE-S3); 'KMS' creates a customer-managed key */
  readonly encryption?: 'S3_MANAGED' | 'KMS';
  /** Where alarm notifications go; confirm the subscription email after deploying. @default no subscription */
  readonly alarmEmail?: string;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
  /** The KMS key of the SecureString parameters, if not the AWS-managed aws/ssm key. @default aws/ssm */
  readonly parameterKey?: kms.IKey;
  /** @default 10 minutes (webhooks are paced to the platforms' rate limits) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
}

const propsSchema = z.object({
  alarmEmail: z.email({ message: 'is not an email address' }).optional(),
  encryption: z.enum(['S3_MANAGED', 'KMS']).optional(),
  memorySize: z.number().int().min(128).max(10240).optional(),
});

/**
 * Scheduled WeChat Mini Program reports: a Lambda that fetches, archives to S3 and notifies, three
 * EventBridge Scheduler schedules (daily, monthly, retries) in the configured time zone, dead-letter
 * queues and alarms. Credentials stay in SSM Parameter Store; the template only names them.
 */
export class WxaReporter extends Construct {
  readonly config: DeploymentConfig;
  readonly bucket: s3.IBucket;
  readonly function: nodejs.NodejsFunction;
  readonly alarmTopic: sns.Topic;
  readonly functionDeadLetterQueue: sqs.Queue;
  readonly schedulerDeadLetterQueue: sqs.Queue;
  readonly schedules: {
    readonly daily: scheduler.Schedule;
    readonly monthly: scheduler.Schedule;
    readonly retry: scheduler.Schedule;
  };

  constructor(scope: Construct, id: string, props: WxaReporterProps) {
    super(scope, id);
    // Access logs are delivered by a bucket policy, not the legacy LogDeliveryWrite ACL, whatever the
    // app's feature flags say.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const checked = propsSchema.safeParse(props);
    if (!checked.success) {
      const problems = checked.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
      throw new DeploymentConfigError(`WxaReporter props are invalid: ${problems}`);
    }
    this.config = parseDeploymentConfig(props.config);
    const serialisedConfig = JSON.stringify(this.config);
    if (Buffer.byteLength(serialisedConfig) > MAX_CONFIG_BYTES) {
      throw new DeploymentConfigError(
        `the config is ${Buffer.byteLength(serialisedConfig)} bytes; Lambda environments hold 4 KB: split the apps over several WxaReporter constructs`,
      );
    }
    const stack = Stack.of(this);
    const prefix = this.config.archivePrefix;

    this.bucket = props.bucket ?? this.createBucket(props.encryption ?? 'S3_MANAGED');

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.functionDeadLetterQueue = this.deadLetterQueue(
      'FunctionDlq',
      'failed Lambda invocations (after async retries)',
    );
    this.schedulerDeadLetterQueue = this.deadLetterQueue(
      'SchedulerDlq',
      'schedule runs the Scheduler could not deliver',
    );

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'wxa-reporter: read its SSM parameters, write its archive, send its reports',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: join(here, '..', 'lambda', 'handlers', 'report-handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.minutes(10),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: 'wxa-reporter: WeChat Mini Program daily and monthly reports',
      environment: {
        WXA_CONFIG: serialisedConfig,
        WXA_ARCHIVE_BUCKET: this.bucket.bucketName,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'wxa-reporter',
        POWERTOOLS_METRICS_NAMESPACE: 'WxaReporter',
      },
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.functionDeadLetterQueue),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node22',
        mainFields: ['module', 'main'],
        // Bundle the AWS SDK too: the versions we test are the versions that run.
        externalModules: [],
        // CommonJS dependencies (nodemailer) call require() on Node built-ins.
        banner:
          "import { createRequire as wxaCreateRequire } from 'node:module'; const require = wxaCreateRequire(import.meta.url);",
        forceDockerBundling: false,
      },
    });

    this.grantArchive(role, prefix);
    this.grantParameters(role, stack, props.parameterKey);
    if (this.config.email?.transport === 'ses') {
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [
            stack.formatArn({ service: 'ses', resource: 'identity', resourceName: this.config.email.identity }),
          ],
        }),
      );
    }

    const zone = TimeZone.of(this.config.schedule.timeZone);
    // Our own Scheduler role (not the stack-wide shared one), so its grants stay inside this construct.
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'wxa-reporter: lets EventBridge Scheduler invoke the report function',
    });
    const schedule = (name: 'Daily' | 'Monthly' | 'Retry', expression: string, job: 'daily' | 'monthly' | 'retry') =>
      new scheduler.Schedule(this, `${name}Schedule`, {
        description: `wxa-reporter ${job} (${expression} ${this.config.schedule.timeZone})`,
        schedule: scheduler.ScheduleExpression.expression(expression, zone),
        target: new targets.LambdaInvoke(this.function, {
          role: schedulerRole,
          input: scheduler.ScheduleTargetInput.fromObject({ job }),
          deadLetterQueue: this.schedulerDeadLetterQueue,
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
      });
    this.schedules = {
      daily: schedule('Daily', this.config.schedule.daily, 'daily'),
      monthly: schedule('Monthly', this.config.schedule.monthly, 'monthly'),
      retry: schedule('Retry', this.config.schedule.retry, 'retry'),
    };

    this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: 'wxa-reporter alarms', enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only alarm names and states; CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key would cost more than the rest of the stack.',
    });
    this.alarm(
      'FunctionErrors',
      this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'a report run failed',
    );
    this.alarm(
      'FunctionDlqMessages',
      this.dlqDepth(this.functionDeadLetterQueue),
      'a failed invocation is waiting in the function DLQ',
    );
    this.alarm(
      'SchedulerDlqMessages',
      this.dlqDepth(this.schedulerDeadLetterQueue),
      'the Scheduler could not invoke the function',
    );

    const functionLogicalId = stack.resolve(
      (this.function.node.defaultChild as lambda.CfnFunction).logicalId,
    ) as string;
    const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    Aspects.of(this).add(
      new AcknowledgeExpectedWildcards([
        {
          kind: 'Resource',
          pattern: new RegExp(`/${escapeRegExp(prefix)}(raw|state)/\\*$`),
          reason:
            'One object per app and period under the raw/ (WeChat bodies) and state/ (run ledger) prefixes of the archive bucket.',
        },
        {
          kind: 'Resource',
          pattern: new RegExp(`:parameter${escapeRegExp(this.config.parameterPrefix)}\\*$`),
          reason:
            'Every parameter under the configured prefix: one AppID, AppSecret and webhook set per app, added without redeploying.',
        },
        {
          kind: 'Resource',
          pattern: /:kms:.*:key\/\*$/,
          reason:
            'kms:Decrypt only with kms:ViaService = SSM: decrypts SecureString parameters (aws/ssm key, whose id is not known at synth) and nothing else.',
        },
        {
          kind: 'Resource',
          pattern: new RegExp(`^<${functionLogicalId}\\.Arn>:\\*$`),
          reason:
            'The Scheduler may invoke the report function and its versions; CDK grants the function ARN with ":*".',
        },
        {
          kind: 'Action',
          pattern: /^kms:(GenerateDataKey|ReEncrypt)\*$/,
          reason: 'The actions CDK grants for using the archive bucket key (encrypt and decrypt archive objects).',
        },
      ]),
    );
  }

  private createBucket(encryption: 'S3_MANAGED' | 'KMS'): s3.Bucket {
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the archive; logging it into itself would loop.',
    });
    const key =
      encryption === 'KMS'
        ? new kms.Key(this, 'ArchiveKey', {
            enableKeyRotation: true,
            description: 'wxa-reporter archive',
            removalPolicy: RemovalPolicy.RETAIN,
          })
        : undefined;
    return new s3.Bucket(this, 'Archive', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: key,
      bucketKeyEnabled: key !== undefined,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'archive/',
      lifecycleRules: [
        {
          id: 'archive-tiers',
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) },
          ],
          noncurrentVersionExpiration: Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // The archive is the product: it outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private grantArchive(role: iam.Role, prefix: string): void {
    const areas = [`${prefix}raw/*`, `${prefix}state/*`];
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: areas.map((area) => this.bucket.arnForObjects(area)),
      }),
    );
    // Without ListBucket a missing key answers 403 instead of 404; limited to the same prefixes.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': areas } },
      }),
    );
    this.bucket.encryptionKey?.grantEncryptDecrypt(role);
  }

  private grantParameters(role: iam.Role, stack: Stack, parameterKey: kms.IKey | undefined): void {
    const prefix = this.config.parameterPrefix;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
        resources: [
          stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${prefix.slice(1)}*` }),
          stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: prefix.slice(1, -1) }),
        ],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [parameterKey?.keyArn ?? stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
        conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` } },
      }),
    );
  }

  private deadLetterQueue(id: string, what: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself a dead-letter queue (${what}).`,
    });
    return queue;
  }

  private dlqDepth(queue: sqs.Queue): cloudwatch.IMetric {
    return queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' });
  }

  private alarm(id: string, metric: cloudwatch.IMetric, what: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `wxa-reporter: ${what}`,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    return alarm;
  }
}
