import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DeploymentConfigError } from '../../lambda/config/deployment-config.js';
import { addStacksFromContext, stacksFromContext } from '../../lib/app-context.js';
import { CHINA, CONFIG, PLATFORM_CONFIG, testApp } from './stack-fixture.js';

// The CDK app's context as `cdk synth -c key=value` gives it: every value given on the command line
// is a string (JSON text for a list or an object).
const context =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];
const stacksOf = (values: Record<string, unknown>) => stacksFromContext(context(values), Object.keys(values));
const refusal = (values: Record<string, unknown>) => {
  try {
    stacksOf(values);
  } catch (error) {
    expect(error).toBeInstanceOf(DeploymentConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('app-wide settings', () => {
  it('name the one stack: -c name=…', () => {
    const [stack] = stacksOf({ wxaReporter: CONFIG, name: 'shop-group' });

    expect(stack?.props.name).toBe('shop-group');
  });

  it('refuse a name for several stacks, saying where each one goes', () => {
    expect(refusal({ name: 'shop-group', stacks: { WxaReporter: {}, ClientB: {} } })).toBe(
      'name "shop-group" (app-wide) would give all 2 stacks the same name: set "name" in each stack\'s entry of stacks instead',
    );
  });

  it.each([
    ['a comma-separated list', 'cn-north-1a,cn-north-1b'],
    ['JSON text', '["cn-north-1a", "cn-north-1b"]'],
    ['a list from cdk.json', ['cn-north-1a', 'cn-north-1b']],
  ])('take availabilityZones as %s', (_form, zones) => {
    const [stack] = stacksOf({ fixedEgressIp: 'true', availabilityZones: zones });

    expect(stack?.props.availabilityZones).toEqual(['cn-north-1a', 'cn-north-1b']);
  });

  it('give availabilityZones to the stacks with a fixed egress IP only, a stack of its own overriding them', () => {
    const stacks = stacksOf({
      availabilityZones: 'cn-north-1a,cn-north-1b',
      stacks: {
        WxaReporter: {},
        ClientB: { fixedEgressIp: true },
        ClientC: { fixedEgressIp: true, availabilityZones: ['cn-north-1b', 'cn-north-1d'] },
      },
    });

    expect(stacks.map(({ id, props }) => [id, props.availabilityZones])).toEqual([
      ['WxaReporter', undefined],
      ['ClientB', ['cn-north-1a', 'cn-north-1b']],
      ['ClientC', ['cn-north-1b', 'cn-north-1d']],
    ]);
  });

  it('refuse availabilityZones where no stack has a fixed egress IP', () => {
    expect(refusal({ availabilityZones: 'cn-north-1a,cn-north-1b' })).toBe(
      'availabilityZones places the fixed-egress VPC, and no stack has fixedEgressIp: set fixedEgressIp (-c fixedEgressIp=true), or remove availabilityZones',
    );
  });

  it('refuse platformEndpoint where no stack has a third-party platform', () => {
    expect(refusal({ wxaReporter: CONFIG, platformEndpoint: 'HTTP_API' })).toBe(
      'platformEndpoint "HTTP_API" is how WeChat reaches a third-party platform, and no stack\'s config has a component: add the platform\'s component, or remove platformEndpoint',
    );
  });

  it('name a misspelt setting', () => {
    expect(refusal({ availabiltyZones: 'cn-north-1a,cn-north-1b', 'aws:cdk:enable-path-metadata': true })).toBe(
      "the app's context (cdk.json or -c) is invalid: availabiltyZones is not a setting of this app; did you mean availabilityZones?",
    );
  });

  it('refuse zones of another region than the stack deploys to, in one line', () => {
    const app = new App({
      outdir: testApp().outdir,
      context: { wxaReporter: PLATFORM_CONFIG, fixedEgressIp: 'true', availabilityZones: 'us-east-1a,us-east-1b' },
    });

    expect(() => addStacksFromContext(app, CHINA)).toThrow(
      'availabilityZones: us-east-1a is a zone of us-east-1, and the stack deploys to cn-north-1: name two zones of cn-north-1, e.g. ["cn-north-1a", "cn-north-1b"]',
    );
  });
});

describe('availabilityZones typed with a Chinese input method', () => {
  it('names the full-width comma and says to use a half-width one, not "is not an Availability Zone name"', () => {
    // Prepare
    const app = new App({
      outdir: testApp().outdir,
      context: { wxaReporter: PLATFORM_CONFIG, fixedEgressIp: 'true', availabilityZones: 'cn-north-1a，cn-north-1b' },
    });

    // Act
    const act = () => addStacksFromContext(app, CHINA);

    // Assess
    expect(act).toThrow(
      'availabilityZones.0 contains a full-width comma (，), as a Chinese input method types it: separate the entries with a half-width comma (,)',
    );
    expect(act).not.toThrow(/is not an Availability Zone name/);
  });
});

describe('a refusal of one stack among several', () => {
  it('names the stack', () => {
    const app = new App({
      outdir: testApp().outdir,
      context: {
        wxaReporter: CONFIG,
        // ClientB first: refused before anything is bundled.
        stacks: { ClientB: { availabilityZones: ['cn-north-1a', 'cn-north-1b'] }, WxaReporter: {} },
      },
    });

    expect(() => addStacksFromContext(app, CHINA)).toThrow(
      new DeploymentConfigError(
        'the stack ClientB: availabilityZones places the fixed-egress VPC, and fixedEgressIp is not set: set fixedEgressIp: true, or remove availabilityZones',
      ),
    );
  });
});

describe('deployment names', () => {
  it('keep the names stackName had before deployments had names', () => {
    const [stack] = stacksOf({ stackName: 'Reports' });

    expect(stack).toMatchObject({ id: 'Reports', props: { name: undefined } });
  });

  it('derive from each stack of stacks, except the one stackName names (it keeps its names)', () => {
    const stacks = stacksOf({
      stackName: 'Reports',
      stacks: { Reports: {}, ClientB: {}, ClientC: { name: 'c-team' } },
    });

    expect(stacks.map(({ id, props }) => [id, props.name])).toEqual([
      ['Reports', undefined],
      ['ClientB', 'wxa-reporter-client-b'],
      ['ClientC', 'c-team'],
    ]);
  });

  it('refuse a stackName that stacks does not have', () => {
    expect(refusal({ stackName: 'Reports', stacks: { ClientB: {} } })).toBe(
      'stackName Reports is the stack deployed before under that name, and stacks has no Reports: add "Reports": {} to stacks (it keeps the names it had), or remove stackName',
    );
  });

  it.each([
    [
      'two ids that give one name',
      { stacks: { WxaReporterClientB: {}, ClientB: {} } },
      'the stacks WxaReporterClientB and ClientB would both be named wxa-reporter-client-b (WxaReporterClientB from its id, ClientB from its id), and share the SSM folder /wxa-reporter-client-b/ and the Glue database wxa_reporter_client_b: rename one of the stacks, or give one a "name" of its own in stacks',
    ],
    [
      'a name given that another stack has from its id',
      { stacks: { ClientB: {}, ClientC: { name: 'wxa-reporter-client-b' } } },
      'the stacks ClientB and ClientC would both be named wxa-reporter-client-b (ClientB from its id, ClientC from its "name" in stacks), and share the SSM folder /wxa-reporter-client-b/ and the Glue database wxa_reporter_client_b: give ClientC another "name" in stacks',
    ],
    [
      'the name stackName keeps',
      { stackName: 'Reports', stacks: { Reports: {}, WxaReporter: {} } },
      'the stacks Reports and WxaReporter would both be named wxa-reporter (Reports from stackName, WxaReporter from its id), and share the SSM folder /wxa-reporter/ and the Glue database wxa_reporter: give WxaReporter a "name" of its own in stacks (Reports keeps the names it had, through stackName)',
    ],
    [
      'two names given alike',
      { stacks: { ClientB: { name: 'shops' }, ClientC: { name: 'shops' } } },
      'the stacks ClientB and ClientC would both be named shops (ClientB from its "name" in stacks, ClientC from its "name" in stacks), and share the SSM folder /shops/ and the Glue database shops: give ClientB or ClientC another "name" in stacks',
    ],
  ])('refuse %s, naming both stacks and the fix', (_case, values, message) => {
    expect(refusal(values)).toBe(message);
  });
});
