import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../../lambda/config/deployment-config.js';
import { availability, GIVE_THE_STACK_A_REGION, refuse, regionsWithout, warnAboutRegion } from '../regions.js';
import type { ReporterArchive } from './archive.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import type { ReporterEgressNetwork } from './egress-network.js';
import { functionRole, grantParameters, reporterFunction } from './reporter-function.js';
import type { ReporterStateTables } from './state-tables.js';

/**
 * SES where the worker runs: refused in a region without it (the worker would call an endpoint that
 * does not exist), a warning where the region is not known at synth or not known to this version.
 */
function checkSesIn(scope: Construct): void {
  const stack = Stack.of(scope);
  const ses = availability(stack, 'ses');
  const china = stack.region.startsWith('cn-');
  if (ses === 'not-offered')
    refuse(
      stack,
      'email.transport "ses"',
      'ses',
      china
        ? 'use "smtp" (Tencent Exmail, Aliyun DirectMail, QQ or 163 mail: see "Deploy in the AWS China regions" in the README)'
        : 'use "smtp": any provider, or the SMTP interface of SES in a region that has it (email-smtp.ap-southeast-1.amazonaws.com:465)',
    );
  if (ses === 'region-unset')
    warnAboutRegion(
      scope,
      'sesRegion',
      `the region is not known at synth and email.transport is "ses": SES is not offered in ${regionsWithout('ses')}, and deployed there every email fails when sent (recorded as failed, alarmed): ${GIVE_THE_STACK_A_REGION}, or use "smtp" there`,
    );
  if (ses === 'region-unknown')
    warnAboutRegion(
      scope,
      'sesNewRegion',
      `${stack.region} is not among the regions this version knows, so whether it offers SES is not known: if AWS's SES endpoints do not list it, every email fails when sent; use "smtp" there`,
    );
}

/**
 * Units of work in flight at once, by default. WeChat's limits are per Mini Program (each app has its
 * own quota and minute limit), so they do not bind across apps; what does is the email provider: SES
 * starts accounts at 14 messages a second and most SMTP providers allow about 10 connections, and a
 * unit takes about a second. 10 keeps under both, and 1,000 apps still finish in a few minutes.
 */
export const DEFAULT_CONCURRENCY = 10;

export interface ReporterFanOutProps {
  /** The validated configuration; the functions get it as `WXA_CONFIG`. */
  readonly config: DeploymentConfig;
  /** The deployment's name: the service its logs and metrics are tagged with. */
  readonly name: string;
  readonly archive: ReporterArchive;
  readonly state: ReporterStateTables;
  /** The KMS key of the SecureString parameters. @default the AWS-managed aws/ssm key */
  readonly parameterKey?: kms.IKey;
  /** Run the worker in this network (a fixed egress IP). @default outside any VPC */
  readonly network?: ReporterEgressNetwork;
  /** The worker's timeout, per unit of work (one app's report). @default 3 minutes */
  readonly timeout?: Duration;
  /** The worker's memory, MB. @default 512 */
  readonly memorySize?: number;
  /** Units of work processed at once: the SQS event source's maximum concurrency (2–1000). @default 10 */
  readonly concurrency?: number;
  /** How long the functions' log group keeps their logs. @default one month */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The construct id of the worker's SQS event source. Lambda refuses a second mapping of the same
   * queue and function, so an update must keep the one it has.
   * @default `SqsEventSource:<the work queue's unique id>`, as CDK's SqsEventSource names it
   */
  readonly eventSourceId?: string;
}

/**
 * The queue and its workers: a dispatcher (what the schedules invoke) pages through the registry
 * and the ledger and puts one message per (app, job, period) on an SQS queue; the worker takes one
 * message per invocation with bounded concurrency, fetches, archives and notifies. Units that fail
 * for good land in the failed-units queue with their reason; dispatcher invocations that fail even
 * after Lambda's retries land in the function dead-letter queue. All functions log JSON lines to
 * one log group.
 */
export class ReporterFanOut extends Construct {
  readonly logGroup: logs.LogGroup;
  readonly workQueue: sqs.Queue;
  /** Units that failed for good, each with app, job, period and reason (and any SQS gave up on). */
  readonly failureQueue: sqs.Queue;
  /** Failed asynchronous invocations of the dispatcher (after Lambda's retries). */
  readonly functionDeadLetterQueue: sqs.Queue;
  /** What the schedules invoke: enumerates the apps and queues the units. */
  readonly dispatcher: lambda.Function;
  /** One unit of work (an app's report) per SQS message. */
  readonly worker: lambda.Function;
  /** The variables every function of the deployment gets (the platform function too). */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ReporterFanOutProps) {
    super(scope, id);
    const { archive, state, config } = props;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.functionDeadLetterQueue = deadLetterQueue(
      this,
      'FunctionDlq',
      'failed Lambda invocations (after async retries)',
    );

    const workerTimeout = props.timeout ?? Duration.minutes(3);
    this.failureQueue = deadLetterQueue(this, 'FailedUnits', 'units of work that failed for good');
    this.workQueue = new sqs.Queue(this, 'WorkQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for a Lambda event source: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(workerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      // The worker records its own failures after MAX_ATTEMPTS; this catches crashes and timeouts.
      deadLetterQueue: { queue: this.failureQueue, maxReceiveCount: 5 },
    });

    const environment: Record<string, string> = {
      WXA_CONFIG: JSON.stringify(config),
      WXA_ARCHIVE_BUCKET: archive.bucket.bucketName,
      WXA_APPS_TABLE: state.appsTable.tableName,
      WXA_LEDGER_TABLE: state.ledgerTable.tableName,
      WXA_QUEUE_URL: this.workQueue.queueUrl,
      WXA_FAILURE_QUEUE_URL: this.failureQueue.queueUrl,
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: props.name,
      POWERTOOLS_METRICS_NAMESPACE: 'WxaReporter',
    };
    this.environment = state.platformTable
      ? { ...environment, WXA_PLATFORM_TABLE: state.platformTable.tableName }
      : environment;

    const dispatcherRole = functionRole(
      this,
      'DispatcherRole',
      'wxa-reporter dispatcher: read the registry and ledger, queue units',
      this.logGroup,
    );
    this.dispatcher = reporterFunction(this, 'Dispatcher', {
      entry: 'dispatch-handler.ts',
      role: dispatcherRole,
      logGroup: this.logGroup,
      environment,
      memorySize: 256,
      timeout: Duration.minutes(5),
      description: 'wxa-reporter: enumerates the apps and queues one unit of work per app, job and period',
      asyncFailures: this.functionDeadLetterQueue,
    });
    this.grantStores(dispatcherRole, state);

    const role = functionRole(
      this,
      'Role',
      'wxa-reporter worker: read its SSM parameters, write its archive, send its reports',
      this.logGroup,
    );
    props.network?.allowInterfaces(role);
    this.worker = reporterFunction(this, 'Function', {
      entry: 'worker-handler.ts',
      role,
      logGroup: this.logGroup,
      environment: { ...this.environment },
      memorySize: props.memorySize ?? 512,
      timeout: workerTimeout,
      description: 'wxa-reporter: one app report (fetch, archive, notify once per channel) per queued unit',
      network: props.network,
    });
    this.grantStores(role, state);
    // The worker's backoff between a unit's tries hides the message for longer.
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:ChangeMessageVisibility'], resources: [this.workQueue.queueArn] }),
    );
    archive.grantRaw(role, config.archivePrefix);
    grantParameters(role, config.parameterPrefix, props.parameterKey);
    state.platformTable?.grantReadWriteData(role);
    // One unit per invocation: a slow or stuck app never holds up another's message.
    this.worker.addEventSourceMapping(
      props.eventSourceId ?? `SqsEventSource:${Names.nodeUniqueId(this.workQueue.node)}`,
      {
        eventSourceArn: this.workQueue.queueArn,
        batchSize: 1,
        maxConcurrency: props.concurrency ?? DEFAULT_CONCURRENCY,
        reportBatchItemFailures: true,
      },
    );
    this.workQueue.grantConsumeMessages(role);
    if (config.email?.transport === 'ses') {
      checkSesIn(this);
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [
            Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: config.email.identity }),
          ],
        }),
      );
    }
  }

  /** Both functions read the registry, read and write the ledger, and queue units and failure records. */
  private grantStores(role: iam.Role, state: ReporterStateTables): void {
    state.appsTable.grantReadData(role);
    state.ledgerTable.grantReadWriteData(role);
    this.workQueue.grantSendMessages(role);
    this.failureQueue.grantSendMessages(role);
  }
}
