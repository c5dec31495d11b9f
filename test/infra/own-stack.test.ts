import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DeploymentConfigError } from '../../lambda/config/deployment-config.js';
import { WxaReporter, type WxaReporterProps } from '../../lib/wxa-reporter.js';
import { CHINA, PLATFORM_CONFIG, testApp } from './stack-fixture.js';

// The construct in a stack of one's own (not WxaReporterStack), with an account and a region set:
// what `cdk synth` would have to look up in AWS is recorded as missing context in the assembly,
// and the CDK CLI then needs credentials. Nothing may be missing.

const ZONES_KEY = 'availability-zones:account=123456789012:region=cn-north-1';

function reporterIn(app: App, props: Partial<WxaReporterProps> = {}, env: { account: string; region: string } = CHINA) {
  const stack = new Stack(app, 'MyInfra', { env });
  new WxaReporter(stack, 'Reporter', { config: PLATFORM_CONFIG, fixedEgressIp: true, ...props });
  return { stack, missing: app.synth().manifest.missing ?? [] };
}
const zonesOf = (stack: Stack) =>
  Object.values(Template.fromStack(stack).findResources('AWS::EC2::Subnet')).map(
    (s) => (s as { Properties: { AvailabilityZone: unknown } }).Properties.AvailabilityZone,
  );

describe('a fixed egress IP in a stack of your own, with an account set', () => {
  it('synthesizes offline in the zones given: nothing to look up', () => {
    const { stack, missing } = reporterIn(testApp(), { availabilityZones: ['cn-north-1a', 'cn-north-1b'] });

    expect(missing).toEqual([]);
    expect(zonesOf(stack).sort()).toEqual(['cn-north-1a', 'cn-north-1a', 'cn-north-1b', 'cn-north-1b']);
    // The stack answers for its own zones again once the VPC is built.
    expect(Object.getOwnPropertyDescriptor(stack, 'availabilityZones')).toBeUndefined();
    // The file's first synth bundles the Lambdas.
  }, 120_000);

  it('takes the zones an earlier lookup left in cdk.context.json, so an existing VPC keeps its subnets', () => {
    const app = new App({
      outdir: testApp().outdir,
      context: { [ZONES_KEY]: ['cn-north-1a', 'cn-north-1b', 'cn-north-1d'] },
    });

    const { stack, missing } = reporterIn(app);

    expect(missing).toEqual([]);
    expect(new Set(zonesOf(stack))).toEqual(new Set(['cn-north-1a', 'cn-north-1b']));
  });

  it('otherwise resolves them at deploy time', () => {
    const { stack, missing } = reporterIn(testApp());

    expect(missing).toEqual([]);
    expect(new Set(zonesOf(stack).map((z) => JSON.stringify(z)))).toEqual(
      new Set([0, 1].map((i) => JSON.stringify({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] }))),
    );
  });

  it.each([
    [
      ['us-east-1a', 'cn-north-1d'],
      'availabilityZones: us-east-1a is a zone of us-east-1, and the stack deploys to cn-north-1: name two zones of cn-north-1, e.g. ["cn-north-1a", "cn-north-1b"]',
    ],
    [
      ['cnn1-az1', 'cnn1-az2'],
      'availabilityZones: "cnn1-az1" is not the name of an Availability Zone (a region and a letter, e.g. ["cn-north-1a", "cn-north-1b"]; zone IDs such as cnn1-az1 are not names)',
    ],
    [
      ['cn-north-1a', 'cn-north-1a'],
      'availabilityZones must name two different Availability Zones of cn-north-1, e.g. ["cn-north-1a", "cn-north-1b"], not ["cn-north-1a","cn-north-1a"]',
    ],
    [
      ['cn-north-1a'],
      'availabilityZones must name two different Availability Zones of cn-north-1, e.g. ["cn-north-1a", "cn-north-1b"], not ["cn-north-1a"]',
    ],
  ])('refuses the zones %j in one line', (zones, message) => {
    const build = () => reporterIn(testApp(), { availabilityZones: zones });

    expect(build).toThrow(DeploymentConfigError);
    expect(build).toThrow(message);
  });

  it('warns, when the stack has no region, that the zones tie it to theirs', () => {
    const stack = new Stack(testApp(), 'Agnostic');
    new WxaReporter(stack, 'Reporter', {
      config: PLATFORM_CONFIG,
      fixedEgressIp: true,
      availabilityZones: ['cn-north-1a', 'cn-north-1b'],
    });

    Annotations.fromStack(stack).hasWarning(
      '/Agnostic/Reporter/Network',
      "availabilityZones are zones of cn-north-1, and the stack's region is not known at synth: deployed to another region, its subnets fail to create; give the stack env.region (CDK_DEFAULT_REGION, which cdk sets from AWS_REGION or --profile) [ack: wxa-reporter:availabilityZonesRegion]",
    );
  });

  it('refuses zones of two regions when the stack has none', () => {
    const app = testApp();
    const stack = new Stack(app, 'Agnostic');

    expect(
      () =>
        new WxaReporter(stack, 'Reporter', {
          config: PLATFORM_CONFIG,
          fixedEgressIp: true,
          availabilityZones: ['cn-north-1a', 'cn-northwest-1a'],
        }),
    ).toThrow(
      'availabilityZones: cn-north-1a is in cn-north-1, cn-northwest-1a is in cn-northwest-1: name two zones of the region the stack deploys to',
    );
  });
});
