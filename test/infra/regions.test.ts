import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { DeploymentConfigError, parseDeploymentConfig } from '../../lambda/config/deployment-config.js';
import { ReporterArchive } from '../../lib/parts/archive.js';
import { ReporterFanOut } from '../../lib/parts/fan-out.js';
import { platformEndpointFor, ReporterPlatformEndpoint } from '../../lib/parts/platform-endpoint.js';
import { ReporterStateTables } from '../../lib/parts/state-tables.js';
import { KNOWN_REGIONS, NOT_OFFERED } from '../../lib/regions.js';
import { WxaReporterStack } from '../../lib/wxa-reporter-stack.js';
import { cfnLintRegions, resourceTypesIn, sdkPartitions } from '../support/venv-data.js';
import { buildStack, CONFIG, PLATFORM_CONFIG, testApp } from './stack-fixture.js';

// Which regions offer what the deployment may use, checked against the sources the table cites
// that ship with the test peers: cfn-lint's CloudFormation schema of each region (which resource
// types exist there) and botocore's endpoint list (where SES has an endpoint).

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'];
const partitions = sdkPartitions().filter((p) => PARTITIONS.includes(p.partition));

const SES = { transport: 'ses', from: 'r@mail.example.com', identity: 'mail.example.com' } as const;

describe('the table of regions', () => {
  it('knows only regions the AWS SDKs list in the aws, aws-cn and aws-us-gov partitions', () => {
    const listed = partitions.flatMap((p) => Object.keys(p.regions));

    expect(KNOWN_REGIONS.filter((r) => !listed.includes(r))).toEqual([]);
  });

  it("has no Function URLs wherever CloudFormation has no AWS::Lambda::Url, and beyond that only where AWS's documents say so", () => {
    const withSchema = KNOWN_REGIONS.filter((r) => cfnLintRegions().includes(r));
    const withoutType = withSchema.filter((r) => !resourceTypesIn(r).includes('AWS::Lambda::Url'));
    const refused = Object.keys(NOT_OFFERED.functionUrl);

    expect(withSchema.length).toBeGreaterThan(30);
    expect(withoutType.filter((r) => !refused.includes(r))).toEqual([]);
    // The type exists there, but Lambda's guide (Spain) and AWS China's (Beijing) say the URLs do not.
    expect(refused.filter((r) => !withoutType.includes(r))).toEqual(['eu-south-2', 'cn-north-1']);
  });

  it('has SES exactly where the SDKs list an SES endpoint', () => {
    const sesRegions = partitions.flatMap((p) => Object.keys(p.services.email?.endpoints ?? {}));

    for (const region of KNOWN_REGIONS)
      expect([region, !NOT_OFFERED.ses[region]]).toEqual([region, sesRegions.includes(region)]);
  });
});

describe('the platform endpoint, by region', () => {
  const endpointIn = (region?: string) => {
    const stack = new Stack(new App(), 'S', region ? { env: { account: '123456789012', region } } : {});
    return { stack, endpoint: platformEndpointFor(new Construct(stack, 'Reporter'), undefined) };
  };

  it.each(KNOWN_REGIONS)('is what %s offers', (region) => {
    expect(endpointIn(region).endpoint).toBe(NOT_OFFERED.functionUrl[region] ? 'HTTP_API' : 'FUNCTION_URL');
  });

  it('is an HTTP API where Function URLs are not offered, e.g. ap-southeast-5, with the URL as the output', () => {
    const template = Template.fromStack(
      buildStack({ env: { account: '123456789012', region: 'ap-southeast-5' }, config: PLATFORM_CONFIG }).stack,
    );

    template.resourceCountIs('AWS::Lambda::Url', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /' });
    expect(JSON.stringify(template.findOutputs('ComponentEventUrl'))).toContain('.execute-api.ap-southeast-5.');
    // The file's first synth bundles the Lambdas.
  }, 120_000);

  it('is an HTTP API in a region this version does not know, with a warning saying how to get a Function URL', () => {
    const { stack, endpoint } = endpointIn('ap-southeast-9');

    expect(endpoint).toBe('HTTP_API');
    Annotations.fromStack(stack).hasWarning(
      '/S/Reporter',
      Match.stringLikeRegexp(
        '^ap-southeast-9 is not among the regions this version knows, so the platform endpoint is an API Gateway HTTP API .*set platformEndpoint: "FUNCTION_URL" if Lambda offers Function URLs there',
      ),
    );
  });

  it('stays a Function URL when the region is not known at synth, warning where that fails to deploy', () => {
    const stack = new WxaReporterStack(testApp(), 'WxaReporter', { config: PLATFORM_CONFIG });

    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Url', 1);
    Annotations.fromStack(stack).hasWarning(
      '/WxaReporter/Reporter/PlatformEndpoint',
      Match.stringLikeRegexp(
        '^the region is not known at synth, so the platform endpoint is a Lambda Function URL; deployed to a region without them \\(ap-east-2, .*, cn-north-1, cn-northwest-1, us-gov-east-1 and us-gov-west-1\\) the stack fails to deploy: give the stack env\\.region \\(CDK_DEFAULT_REGION, which cdk sets from AWS_REGION or --profile\\), or set platformEndpoint: "HTTP_API" \\[ack: wxa-reporter:platformEndpointRegion\\]$',
      ),
    );
  });

  it('is decided by the part itself, used without WxaReporter: an HTTP API in Beijing', () => {
    const stack = new Stack(testApp(), 'Parts', { env: { account: '123456789012', region: 'cn-north-1' } });
    const config = parseDeploymentConfig(PLATFORM_CONFIG);
    const archive = new ReporterArchive(stack, 'Archive');
    const state = new ReporterStateTables(stack, 'State', { platform: true });
    const fanOut = new ReporterFanOut(stack, 'FanOut', { config, name: 'shop', archive, state });

    const platform = new ReporterPlatformEndpoint(stack, 'Platform', {
      fanOut,
      state,
      parameterPrefix: config.parameterPrefix,
    });

    expect(platform.url).toBeUndefined();
    expect(platform.api).toBeDefined();
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Url', 0);
  });

  it('refuses a platformEndpoint set without a third-party platform, instead of ignoring it', () => {
    expect(() => buildStack({ platformEndpoint: 'HTTP_API' })).toThrow(
      'platformEndpoint "HTTP_API" is how WeChat reaches a third-party platform, and the config has no component: add the platform\'s component, or remove platformEndpoint',
    );
  });
});

describe('SES, by region', () => {
  it('is refused where it has no endpoint, outside China too (Hong Kong), with SMTP as the way', () => {
    const build = () =>
      buildStack({ env: { account: '123456789012', region: 'ap-east-1' }, config: { ...CONFIG, email: SES } });

    expect(build).toThrow(DeploymentConfigError);
    expect(build).toThrow(
      'email.transport "ses" cannot work in ap-east-1: Amazon SES is not offered in ap-east-1; use "smtp": any provider, or the SMTP interface of SES in a region that has it (email-smtp.ap-southeast-1.amazonaws.com:465)',
    );
  });

  it('is allowed where it is offered', () => {
    expect(() =>
      buildStack({ env: { account: '123456789012', region: 'ap-southeast-5' }, config: { ...CONFIG, email: SES } }),
    ).not.toThrow();
  });

  it('is warned about when the region is not known at synth, as the platform endpoint is', () => {
    const stack = new WxaReporterStack(testApp(), 'WxaReporter', { config: { ...CONFIG, email: SES } });

    Annotations.fromStack(stack).hasWarning(
      '/WxaReporter/Reporter/FanOut',
      'the region is not known at synth and email.transport is "ses": SES is not offered in ap-east-1, cn-north-1 and cn-northwest-1, and deployed there every email fails when sent (recorded as failed, alarmed): give the stack env.region (CDK_DEFAULT_REGION, which cdk sets from AWS_REGION or --profile), or use "smtp" there [ack: wxa-reporter:sesRegion]',
    );
  });

  it('is warned about in a region this version does not know', () => {
    const { stack } = buildStack({
      env: { account: '123456789012', region: 'eu-west-9' },
      config: { ...CONFIG, email: SES },
    });

    Annotations.fromStack(stack).hasWarning(
      '/WxaReporter/Reporter/FanOut',
      Match.stringLikeRegexp(
        '^eu-west-9 is not among the regions this version knows, so whether it offers SES is not known',
      ),
    );
  });
});
