import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeploymentConfigError } from '../../lambda/config/deployment-config.js';
import { partitionColumns, SQL_TABLES } from '../../lambda/sql/tables.js';
import { WxaReporterStack } from '../../lib/wxa-reporter-stack.js';
import {
  buildStack,
  CONFIG,
  PLATFORM_CONFIG,
  resourceNamed,
  SINGAPORE,
  type TemplateResource,
} from './stack-fixture.js';

let template: Template;
beforeAll(() => {
  template = Template.fromStack(buildStack().stack);
});

type Resource = TemplateResource;
/** The one resource of a type whose logical ID starts with `prefix`. */
const named = (type: string, prefix: string): Resource => resourceNamed(template, type, prefix);
const worker = () => named('AWS::Lambda::Function', 'ReporterFunction');
const dispatcher = () => named('AWS::Lambda::Function', 'ReporterDispatcher');

describe('the archive bucket', () => {
  it('is private, SSL-only, SSE-S3 encrypted, versioned, logged and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'archive/' }),
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('keeps every object in Standard (they are under the 128 KB S3 transitions), expiring only old versions and stale uploads', () => {
    const rules = (named('AWS::S3::Bucket', 'ReporterArchive').Properties.LifecycleConfiguration as { Rules: object[] })
      .Rules;

    expect(rules).toEqual([
      {
        Id: 'archive-housekeeping',
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: 90 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      },
    ]);
    expect(JSON.stringify(template.findResources('AWS::S3::Bucket'))).not.toMatch(/StorageClass|Transition/);
  });

  it('can use a bucket the user already has, granting only its raw/ prefix', () => {
    const { app } = buildStack();
    const own = new Stack(app, 'Own', { env: { account: '123456789012', region: 'ap-east-1' } });
    const byo = Template.fromStack(
      new WxaReporterStack(app, 'Byo', {
        env: { account: '123456789012', region: 'ap-east-1' },
        // A second deployment beside buildStack's, in its account and region: a name of its own.
        name: 'wxa-reporter-byo',
        config: { ...CONFIG, archivePrefix: 'wxa/' },
        bucket: s3.Bucket.fromBucketName(own, 'Existing', 'my-data-lake'),
      }),
    );

    // Only the Athena results bucket: the archive is theirs.
    byo.resourceCountIs('AWS::S3::Bucket', 1);
    expect(JSON.stringify(byo.findResources('AWS::IAM::Policy'))).toContain(':s3:::my-data-lake/wxa/raw/*');
    expect(JSON.stringify(byo.findResources('AWS::IAM::Policy'))).not.toContain(':s3:::my-data-lake/wxa/state/*');
  });

  it('uses a rotating customer key when asked for KMS', () => {
    const kms = Template.fromStack(buildStack({ encryption: 'KMS' }).stack);

    kms.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    kms.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
          },
        ],
      },
    });
  });
});

describe('the functions', () => {
  it('run Node 24 on ARM64 with an explicit log group, JSON logs and no logRetention custom resource', () => {
    for (const fn of [worker(), dispatcher()]) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/^ReporterLogs/) } },
      });
    }
    expect(worker().Properties).toMatchObject({ MemorySize: 512, Timeout: 180 });
    expect(dispatcher().Properties).toMatchObject({ MemorySize: 256, Timeout: 300 });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.resourceCountIs('Custom::LogRetention', 0);
  });

  it('get the config, bucket, tables and queues in their environment, and no secret', () => {
    const env = (worker().Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const config = JSON.parse(env.WXA_CONFIG as string);

    expect(config.apps.map((a: { name: string }) => a.name)).toEqual(['shop', 'coffee']);
    expect(env.WXA_ARCHIVE_BUCKET).toEqual({ Ref: expect.stringMatching(/^ReporterArchive/) });
    expect(env.WXA_APPS_TABLE).toEqual({ Ref: expect.stringMatching(/^ReporterApps/) });
    expect(Object.keys(env).sort()).toEqual(
      [
        'NODE_OPTIONS',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'WXA_APPS_TABLE',
        'WXA_ARCHIVE_BUCKET',
        'WXA_CONFIG',
        'WXA_FAILURE_QUEUE_URL',
        'WXA_LEDGER_TABLE',
        'WXA_QUEUE_URL',
      ].sort(),
    );
    expect(dispatcher().Properties.Environment).toEqual(worker().Properties.Environment);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/secret"\s*:\s*"[^"]|smtps?:\/\/[^"]*@/i);
  });

  it('retries async invocations of the dispatcher twice, then sends them to an encrypted, SSL-only DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^ReporterDispatcher') },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReporterFunctionDlq'), 'Arn'] } },
      },
    });
    template.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 },
      3,
    );
  });
});

describe('the fan-out', () => {
  it('feeds the worker one unit per invocation from the work queue, at most 10 at once, with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^ReporterFunction') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReporterWorkQueue'), 'Arn'] },
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 10 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('takes its concurrency from the props', () => {
    const custom = Template.fromStack(buildStack({ concurrency: 40 }).stack);

    custom.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 40 } });
    expect(() => buildStack({ concurrency: 1 })).toThrow(/concurrency must be at least 2/);
  });

  it('hides a message six worker timeouts long and moves it to the failed-units queue after 5 receipts', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 1080,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReporterFailedUnits'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
  });

  it('keeps the registry and the ledger in on-demand tables with point-in-time recovery, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('the schedules', () => {
  it.each([
    ['daily', 'cron(0 10 * * ? *)'],
    ['monthly', 'cron(30 10 2 * ? *)'],
    ['retry', 'cron(0 11-18 * * ? *)'],
  ])('%s runs at %s in Asia/Shanghai, with a DLQ and retries', (job, expression) => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReporterDispatcher'), 'Arn'] },
        Input: JSON.stringify({ job }),
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReporterSchedulerDlq'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      },
    });
  });

  it('follows a configured time zone and times', () => {
    const custom = Template.fromStack(
      buildStack({ config: { ...CONFIG, schedule: { timeZone: 'Asia/Hong_Kong', daily: 'cron(15 9 * * ? *)' } } })
        .stack,
    );

    custom.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 9 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Hong_Kong',
    });
  });
});

describe('alarms', () => {
  it('alarm on function errors, failed units and both DLQs, to an SSL-only topic with the email subscribed', () => {
    for (const metric of ['Errors', 'ApproximateNumberOfMessagesVisible']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^ReporterAlarms') }],
      });
    }
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('least privilege', () => {
  const statementsOf = (rolePrefix: string) => {
    const policies = template.findResources('AWS::IAM::Policy');
    const policy = Object.values(policies).find((p) =>
      JSON.stringify((p as Resource).Properties.Roles).includes(rolePrefix),
    ) as Resource;
    return (
      policy.Properties.PolicyDocument as {
        Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
      }
    ).Statement;
  };

  it('lets the function read parameters under the prefix only, and decrypt only through SSM', () => {
    const statements = statementsOf('ReporterRole');
    const ssm = statements.find((s) => JSON.stringify(s.Action).includes('ssm:GetParametersByPath'));
    const kms = statements.find((s) => s.Action === 'kms:Decrypt');

    expect(JSON.stringify(ssm?.Resource)).toContain(':parameter/wxa-reporter/*');
    expect(JSON.stringify(ssm?.Resource)).not.toMatch(/parameter\/\*/);
    expect(kms?.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'ssm.ap-east-1.amazonaws.com' } });
  });

  it('lets the worker get and put objects under raw/ only', () => {
    const statements = statementsOf('ReporterRole');
    const objects = statements.find(
      (s) => JSON.stringify(s.Action) === JSON.stringify(['s3:GetObject', 's3:PutObject']),
    );
    const list = statements.find((s) => s.Action === 's3:ListBucket');

    expect(JSON.stringify(objects?.Resource)).toMatch(/\/raw\/\*/);
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': ['raw/*'] } });
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('s3:*');
  });

  it('has no SES permission unless SES is the transport, and then only for its identity', () => {
    expect(JSON.stringify(statementsOf('ReporterRole'))).not.toContain('ses:');

    const ses = Template.fromStack(
      buildStack({
        env: SINGAPORE,
        config: { ...CONFIG, email: { transport: 'ses', from: 'r@mail.example.com', identity: 'mail.example.com' } },
      }).stack,
    );
    ses.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['ses:SendEmail', 'ses:SendRawEmail'],
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':ses:ap-southeast-1:123456789012:identity/mail.example.com'],
              ],
            },
          },
        ]),
      },
    });
  });

  it('lets only the Scheduler, from this account, invoke the function', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          },
        ],
      },
    });
  });

  it('uses an inline policy for logs, not the AWS managed basic execution role', () => {
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).not.toContain('AWSLambdaBasicExecutionRole');
  });
});

describe('configuration errors fail synth with the field named', () => {
  it.each([
    [
      { config: { ...CONFIG, apps: [{ name: 'shop', recipients: ['nope'] }] } },
      /apps\.0\.recipients\.0 is not an email address/,
    ],
    [{ config: { ...CONFIG, apps: [{ name: 'shop', webhooks: ['teams'] }] } }, /apps\.0\.webhooks\.0 must be one of/],
    [{ config: { ...CONFIG, schedule: { daily: 'cron(0 10 * * *)' } } }, /schedule\.daily must be an EventBridge cron/],
    [{ config: { ...CONFIG, schedule: { timeZone: 'China/Beijing' } } }, /schedule\.timeZone is not an IANA time zone/],
    [{ alarmEmail: 'oncall' }, /alarmEmail is not an email address/],
  ])('%#', (overrides, message) => {
    expect(() => buildStack(overrides as never)).toThrow(DeploymentConfigError);
    expect(() => buildStack(overrides as never)).toThrow(message);
  });

  it('refuses a seed too large for the Lambda environment, saying what to do', () => {
    const apps = Array.from({ length: 80 }, (_, i) => ({
      name: `mini-program-${i}`,
      recipients: [`team-${i}@example.com`],
    }));

    expect(() => buildStack({ config: { ...CONFIG, apps } })).toThrow(/move the apps into the registry/);
  });
});

describe('SQL over the archive (Athena and Glue)', () => {
  type GlueTable = { Properties: { TableInput: Record<string, unknown> } };
  const tables = () => Object.values(template.findResources('AWS::Glue::Table')) as GlueTable[];
  const tableNamed = (name: string) => tables().find((t) => t.Properties.TableInput.Name === name);

  it('has a raw table, a curated table and a view per API, in one database', () => {
    const names = tables().map((t) => t.Properties.TableInput.Name as string);

    expect(names.filter((n) => !n.endsWith('_raw') && !n.endsWith('_curated')).sort()).toEqual(
      SQL_TABLES.map((t) => t.name).sort(),
    );
    expect(names.filter((n) => n.endsWith('_raw'))).toHaveLength(SQL_TABLES.length);
    expect(names.filter((n) => n.endsWith('_curated'))).toHaveLength(SQL_TABLES.length);
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'wxa_reporter' } });
  });

  it('projects partitions from the layout: no crawler, no MSCK REPAIR', () => {
    const raw = tableNamed('daily_visit_trend_raw')?.Properties.TableInput as {
      Parameters: Record<string, string>;
      PartitionKeys: { Name: string }[];
      StorageDescriptor: { SerdeInfo: { SerializationLibrary: string } };
    };
    const weekly = tableNamed('weekly_retain_raw')?.Properties.TableInput as { Parameters: Record<string, string> };

    expect(raw.PartitionKeys.map((k) => k.Name)).toEqual(['appid', 'dt']);
    expect(raw.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.appid.type': 'injected',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
    });
    expect(JSON.stringify(raw.Parameters['storage.location.template'])).toContain(
      ['raw/daily-visit-trend/appid=', '{appid}/dt=', '{dt}'].join('$'),
    );
    expect(raw.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(weekly.Parameters).toMatchObject({
      'projection.week.interval': '7',
      'projection.week.range': '2020-01-06,NOW',
    });
    template.resourceCountIs('AWS::Glue::Crawler', 0);
  });

  it('reads the curated Parquet files through the symlink list the compaction replaces', () => {
    const curated = tableNamed('daily_visit_trend_curated')?.Properties.TableInput as {
      TableType: string;
      StorageDescriptor: {
        Location: unknown;
        InputFormat: string;
        SerdeInfo: { SerializationLibrary: string };
        Columns: { Name: string; Type: string }[];
      };
    };

    expect(curated.TableType).toBe('EXTERNAL_TABLE');
    expect(curated.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat');
    expect(curated.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    );
    expect(JSON.stringify(curated.StorageDescriptor.Location)).toContain('/curated/daily_visit_trend/_symlink/');
    expect(curated.StorageDescriptor.Columns.map((c) => `${c.Name} ${c.Type}`)).toEqual([
      'appid string',
      'dt string',
      'ref_date string',
      'session_cnt bigint',
      'visit_pv bigint',
      'visit_uv bigint',
      'visit_uv_new bigint',
      'stay_time_uv double',
      'stay_time_session double',
      'visit_depth double',
      'source_key string',
      'fetched_at string',
      'shape string',
    ]);
  });

  it('stores each view as Athena does, with the columns wxa-report query has', () => {
    for (const table of SQL_TABLES) {
      const view = tableNamed(table.name)?.Properties.TableInput as { TableType: string; ViewOriginalText: string };
      const encoded = /^\/\* Presto View: (.+) \*\/$/.exec(view.ViewOriginalText)?.[1] ?? '';
      const presto = JSON.parse(Buffer.from(encoded, 'base64').toString()) as {
        originalSql: string;
        columns: { name: string }[];
      };

      expect(view.TableType).toBe('VIRTUAL_VIEW');
      expect(presto.columns.map((c) => c.name)).toEqual([
        ...partitionColumns(table),
        ...table.columns.map(([name]) => name),
      ]);
      expect(presto.originalSql).toContain(`FROM "wxa_reporter"."${table.name}_raw" AS raw`);
    }
  });

  it('caps and encrypts queries in its own workgroup, with the usual questions saved', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 1_000_000_000,
        ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
      },
    });
    expect(
      Object.values(template.findResources('AWS::Athena::NamedQuery')).map(
        (q) => (q as { Properties: { Name: string } }).Properties.Name,
      ),
    ).toEqual([
      'wxa-reporter: Daily visitors trend',
      'wxa-reporter: Seven day average',
      'wxa-reporter: Retention by cohort',
      'wxa-reporter: Top pages',
    ]);
  });

  it('can be left out', () => {
    const bare = Template.fromStack(buildStack({ analytics: false }).stack);

    bare.resourceCountIs('AWS::Glue::Table', 0);
    bare.resourceCountIs('AWS::Athena::WorkGroup', 0);
  });
});

describe('a fixed egress IP', () => {
  it('puts the worker in a VPC whose only way out is a NAT gateway with an Elastic IP, and outputs it', () => {
    const fixed = Template.fromStack(buildStack({ fixedEgressIp: true }).stack);
    const eips = Object.keys(fixed.findResources('AWS::EC2::EIP'));

    expect(eips).toHaveLength(1);
    fixed.resourceCountIs('AWS::EC2::NatGateway', 1);
    fixed.hasResourceProperties('AWS::EC2::NatGateway', { AllocationId: { 'Fn::GetAtt': [eips[0], 'AllocationId'] } });
    fixed.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('one app report'),
      VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
    });
    fixed.hasOutput('EgressIp', { Value: { Ref: eips[0] } });
    // HTTPS, and SMTP on every port the sender takes as TLS from the first byte (465, 994, 2465) or STARTTLS (587).
    const egress = Object.values(fixed.findResources('AWS::EC2::SecurityGroup')).flatMap(
      (g) => (g.Properties.SecurityGroupEgress ?? []) as { FromPort: number }[],
    );
    expect(egress.map((rule) => rule.FromPort).sort((a, b) => a - b)).toEqual([443, 465, 587, 994, 2465]);
    fixed.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    fixed.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
    // Lambda checks the network-interface permissions when it creates the function.
    const worker = Object.values(fixed.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f).includes('one app report'),
    ) as { DependsOn?: string[] };
    expect(worker.DependsOn?.some((d) => d.startsWith('ReporterVpcNetworkInterfaces'))).toBe(true);
  });

  it('is off by default', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
  });
});

describe('a third-party platform', () => {
  let platform: Template;
  beforeAll(() => {
    platform = Template.fromStack(buildStack({ config: PLATFORM_CONFIG }).stack);
  });

  it("gets a function behind a public Function URL for WeChat's pushes, and outputs the URL", () => {
    const functions = platform.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('authorization event URL') },
    });
    const [id] = Object.keys(functions);

    expect(Object.keys(functions)).toHaveLength(1);
    platform.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [id, 'Arn'] },
    });
    platform.hasOutput('ComponentEventUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('PlatformFunctionUrl'), 'FunctionUrl'] },
    });
  });

  it('runs the discovery daily before the reports, in Beijing time', () => {
    platform.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 9 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      Target: { Input: JSON.stringify({ job: 'discover' }) },
    });
  });

  it('shares tokens through a table with TTL, and lets only the platform function write the ticket', () => {
    platform.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    const putters = Object.entries(platform.findResources('AWS::IAM::Policy')).filter(([, p]) =>
      JSON.stringify(p).includes('ssm:PutParameter'),
    );
    expect(putters.map(([id]) => id)).toEqual([expect.stringMatching(/^ReporterPlatformRole/)]);
    expect(JSON.stringify(putters[0]?.[1])).toContain('component/verify-ticket');
  });

  it('is absent without a component in the config', () => {
    template.resourceCountIs('AWS::Lambda::Url', 0);
    expect(Object.keys(template.findOutputs('ComponentEventUrl'))).toEqual([]);
  });
});
