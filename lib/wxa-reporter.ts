import { Aspects, Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import * as z from 'zod';
import {
  type DeploymentConfig,
  DeploymentConfigError,
  type DeploymentConfigInput,
  parseDeploymentConfig,
} from '../lambda/config/deployment-config.js';
import { ArchiveAnalytics } from './archive-analytics.js';
import { handlerCode } from './lambda-bundle.js';
import { AcknowledgeExpectedWildcards } from './scoped-wildcards.js';

/** Lambda environment variables are limited to 4 KB in all; the config (apps in it are only a seed) must leave room. */
const MAX_CONFIG_BYTES = 3_300;

/**
 * Units of work in flight at once, by default. WeChat's limits are per Mini Program (each app has its
 * own quota and minute limit), so they do not bind across apps; what does is the email provider: SES
 * starts accounts at 14 messages a second and most SMTP providers allow about 10 connections, and a
 * unit takes about a second. 10 keeps under both, and 1,000 apps still finish in a few minutes.
 */
export const DEFAULT_CONCURRENCY = 10;

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
  /** The worker's timeout, per unit of work (one app's report). @default 3 minutes */
  readonly timeout?: Duration;
  /** The worker's memory. @default 512 */
  readonly memorySize?: number;
  /** Units of work (apps) processed at once: the SQS event source's maximum concurrency (2–1000). @default 10 */
  readonly concurrency?: number;
  /**
   * SQL over the archive in Athena: a Glue database with a table and a view per API, a workgroup with
   * a results bucket and a scan limit, named queries. `false` to leave it out.
   * @default { databaseName: 'wxa_reporter', bytesScannedCutoffPerQuery: 1 GB }
   */
  readonly analytics?: false | { readonly databaseName?: string; readonly bytesScannedCutoffPerQuery?: number };
  /**
   * A fixed egress IP for Mini Programs and platforms whose IP whitelist rejects Lambda's changing
   * addresses (errcode 40164, 61004): the worker runs in a VPC whose only way out is a NAT gateway
   * with an Elastic IP (the `EgressIp` output, to whitelist). Costs ≈ $36 a month (see the README).
   * @default false
   */
  readonly fixedEgressIp?: boolean;
}

const propsSchema = z.object({
  alarmEmail: z.email({ message: 'is not an email address' }).optional(),
  encryption: z.enum(['S3_MANAGED', 'KMS']).optional(),
  memorySize: z.number().int().min(128).max(10240).optional(),
  concurrency: z.number().int().min(2, 'must be at least 2 (the SQS event source minimum)').max(1000).optional(),
});

/**
 * Scheduled WeChat Mini Program reports for one app or thousands. Three EventBridge Scheduler
 * schedules (daily, monthly, retries, in the configured time zone) invoke a short dispatcher that
 * pages through the app registry (DynamoDB) and puts one message per (app, job, period) on an SQS
 * queue; a worker function consumes it with bounded concurrency, fetches, archives to S3 and
 * notifies, each channel exactly once through the ledger (DynamoDB). Failed units land in a
 * dead-letter queue with their reason; alarms go to SNS. Credentials stay in SSM Parameter Store.
 */
export class WxaReporter extends Construct {
  readonly config: DeploymentConfig;
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
   * (tickets, authorization events) that also runs the daily discovery, its URL, and the table of
   * the platform's shared tokens.
   */
  readonly platform?: {
    readonly function: lambda.Function;
    readonly url: lambda.FunctionUrl;
    readonly table: dynamodb.Table;
    readonly discoverySchedule: scheduler.Schedule;
  };
  /** Athena and Glue over the archive, unless `analytics: false`. */
  readonly analytics?: ArchiveAnalytics;
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
        `the config is ${Buffer.byteLength(serialisedConfig)} bytes; Lambda environments hold 4 KB: move the apps into the registry ("wxa-report apps add") and keep cdk.json for settings`,
      );
    }
    const stack = Stack.of(this);
    const prefix = this.config.archivePrefix;

    this.bucket = props.bucket ?? this.createBucket(props.encryption ?? 'S3_MANAGED');
    if (props.analytics !== false) {
      this.analytics = new ArchiveAnalytics(this, 'Analytics', {
        bucket: this.bucket,
        prefix,
        databaseName: props.analytics?.databaseName,
        bytesScannedCutoffPerQuery: props.analytics?.bytesScannedCutoffPerQuery,
        accessLogsBucket: this.accessLogsBucket,
      });
    }

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

    this.appsTable = this.stateTable('Apps', {
      partitionKey: { name: 'name', type: dynamodb.AttributeType.STRING },
      // The registry is the users' data: it outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.ledgerTable = this.stateTable('Ledger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'ttl',
      // Losing the ledger would let a re-run send reports a second time.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const workerTimeout = props.timeout ?? Duration.minutes(3);
    this.failureQueue = this.deadLetterQueue('FailedUnits', 'units of work that failed for good');
    this.workQueue = new sqs.Queue(this, 'WorkQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for a Lambda event source: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(workerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      // The worker records its own failures after MAX_ATTEMPTS; this catches crashes and timeouts.
      deadLetterQueue: { queue: this.failureQueue, maxReceiveCount: 5 },
    });

    const environment = {
      WXA_CONFIG: serialisedConfig,
      WXA_ARCHIVE_BUCKET: this.bucket.bucketName,
      WXA_APPS_TABLE: this.appsTable.tableName,
      WXA_LEDGER_TABLE: this.ledgerTable.tableName,
      WXA_QUEUE_URL: this.workQueue.queueUrl,
      WXA_FAILURE_QUEUE_URL: this.failureQueue.queueUrl,
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'wxa-reporter',
      POWERTOOLS_METRICS_NAMESPACE: 'WxaReporter',
    };

    const dispatcherRole = this.functionRole(
      'DispatcherRole',
      'wxa-reporter dispatcher: read the registry and ledger, queue units',
      logGroup,
    );
    this.dispatcher = this.reporterFunction('Dispatcher', {
      entry: 'dispatch-handler.ts',
      role: dispatcherRole,
      logGroup,
      environment,
      memorySize: 256,
      timeout: Duration.minutes(5),
      description: 'wxa-reporter: enumerates the apps and queues one unit of work per app, job and period',
      invokedAsync: true,
    });
    this.grantStores(dispatcherRole);

    const role = this.functionRole(
      'Role',
      'wxa-reporter worker: read its SSM parameters, write its archive, send its reports',
      logGroup,
    );
    const { role: platformRole, table: platformTable } = this.platformState(logGroup);
    const network = props.fixedEgressIp
      ? this.egressNetwork([role, platformRole].filter((r) => r !== undefined))
      : undefined;
    const workerEnvironment = platformTable
      ? { ...environment, WXA_PLATFORM_TABLE: platformTable.tableName }
      : environment;
    this.function = this.reporterFunction('Function', {
      entry: 'worker-handler.ts',
      role,
      logGroup,
      environment: workerEnvironment,
      memorySize: props.memorySize ?? 512,
      timeout: workerTimeout,
      description: 'wxa-reporter: one app report (fetch, archive, notify once per channel) per queued unit',
      vpc: network?.vpc,
      vpcSubnets: network?.vpcSubnets,
      securityGroups: network?.securityGroups,
    });
    // Lambda checks the network-interface permissions when it creates the function.
    if (network) this.function.node.addDependency(network.permissions);
    this.function.addEventSource(
      new eventSources.SqsEventSource(this.workQueue, {
        // One unit per invocation: a slow or stuck app never holds up another's message.
        batchSize: 1,
        maxConcurrency: props.concurrency ?? DEFAULT_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );
    this.grantStores(role);
    // The worker's backoff between a unit's tries hides the message for longer.
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:ChangeMessageVisibility'], resources: [this.workQueue.queueArn] }),
    );

    this.grantArchive(role, prefix);
    this.grantParameters(role, stack, props.parameterKey);
    platformTable?.grantReadWriteData(role);
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
      description: 'wxa-reporter: lets EventBridge Scheduler invoke the dispatcher',
    });
    const schedule = (name: 'Daily' | 'Monthly' | 'Retry', expression: string, job: 'daily' | 'monthly' | 'retry') =>
      new scheduler.Schedule(this, `${name}Schedule`, {
        description: `wxa-reporter ${job} (${expression} ${this.config.schedule.timeZone})`,
        schedule: scheduler.ScheduleExpression.expression(expression, zone),
        target: new targets.LambdaInvoke(this.dispatcher, {
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

    if (platformRole && platformTable) {
      this.platform = this.platformFunction({
        role: platformRole,
        table: platformTable,
        logGroup,
        environment: workerEnvironment,
        network,
        zone,
        schedulerRole,
        parameterKey: props.parameterKey,
      });
    }

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
      'the worker function itself failed (crash or timeout)',
    );
    if (this.platform) {
      this.alarm(
        'PlatformErrors',
        this.platform.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        'the platform function failed: a push was not taken or the discovery did not run',
      );
    }
    this.alarm(
      'DispatcherErrors',
      this.dispatcher.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'the dispatcher failed: a scheduled job was not queued',
    );
    this.alarm(
      'FailedUnitsMessages',
      this.dlqDepth(this.failureQueue),
      'a report failed for good: the message in the FailedUnits queue names the app, job, period and reason',
    );
    this.alarm(
      'FunctionDlqMessages',
      this.dlqDepth(this.functionDeadLetterQueue),
      'a dispatcher invocation failed even after its retries',
    );
    this.alarm(
      'SchedulerDlqMessages',
      this.dlqDepth(this.schedulerDeadLetterQueue),
      'the Scheduler could not invoke the function',
    );

    const functionLogicalId = stack.resolve(
      (this.dispatcher.node.defaultChild as lambda.CfnFunction).logicalId,
    ) as string;
    const platformLogicalId = this.platform
      ? (stack.resolve((this.platform.function.node.defaultChild as lambda.CfnFunction).logicalId) as string)
      : undefined;
    const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    Aspects.of(this).add(
      new AcknowledgeExpectedWildcards([
        {
          kind: 'Resource',
          pattern: new RegExp(`/${escapeRegExp(prefix)}raw/\\*$`),
          reason: 'One object per app, API and period under the raw/ prefix (WeChat bodies) of the archive bucket.',
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
          reason: 'The Scheduler may invoke the dispatcher and its versions; CDK grants the function ARN with ":*".',
        },
        ...(platformLogicalId
          ? [
              {
                kind: 'Resource' as const,
                pattern: new RegExp(`^<${platformLogicalId}\\.Arn>:\\*$`),
                reason:
                  'The Scheduler may invoke the platform function (the daily discovery) and its versions; CDK grants the function ARN with ":*".',
              },
            ]
          : []),
        {
          kind: 'Action',
          pattern: /^kms:(GenerateDataKey|ReEncrypt)\*$/,
          reason: 'The actions CDK grants for using the archive bucket key (encrypt and decrypt archive objects).',
        },
      ]),
    );
  }

  /** The platform function's role and the table of the platform's shared tokens, with `component` configured. */
  private platformState(logGroup: logs.LogGroup): { role?: iam.Role; table?: dynamodb.Table } {
    if (!this.config.component) return {};
    const role = this.functionRole(
      'PlatformRole',
      'wxa-reporter platform: take WeChat pushes, store the ticket, keep the registry in step',
      logGroup,
    );
    const table = this.stateTable('PlatformState', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'ttl',
      // Tokens expire within hours and refresh tokens are on WeChat's authorizer list: nothing to keep.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return { role, table };
  }

  /**
   * The function behind the platform's authorization event URL (a Function URL WeChat pushes to),
   * which also runs the daily discovery: it alone writes the ticket and the registry.
   */
  private platformFunction(options: {
    role: iam.Role;
    table: dynamodb.Table;
    logGroup: logs.LogGroup;
    environment: Record<string, string>;
    network?: {
      vpc: ec2.IVpc;
      vpcSubnets: ec2.SubnetSelection;
      securityGroups: ec2.ISecurityGroup[];
      permissions: iam.Policy;
    };
    zone: TimeZone;
    schedulerRole: iam.Role;
    parameterKey?: kms.IKey;
  }): NonNullable<WxaReporter['platform']> {
    const { role: platformRole, table: platformTable, logGroup, network, zone, schedulerRole, parameterKey } = options;
    const stack = Stack.of(this);
    const platformFunction = this.reporterFunction('Platform', {
      entry: 'platform-handler.ts',
      role: platformRole,
      logGroup,
      environment: options.environment,
      memorySize: 256,
      timeout: Duration.minutes(5),
      description:
        "wxa-reporter: the platform's authorization event URL (tickets, authorization events) and its daily discovery",
      vpc: network?.vpc,
      vpcSubnets: network?.vpcSubnets,
      securityGroups: network?.securityGroups,
    });
    if (network) platformFunction.node.addDependency(network.permissions);
    // WeChat calls it without AWS credentials: every push is authenticated by its msg_signature
    // and AES decryption with the platform's keys, and replays are refused.
    const url = platformFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    this.appsTable.grantReadWriteData(platformRole);
    this.ledgerTable.grantReadData(platformRole);
    platformTable.grantReadWriteData(platformRole);
    this.grantParameters(platformRole, stack, parameterKey);
    const ticketParameter = stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: `${this.config.parameterPrefix.slice(1)}component/verify-ticket`,
    });
    platformRole.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: [ticketParameter] }));
    platformRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [parameterKey?.keyArn ?? stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
        conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` } },
      }),
    );
    const discoverySchedule = new scheduler.Schedule(this, 'DiscoverSchedule', {
      description: `wxa-reporter discovery of the platform's authorizers (${this.config.schedule.discover} ${this.config.schedule.timeZone})`,
      schedule: scheduler.ScheduleExpression.expression(this.config.schedule.discover, zone),
      target: new targets.LambdaInvoke(platformFunction, {
        role: schedulerRole,
        input: scheduler.ScheduleTargetInput.fromObject({ job: 'discover' }),
        deadLetterQueue: this.schedulerDeadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
    return { function: platformFunction, url, table: platformTable, discoverySchedule };
  }

  /**
   * A VPC whose private subnets leave through one NAT gateway with an Elastic IP, and gateway
   * endpoints for S3 and DynamoDB (free, and they keep that traffic off the NAT's per-GB charge).
   */
  private egressNetwork(roles: iam.Role[]): {
    vpc: ec2.IVpc;
    vpcSubnets: ec2.SubnetSelection;
    securityGroups: ec2.ISecurityGroup[];
    permissions: iam.Policy;
  } {
    const eip = new ec2.CfnEIP(this, 'EgressIp', {
      domain: 'vpc',
      tags: [{ key: 'Name', value: 'wxa-reporter egress' }],
    });
    (this as { egressIp?: ec2.CfnEIP }).egressIp = eip;
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: [eip.attrAllocationId] }),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'worker', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'FlowLogs', {
              retention: logs.RetentionDays.ONE_MONTH,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });
    const securityGroup = new ec2.SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc,
      description: 'wxa-reporter worker: outbound HTTPS only',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'WeChat, AWS APIs, webhooks');
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(465), 'SMTP over TLS');
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(587), 'SMTP with STARTTLS');
    // What Lambda needs to put its network interfaces in the VPC, in a policy of its own (not the
    // managed one) so that only this wildcard is acknowledged: a wildcard elsewhere still fails synth.
    const interfaces = new iam.Policy(this, 'VpcNetworkInterfaces', {
      roles,
      statements: [
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(interfaces).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "Lambda's network interfaces in the VPC: EC2 does not scope DescribeNetworkInterfaces to a resource, and the interfaces' ids are Lambda's.",
    });
    return {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      permissions: interfaces,
    };
  }

  /** Both functions read the registry, read and write the ledger, and queue units and failure records. */
  private grantStores(role: iam.Role): void {
    this.appsTable.grantReadData(role);
    this.ledgerTable.grantReadWriteData(role);
    this.workQueue.grantSendMessages(role);
    this.failureQueue.grantSendMessages(role);
  }

  /** A table of the reporter's state: on-demand, point-in-time recovery, encrypted with the AWS-managed key. */
  private stateTable(
    id: string,
    props: Pick<dynamodb.TableProps, 'partitionKey' | 'sortKey' | 'timeToLiveAttribute' | 'removalPolicy'>,
  ): dynamodb.Table {
    return new dynamodb.Table(this, id, {
      ...props,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
  }

  private functionRole(id: string, description: string, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    return role;
  }

  private reporterFunction(
    id: string,
    options: {
      entry: string;
      role: iam.Role;
      logGroup: logs.LogGroup;
      environment: Record<string, string>;
      memorySize: number;
      timeout: Duration;
      description: string;
      invokedAsync?: boolean;
      vpc?: ec2.IVpc;
      vpcSubnets?: ec2.SubnetSelection;
      securityGroups?: ec2.ISecurityGroup[];
    },
  ): lambda.Function {
    return new lambda.Function(this, id, {
      code: handlerCode(options.entry),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: options.memorySize,
      timeout: options.timeout,
      role: options.role,
      logGroup: options.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: options.description,
      environment: options.environment,
      vpc: options.vpc,
      vpcSubnets: options.vpcSubnets,
      securityGroups: options.securityGroups,
      // Async invocations (the Scheduler's, of the dispatcher): retried twice, then kept in a DLQ and alarmed.
      ...(options.invokedAsync
        ? {
            retryAttempts: 2,
            maxEventAge: Duration.hours(6),
            onFailure: new destinations.SqsDestination(this.functionDeadLetterQueue),
          }
        : {}),
    });
  }

  private accessLogsBucket?: s3.Bucket;

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
    this.accessLogsBucket = accessLogs;
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
    const areas = [`${prefix}raw/*`];
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
