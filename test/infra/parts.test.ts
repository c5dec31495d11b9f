import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { DeploymentConfigError } from '../../lambda/config/deployment-config.js';
import { stacksFromContext } from '../../lib/app-context.js';
import { ReporterAlarms } from '../../lib/parts/alarms.js';
import { ReporterArchive } from '../../lib/parts/archive.js';
import { keepLogicalIdsThroughParts, logicalIdOf } from '../../lib/parts/logical-ids.js';
import { ReporterSchedules } from '../../lib/parts/schedules.js';
import { deploymentNameOf } from '../../lib/physical-names.js';

const ENV = { account: '123456789012', region: 'cn-north-1' };

describe('logical IDs through transparent parts', () => {
  it.each([
    [['Reporter', 'Archive', 'Resource']],
    [['Reporter', 'Vpc', 'publicSubnet1', 'NATGateway']],
    [['Reporter', 'Default', 'Role', 'DefaultPolicy', 'Resource']],
    [['Reporter', 'ReporterX', 'Resource']],
    [['WorkQueue']],
  ])('computes the ID CDK allocates at %j', (path) => {
    const stack = new Stack(new App(), 'S');
    let scope: Construct = stack;
    for (const id of path.slice(0, -1)) scope = new Construct(scope, id);
    const resource = new CfnResource(scope, path.at(-1) as string, { type: 'Test::Thing' });

    expect(logicalIdOf(path)).toBe(stack.resolve(resource.logicalId));
  });

  it('gives a resource inside a part the ID it has without the part, and refuses two that would collide', () => {
    const stack = new Stack(new App(), 'S');
    const root = new Construct(stack, 'Reporter');
    const part = new Construct(root, 'Storage');
    const inside = new CfnResource(part, 'Archive', { type: 'Test::Thing' });
    const other = new Construct(root, 'State');
    new CfnResource(other, 'Archive', { type: 'Test::Thing' });

    expect(() => keepLogicalIdsThroughParts(root, [part, other])).toThrow(/would both be the resource ReporterArchive/);
    expect(stack.resolve(inside.logicalId)).toBe(logicalIdOf(['Reporter', 'Archive']));
  });
});

describe("a deployment's name from its stack's", () => {
  it.each([
    ['WxaReporter', 'wxa-reporter'],
    ['WxaReporterClientB', 'wxa-reporter-client-b'],
    ['ClientB', 'wxa-reporter-client-b'],
    ['wxa-reporter-prod', 'wxa-reporter-prod'],
    ['WXAReporterShop2', 'wxa-reporter-shop2'],
    ['Agency--Shops', 'wxa-reporter-agency-shops'],
  ])('%s → %s', (stackName, name) => {
    expect(deploymentNameOf(stackName)).toBe(name);
  });
});

describe("the CDK app's context", () => {
  const context =
    (values: Record<string, unknown>) =>
    (key: string): unknown =>
      values[key];

  it('makes one stack named WxaReporter (or stackName) from wxaReporter', () => {
    expect(stacksFromContext(context({ wxaReporter: { language: 'en' } }))).toEqual([
      { id: 'WxaReporter', props: expect.objectContaining({ config: { language: 'en' }, fixedEgressIp: false }) },
    ]);
    expect(stacksFromContext(context({ stackName: 'Shops' })).map((s) => s.id)).toEqual(['Shops']);
  });

  it('makes a stack per entry of stacks, its config laid over the shared one, from cdk.json or -c JSON', () => {
    const stacks = stacksFromContext(
      context({
        wxaReporter: { language: 'en', archivePrefix: 'wxa/' },
        fixedEgressIp: 'true',
        stacks: JSON.stringify({
          WxaReporter: {},
          WxaReporterClientB: { config: { language: 'zh-CN' }, fixedEgressIp: false },
        }),
      }),
    );

    expect(stacks.map(({ id, props }) => [id, props.config, props.fixedEgressIp])).toEqual([
      ['WxaReporter', { language: 'en', archivePrefix: 'wxa/' }, true],
      ['WxaReporterClientB', { language: 'zh-CN', archivePrefix: 'wxa/' }, false],
    ]);
  });

  it('names an unknown or bad setting of a stack', () => {
    expect(() => stacksFromContext(context({ stacks: { WxaReporter: { fixedEgress: true } } }))).toThrow(
      DeploymentConfigError,
    );
    expect(() => stacksFromContext(context({ stacks: { WxaReporter: { fixedEgress: true } } }))).toThrow(
      "the app's context (cdk.json or -c) is invalid: stacks.WxaReporter.fixedEgress is not a field; did you mean fixedEgressIp?",
    );
    expect(() => stacksFromContext(context({ stacks: '{not json' }))).toThrow(
      /the stacks context \(-c stacks='\{…\}'\) is not valid JSON/,
    );
  });

  it.each([
    [{ platformEndpoint: 'url' }, 'platformEndpoint must be one of "FUNCTION_URL", "HTTP_API"'],
    [{ stackName: 'my stack' }, 'stackName is not a stack name (letters, digits and "-", from a letter)'],
    [{ stacks: 'WxaReporter' }, 'stacks must be an object of stack name → settings ({"WxaReporter": {}})'],
    [{ stacks: { 'Shop B': {} } }, 'stacks.Shop B is not a stack name (letters, digits and "-", from a letter)'],
    [{ stacks: { B: { config: 3 } } }, 'stacks.B.config must be an object (the wxaReporter fields to change)'],
    [{ wxaReporter: 'shop' }, "wxaReporter must be an object (cdk.json, or -c wxaReporter='{…}')"],
    [
      { availabilityZones: 'cn-north-1a,north' },
      'availabilityZones.1 is not an Availability Zone name (like "cn-north-1a")',
    ],
  ])('refuses the app-level setting %j in one line naming it', (values, problem) => {
    expect(() => stacksFromContext(context(values))).toThrow(
      new DeploymentConfigError(`the app's context (cdk.json or -c) is invalid: ${problem}`),
    );
  });

  it('takes -c values as the CDK CLI hands them: text, a comma list of zones, "" for none', () => {
    const [stack] = stacksFromContext(
      context({ fixedEgressIp: 'true', availabilityZones: 'cn-north-1a, cn-north-1b', alarmEmail: '' }),
    );

    expect(stack?.props).toMatchObject({ fixedEgressIp: true, availabilityZones: ['cn-north-1a', 'cn-north-1b'] });
    expect(stack?.props.alarmEmail).toBeUndefined();
  });
});

describe('the parts on their own', () => {
  it('compose into any stack: an archive, schedules and alarms without the rest', () => {
    const stack = new Stack(new App(), 'Parts', { env: ENV });
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws-cn:lambda:cn-north-1:123456789012:function:f');
    new ReporterArchive(stack, 'Archive');
    const alarms = new ReporterAlarms(stack, 'Alarms', { name: 'shop', alarmEmail: 'oncall@example.com' });
    alarms.onMessages('Waiting', new sqs.Queue(stack, 'Queue'), 'something waits');
    new ReporterSchedules(stack, 'Schedules', {
      dispatcher: fn,
      schedule: {
        timeZone: 'Asia/Shanghai',
        daily: 'cron(0 10 * * ? *)',
        monthly: 'cron(0 10 2 * ? *)',
        retry: 'cron(0 11 * * ? *)',
      },
    });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.resourceCountIs('AWS::Scheduler::Schedule', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: 'shop: something waits' });
  });
});
