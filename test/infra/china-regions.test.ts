import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeploymentConfigError } from '../../lambda/config/deployment-config.js';
import { buildStack, CHINA, CONFIG, PLATFORM_CONFIG } from './stack-fixture.js';

const SES = { transport: 'ses', from: 'r@mail.example.com', identity: 'mail.example.com' } as const;

/** Every string of a template, wherever it is. */
function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (node && typeof node === 'object') return Object.values(node).flatMap(strings);
  return [];
}

describe('the AWS China regions', () => {
  let china: Template;
  let platform: Template;
  beforeAll(() => {
    china = Template.fromStack(buildStack({ env: CHINA }).stack);
    platform = Template.fromStack(
      buildStack({ env: { ...CHINA, region: 'cn-northwest-1' }, config: PLATFORM_CONFIG }).stack,
    );
  });

  it('keep every feature of the default stack: JSON logs to its log group, bounded concurrency, Beijing schedules, Athena and Glue', () => {
    china.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^ReporterLogs') } },
    });
    china.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 10 } });
    china.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpressionTimezone: 'Asia/Shanghai' });
    china.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'wxa_reporter' } });
    china.resourceCountIs('AWS::Athena::WorkGroup', 1);
  });

  it('name every service host of the region with the .com.cn suffix, and every ARN by the partition', () => {
    for (const template of [china, platform]) {
      const all = strings(template.toJSON());
      const hosts = all.flatMap((s) => s.match(/[a-z0-9-]+\.cn-[a-z]+-\d\.amazonaws\.com[a-z.]*/g) ?? []);

      expect(hosts.length).toBeGreaterThan(0);
      expect(hosts.filter((h) => !h.endsWith('.amazonaws.com.cn'))).toEqual([]);
      expect(all.filter((s) => /arn:aws:/.test(s))).toEqual([]);
    }
    china.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Condition: { StringEquals: { 'kms:ViaService': 'ssm.cn-north-1.amazonaws.com.cn' } },
          }),
        ]),
      },
    });
  });

  it("put the platform's authorization event URL behind API Gateway, with the same function and the URL as the output", () => {
    const functions = platform.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('authorization event URL') },
    });
    const [fn] = Object.keys(functions);
    const [integration] = Object.keys(
      platform.findResources('AWS::ApiGatewayV2::Integration', {
        Properties: { IntegrationUri: { 'Fn::GetAtt': [fn, 'Arn'] }, PayloadFormatVersion: '2.0' },
      }),
    );
    const [api] = Object.keys(
      platform.findResources('AWS::ApiGatewayV2::Api', { Properties: { ProtocolType: 'HTTP' } }),
    );

    platform.resourceCountIs('AWS::Lambda::Url', 0);
    expect(integration).toBeDefined();
    platform.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integration }]] },
    });
    platform.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.not(Match.stringLikeRegexp('querystring|rawQueryString')),
      },
    });
    platform.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
    });
    platform.hasOutput('PlatformApiId', { Value: { Ref: api } });
    platform.hasOutput('ComponentEventUrl', {
      Value: {
        'Fn::Join': ['', ['https://', { Ref: api }, '.execute-api.cn-northwest-1.', { Ref: 'AWS::URLSuffix' }, '/']],
      },
    });
  });

  it('refuse SES at synth in one line, naming the setting and the alternative', () => {
    const build = () => buildStack({ env: CHINA, config: { ...CONFIG, email: SES } });

    expect(build).toThrow(DeploymentConfigError);
    expect(build).toThrow(
      'email.transport "ses" cannot work in cn-north-1: Amazon SES is not offered in the AWS China regions; use "smtp" (Tencent Exmail, Aliyun DirectMail, QQ or 163 mail: see "Deploy in the AWS China regions" in the README)',
    );
  });

  it('refuse a Function URL asked for by name, saying what to set instead', () => {
    const build = () =>
      buildStack({
        env: { ...CHINA, region: 'cn-northwest-1' },
        config: PLATFORM_CONFIG,
        platformEndpoint: 'FUNCTION_URL',
      });

    expect(build).toThrow(
      'platformEndpoint "FUNCTION_URL" cannot work in cn-northwest-1: Lambda Function URLs are not offered in the AWS China regions; leave platformEndpoint unset or set "HTTP_API" (API Gateway)',
    );
  });
});
