import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeploymentConfigError } from '../../lambda/config/deployment-config.js';
import { WxaReporterStack } from '../../lib/wxa-reporter-stack.js';
import { buildStack, CONFIG } from './stack-fixture.js';

let template: Template;
beforeAll(() => {
  template = Template.fromStack(buildStack().stack);
});

type Resource = { Properties: Record<string, unknown> };
const only = (type: string, props?: Record<string, unknown>): Resource => {
  const found = Object.values(template.findResources(type, props ? { Properties: props } : undefined)) as Resource[];
  expect(found).toHaveLength(1);
  return found[0] as Resource;
};

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

  it('moves objects to Infrequent Access at 30 days and Glacier IR at 90, and cleans up', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'archive-tiers',
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
            ],
            NoncurrentVersionExpiration: { NoncurrentDays: 90 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      },
    });
  });

  it('can use a bucket the user already has, granting only its raw/ and state/ prefixes', () => {
    const { app } = buildStack();
    const own = new Stack(app, 'Own', { env: { account: '123456789012', region: 'ap-east-1' } });
    const byo = Template.fromStack(
      new WxaReporterStack(app, 'Byo', {
        env: { account: '123456789012', region: 'ap-east-1' },
        config: { ...CONFIG, archivePrefix: 'wxa/' },
        bucket: s3.Bucket.fromBucketName(own, 'Existing', 'my-data-lake'),
      }),
    );

    byo.resourceCountIs('AWS::S3::Bucket', 0);
    expect(JSON.stringify(byo.findResources('AWS::IAM::Policy'))).toContain(':s3:::my-data-lake/wxa/raw/*');
    expect(JSON.stringify(byo.findResources('AWS::IAM::Policy'))).toContain(':s3:::my-data-lake/wxa/state/*');
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

describe('the function', () => {
  it('runs Node 24 on ARM64 with an explicit log group, JSON logs and no logRetention custom resource', () => {
    const fn = only('AWS::Lambda::Function');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 600,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/^ReporterLogs/) } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.resourceCountIs('Custom::LogRetention', 0);
  });

  it('gets the config and bucket name in its environment, and no secret', () => {
    const env = (only('AWS::Lambda::Function').Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    const config = JSON.parse(env.WXA_CONFIG as string);

    expect(config.apps.map((a: { name: string }) => a.name)).toEqual(['shop', 'coffee']);
    expect(env.WXA_ARCHIVE_BUCKET).toEqual({ Ref: expect.stringMatching(/^ReporterArchive/) });
    expect(Object.keys(env).sort()).toEqual(
      [
        'NODE_OPTIONS',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'WXA_ARCHIVE_BUCKET',
        'WXA_CONFIG',
      ].sort(),
    );
    expect(JSON.stringify(template.toJSON())).not.toMatch(/secret"\s*:\s*"[^"]|smtps?:\/\/[^"]*@/i);
  });

  it('retries async invocations twice, then sends them to an encrypted, SSL-only DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReporterFunctionDlq'), 'Arn'] } },
      },
    });
    template.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 },
      2,
    );
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
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReporterFunction'), 'Arn'] },
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
  it('alarm on function errors and on both DLQs, to an SSL-only topic with the email subscribed', () => {
    for (const metric of ['Errors', 'ApproximateNumberOfMessagesVisible']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^ReporterAlarms') }],
      });
    }
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
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

  it('lets the function get and put objects under raw/ and state/ only', () => {
    const statements = statementsOf('ReporterRole');
    const objects = statements.find(
      (s) => JSON.stringify(s.Action) === JSON.stringify(['s3:GetObject', 's3:PutObject']),
    );
    const list = statements.find((s) => s.Action === 's3:ListBucket');

    expect(JSON.stringify(objects?.Resource)).toMatch(/\/raw\/\*.*\/state\/\*/);
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': ['raw/*', 'state/*'] } });
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('s3:*');
  });

  it('has no SES permission unless SES is the transport, and then only for its identity', () => {
    expect(JSON.stringify(statementsOf('ReporterRole'))).not.toContain('ses:');

    const ses = Template.fromStack(
      buildStack({
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
                ['arn:', { Ref: 'AWS::Partition' }, ':ses:ap-east-1:123456789012:identity/mail.example.com'],
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

  it('refuses a config too large for the Lambda environment, saying what to do', () => {
    const apps = Array.from({ length: 80 }, (_, i) => ({
      name: `mini-program-${i}`,
      recipients: [`team-${i}@example.com`],
    }));

    expect(() => buildStack({ config: { ...CONFIG, apps } })).toThrow(
      /split the apps over several WxaReporter constructs/,
    );
  });
});
