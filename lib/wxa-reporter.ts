import { Aspects, type Duration, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import * as z from 'zod';
import {
  type DeploymentConfig,
  DeploymentConfigError,
  type DeploymentConfigInput,
  describeIssues,
  parseDeploymentConfig,
} from '../lambda/config/deployment-config.js';
import { ReporterAlarms } from './parts/alarms.js';
import { ArchiveAnalytics } from './parts/analytics/archive-analytics.js';
import { ArchiveCompaction } from './parts/analytics/archive-compaction.js';
import { ReporterArchive } from './parts/archive.js';
import { ReporterEgressNetwork } from './parts/egress-network.js';
import { DEFAULT_CONCURRENCY, ReporterFanOut } from './parts/fan-out.js';
import { keepLogicalIdsThroughParts, nodeUniqueIdAt } from './parts/logical-ids.js';
import { type PlatformEndpointType, ReporterPlatformEndpoint } from './parts/platform-endpoint.js';
import { ReporterSchedules } from './parts/schedules.js';
import { ReporterStateTables } from './parts/state-tables.js';
import { claimNames, type PhysicalNames, physicalNames } from './physical-names.js';
import { AcknowledgeExpectedWildcards } from './scoped-wildcards.js';

export type { PlatformEndpointType };
export { DEFAULT_CONCURRENCY };

/** Lambda environment variables are limited to 4 KB in all; the config (apps in it are only a seed) must leave room. */
const MAX_CONFIG_BYTES = 3_300;

export interface WxaReporterProps {
  /** Mini Programs, recipients, channels, language and schedules; validated when the app synthesizes. */
  readonly config: DeploymentConfigInput;
  /**
   * The deployment's name, from which every name that must be unique in the account and region
   * derives: the SSM folder `/<name>/` (unless `config.parameterPrefix` is set), the Glue database
   * (unless `analytics.databaseName` is), the Athena workgroup, the service on logs and metrics.
   * Lowercase letters, digits and "-". A second deployment in the same account and region needs
   * one of its own (synth refuses two of one app whose names meet); the CDK app's `stacks` context
   * gives each stack one derived from its name (`wxa-reporter-client-b` for `WxaReporterClientB`).
   * @default `wxa-reporter`, whatever the stack is called: the names a deployment made before
   * deployments had names has (SSM `/wxa-reporter/`, Glue `wxa_reporter`), so it keeps them
   */
  readonly name?: string;
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
  /** The worker's timeout, per unit of work (one app's report). @default 3 minutes */
  readonly timeout?: Duration;
  /** The worker's memory. @default 512 */
  readonly memorySize?: number;
  /** Units of work (apps) processed at once: the SQS event source's maximum concurrency (2–1000). @default 10 */
  readonly concurrency?: number;
  /**
   * SQL over the archive in Athena: a Glue database with a table and a view per API, a workgroup with
   * a results bucket and a scan limit, named queries. `false` to leave it out.
   * @default { databaseName: the deployment's name with "_" (`wxa_reporter`), workGroupName: `<database name with "-">-<stack name>`, bytesScannedCutoffPerQuery: 1 GB }
   */
  readonly analytics?:
    | false
    | {
        readonly databaseName?: string;
        readonly workGroupName?: string;
        readonly bytesScannedCutoffPerQuery?: number;
      };
  /**
   * A fixed egress IP for Mini Programs and platforms whose IP whitelist rejects Lambda's changing
   * addresses (errcode 40164, 61004): the worker runs in a VPC whose only way out is a NAT gateway
   * with an Elastic IP (the `EgressIp` output, to whitelist). Costs ≈ $36 a month (see the README).
   * @default false
   */
  readonly fixedEgressIp?: boolean;
  /**
   * With `fixedEgressIp`: the two Availability Zones of the VPC's subnets, by name, in the stack's
   * region (`['cn-north-1a', 'cn-north-1b']`).
   * @default those `cdk.context.json` holds for the stack's account and region (an earlier
   * lookup), else the region's first two, resolved at deploy time: synth needs no credentials
   */
  readonly availabilityZones?: readonly string[];
  /**
   * With `component` in the config: how WeChat reaches the platform function, a Lambda Function
   * URL or an API Gateway HTTP API (the same checks either way).
   * @default the one the stack's region offers: 'FUNCTION_URL' where Lambda offers Function URLs,
   * 'HTTP_API' where it does not (the AWS China and GovCloud regions, most regions opened since
   * 2022: `lib/regions.ts`) and in a region this version does not know
   */
  readonly platformEndpoint?: PlatformEndpointType;
}

const propsSchema = z.object({
  alarmEmail: z.email({ message: 'is not an email address' }).optional(),
  encryption: z.enum(['S3_MANAGED', 'KMS']).optional(),
  memorySize: z.number().int().min(128).max(10240).optional(),
  concurrency: z.number().int().min(2, 'must be at least 2 (the SQS event source minimum)').max(1000).optional(),
  platformEndpoint: z.enum(['FUNCTION_URL', 'HTTP_API']).optional(),
});

/** The third-party platform's side of a deployment (`WxaReporter.platform`). */
export interface WxaReporterPlatform {
  readonly function: lambda.Function;
  /** The authorization event URL (授权事件接收URL), whichever the endpoint. */
  readonly endpointUrl: string;
  /** With the `FUNCTION_URL` endpoint; undefined with `HTTP_API`. */
  readonly functionUrl?: lambda.FunctionUrl;
  /** With the `HTTP_API` endpoint; undefined with `FUNCTION_URL`. */
  readonly api?: apigwv2.HttpApi;
  /**
   * The Function URL, as before the platform endpoint could be an HTTP API.
   * @deprecated The endpoint is an HTTP API where Lambda offers no Function URLs (the AWS China
   * regions, among others), and then there is no Function URL to return: reading it throws
   * `DeploymentConfigError`. Use `endpointUrl` for the URL, `functionUrl` or `api` for the resource.
   */
  readonly url: lambda.FunctionUrl;
  readonly table: dynamodb.Table;
  readonly discoverySchedule: scheduler.Schedule;
}

/** `WxaReporter.platform`, whose deprecated `url` is the Function URL or a clear error. */
function platformMembers(
  endpoint: ReporterPlatformEndpoint,
  table: dynamodb.Table,
  discoverySchedule: scheduler.Schedule,
): WxaReporterPlatform {
  return {
    function: endpoint.function,
    endpointUrl: endpoint.endpointUrl,
    functionUrl: endpoint.url,
    api: endpoint.api,
    get url(): lambda.FunctionUrl {
      if (endpoint.url) return endpoint.url;
      throw new DeploymentConfigError(
        `${endpoint.node.path}: platform.url is a Lambda Function URL, and this deployment's platform endpoint is an API Gateway HTTP API: use platform.endpointUrl (the URL) or platform.api`,
      );
    },
    table,
    discoverySchedule,
  };
}

/** A setting that would do nothing is refused, not ignored: it was set for a reason. */
function refuseSettingsWithoutEffect(props: WxaReporterProps, config: DeploymentConfig): void {
  if (props.availabilityZones && !props.fixedEgressIp)
    throw new DeploymentConfigError(
      'availabilityZones places the fixed-egress VPC, and fixedEgressIp is not set: set fixedEgressIp: true, or remove availabilityZones',
    );
  if (props.platformEndpoint && !config.component)
    throw new DeploymentConfigError(
      `platformEndpoint "${props.platformEndpoint}" is how WeChat reaches a third-party platform, and the config has no component: add the platform's component, or remove platformEndpoint`,
    );
}

/**
 * Scheduled WeChat Mini Program reports for one app or thousands. Three EventBridge Scheduler
 * schedules (daily, monthly, retries, in the configured time zone) invoke a short dispatcher that
 * pages through the app registry (DynamoDB) and puts one message per (app, job, period) on an SQS
 * queue; a worker function consumes it with bounded concurrency, fetches, archives to S3 and
 * notifies, each channel exactly once through the ledger (DynamoDB). Failed units land in a
 * dead-letter queue with their reason; alarms go to SNS. Credentials stay in SSM Parameter Store.
 *
 * Composed of focused parts (`parts`), each usable on its own: the archive, the state tables, the
 * queue and its workers, the schedules, a third-party platform's endpoint, a fixed egress network,
 * analytics and alarms. The parts are transparent to CloudFormation: every resource keeps the
 * logical ID it had before the construct was split, so an update replaces nothing.
 */
export class WxaReporter extends Construct {
  readonly config: DeploymentConfig;
  /** The names derived from the deployment's name (see `name`). */
  readonly names: PhysicalNames;
  readonly bucket: s3.IBucket;
  /** The worker: one unit of work (an app's report) per SQS message. */
  readonly function: lambda.Function;
  /** What the schedules invoke: enumerates the apps and queues the units. */
  readonly dispatcher: lambda.Function;
  readonly appsTable: dynamodb.Table;
  readonly ledgerTable: dynamodb.Table;
  readonly workQueue: sqs.Queue;
  /** Units that failed for good, each with app, job, period and reason (and any SQS gave up on). */
  readonly failureQueue: sqs.Queue;
  /** The Elastic IP every WeChat call leaves from, with `fixedEgressIp`. */
  readonly egressIp?: ec2.CfnEIP;
  /**
   * With `component` in the config: the function behind the platform's authorization event URL
   * (tickets, authorization events) that also runs the daily discovery, how WeChat reaches it
   * (`functionUrl`, a Function URL, or `api`, an HTTP API), that URL, and the table of the
   * platform's shared tokens.
   */
  readonly platform?: WxaReporterPlatform;
  /** Athena and Glue over the archive, unless `analytics: false`. */
  readonly analytics?: ArchiveAnalytics;
  /** The compaction step (the function, its request queue), with `archive.compact` in the config. */
  readonly compaction?: ArchiveCompaction;
  readonly alarmTopic: sns.Topic;
  readonly functionDeadLetterQueue: sqs.Queue;
  readonly schedulerDeadLetterQueue: sqs.Queue;
  readonly schedules: {
    readonly daily: scheduler.Schedule;
    readonly monthly: scheduler.Schedule;
    readonly retry: scheduler.Schedule;
  };
  /** The focused constructs this one is made of. */
  readonly parts: {
    readonly archive: ReporterArchive;
    readonly state: ReporterStateTables;
    readonly fanOut: ReporterFanOut;
    readonly schedules: ReporterSchedules;
    readonly alarms: ReporterAlarms;
    readonly network?: ReporterEgressNetwork;
    readonly platform?: ReporterPlatformEndpoint;
  };

  constructor(scope: Construct, id: string, props: WxaReporterProps) {
    super(scope, id);
    // Access logs are delivered by a bucket policy, not the legacy LogDeliveryWrite ACL (the Athena
    // results bucket's too), whatever the app's feature flags say.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const checked = propsSchema.safeParse(props);
    if (!checked.success) {
      const problems = describeIssues(checked.error.issues).join('; ');
      throw new DeploymentConfigError(`WxaReporter props are invalid: ${problems}`);
    }
    const stack = Stack.of(this);
    this.names = physicalNames(props.name);
    this.config = parseDeploymentConfig({
      ...props.config,
      parameterPrefix: props.config.parameterPrefix ?? this.names.parameterPrefix,
    });
    const serialisedConfig = JSON.stringify(this.config);
    if (Buffer.byteLength(serialisedConfig) > MAX_CONFIG_BYTES) {
      throw new DeploymentConfigError(
        `the config is ${Buffer.byteLength(serialisedConfig)} bytes; Lambda environments hold 4 KB: move the apps into the registry ("wxa-report apps add") and keep cdk.json for settings`,
      );
    }
    refuseSettingsWithoutEffect(props, this.config);
    const { name } = this.names;
    const prefix = this.config.archivePrefix;

    const archive = new ReporterArchive(this, 'Storage', { bucket: props.bucket, encryption: props.encryption });
    this.bucket = archive.bucket;
    if (props.analytics !== false) {
      this.analytics = new ArchiveAnalytics(this, 'Analytics', {
        bucket: this.bucket,
        prefix,
        databaseName: props.analytics?.databaseName ?? this.names.databaseName,
        workGroupName: props.analytics?.workGroupName,
        bytesScannedCutoffPerQuery: props.analytics?.bytesScannedCutoffPerQuery,
        accessLogsBucket: archive.accessLogsBucket,
      });
    }
    claimNames(this, {
      names: this.names,
      parameterPrefix: this.config.parameterPrefix,
      parameterPrefixGiven: props.config.parameterPrefix !== undefined,
      databaseName: this.analytics?.databaseName,
      databaseNameGiven: props.analytics !== false && props.analytics?.databaseName !== undefined,
      workGroupName: this.analytics?.workGroupName,
      workGroupNameGiven: props.analytics !== false && props.analytics?.workGroupName !== undefined,
    });

    const state = new ReporterStateTables(this, 'State', { platform: this.config.component !== undefined });
    this.appsTable = state.appsTable;
    this.ledgerTable = state.ledgerTable;
    const network = props.fixedEgressIp
      ? new ReporterEgressNetwork(this, 'Network', { name, availabilityZones: props.availabilityZones })
      : undefined;
    this.egressIp = network?.egressIp;

    const fanOut = new ReporterFanOut(this, 'FanOut', {
      config: this.config,
      name,
      archive,
      state,
      parameterKey: props.parameterKey,
      network,
      timeout: props.timeout,
      memorySize: props.memorySize,
      concurrency: props.concurrency,
      logRetention: props.logRetention,
      // The id CDK gave the event source when the queue was a direct child (see keepLogicalIdsThroughParts).
      eventSourceId: `SqsEventSource:${nodeUniqueIdAt(this, 'WorkQueue')}`,
    });
    this.function = fanOut.worker;
    this.dispatcher = fanOut.dispatcher;
    this.workQueue = fanOut.workQueue;
    this.failureQueue = fanOut.failureQueue;
    this.functionDeadLetterQueue = fanOut.functionDeadLetterQueue;

    const schedules = new ReporterSchedules(this, 'Schedules', {
      dispatcher: fanOut.dispatcher,
      schedule: this.config.schedule,
      name,
    });
    this.schedules = { daily: schedules.daily, monthly: schedules.monthly, retry: schedules.retry };
    this.schedulerDeadLetterQueue = schedules.deadLetterQueue;

    if (this.config.archive.compact) {
      this.compaction = new ArchiveCompaction(this, 'Compaction', {
        bucket: this.bucket,
        prefix,
        databaseName: this.analytics?.databaseName,
        logGroup: fanOut.logGroup,
        name,
      });
      archive.expireSupersededCurated(prefix);
      // The worker asks for the day's compaction when its units have settled; the schedule after
      // the cut-off catches what settled late; a person invokes the function for anything else.
      fanOut.worker.addEnvironment('WXA_COMPACTION_QUEUE_URL', this.compaction.queue.queueUrl);
      this.compaction.queue.grantSendMessages(fanOut.worker);
      schedules.addMessage('CompactSchedule', {
        expression: `cron(30 ${this.config.schedule.cutoffHour} * * ? *)`,
        queue: this.compaction.queue,
        body: { job: 'compact', reason: 'schedule' },
        messageGroupId: 'compaction',
        what: 'compaction of the raw archive, after the cut-off',
      });
    }

    let platform: ReporterPlatformEndpoint | undefined;
    if (state.platformTable) {
      platform = new ReporterPlatformEndpoint(this, 'PlatformEndpoint', {
        fanOut,
        state,
        parameterPrefix: this.config.parameterPrefix,
        parameterKey: props.parameterKey,
        endpoint: props.platformEndpoint,
        network,
        name,
        logRetention: props.logRetention,
      });
      const discoverySchedule = schedules.add('DiscoverSchedule', {
        job: 'discover',
        what: "discovery of the platform's authorizers",
        expression: this.config.schedule.discover,
        target: platform.function,
      });
      this.platform = platformMembers(platform, state.platformTable, discoverySchedule);
    }

    const alarms = new ReporterAlarms(this, 'Monitoring', { name, alarmEmail: props.alarmEmail });
    this.alarmTopic = alarms.topic;
    alarms.onErrors('FunctionErrors', fanOut.worker, 'the worker function itself failed (crash or timeout)');
    if (platform) {
      alarms.onErrors(
        'PlatformErrors',
        platform.function,
        'the platform function failed: a push was not taken or the discovery did not run',
      );
    }
    alarms.onErrors('DispatcherErrors', fanOut.dispatcher, 'the dispatcher failed: a scheduled job was not queued');
    alarms.onMessages(
      'FailedUnitsMessages',
      fanOut.failureQueue,
      'a report failed for good: the message in the FailedUnits queue names the app, job, period and reason',
    );
    alarms.onMessages(
      'FunctionDlqMessages',
      fanOut.functionDeadLetterQueue,
      'a dispatcher invocation failed even after its retries',
    );
    alarms.onMessages('SchedulerDlqMessages', schedules.deadLetterQueue, 'the Scheduler could not invoke the function');
    if (this.compaction) {
      alarms.onErrors(
        'CompactionErrors',
        this.compaction.function,
        'the compaction failed: the curated layer lags behind raw (queries stay right, only slower); its log says why',
      );
      alarms.onMessages(
        'CompactionDlqMessages',
        this.compaction.deadLetterQueue,
        'a compaction request failed five times: see the compaction function log',
      );
    }

    this.parts = { archive, state, fanOut, schedules, alarms, network, platform };
    keepLogicalIdsThroughParts(
      this,
      [archive, state, fanOut, schedules, alarms, network, platform].filter((p) => p !== undefined),
    );
    this.acknowledgeIntendedWildcards(stack, prefix);
  }

  /**
   * Acknowledges AwsSolutions-IAM5 for exactly the wildcards granted on purpose, each with its
   * reason: a wildcard someone adds later still fails `cdk synth`.
   */
  private acknowledgeIntendedWildcards(stack: Stack, prefix: string): void {
    const logicalIdOf = (fn: lambda.Function) =>
      stack.resolve((fn.node.defaultChild as lambda.CfnFunction).logicalId) as string;
    const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const invokedByScheduler = (fn: lambda.Function, what: string) => ({
      kind: 'Resource' as const,
      pattern: new RegExp(`^<${logicalIdOf(fn)}\\.Arn>:\\*$`),
      reason: `The Scheduler may invoke ${what} and its versions; CDK grants the function ARN with ":*".`,
    });
    Aspects.of(this).add(
      new AcknowledgeExpectedWildcards([
        {
          kind: 'Resource',
          pattern: new RegExp(`/${escapeRegExp(prefix)}raw/\\*$`),
          reason: 'One object per app, API and period under the raw/ prefix (WeChat bodies) of the archive bucket.',
        },
        {
          kind: 'Resource',
          pattern: new RegExp(`/${escapeRegExp(prefix)}(curated|provenance)/\\*$`),
          reason:
            'The compaction reads the provenance sidecars of an archive synced from a local folder and writes one Parquet file and manifest per table and month under curated/.',
        },
        {
          kind: 'Resource',
          pattern: new RegExp(`/${escapeRegExp(prefix)}replaced/\\*$`),
          reason:
            'One note per replaced answer under the replaced/ prefix of the archive bucket, for the compacted layer.',
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
        invokedByScheduler(this.dispatcher, 'the dispatcher'),
        ...(this.platform
          ? [invokedByScheduler(this.platform.function, 'the platform function (the daily discovery)')]
          : []),
        {
          kind: 'Action',
          pattern: /^kms:(GenerateDataKey|ReEncrypt)\*$/,
          reason: 'The actions CDK grants for using the archive bucket key (encrypt and decrypt archive objects).',
        },
      ]),
    );
  }
}
