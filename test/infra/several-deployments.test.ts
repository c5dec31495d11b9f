import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeploymentConfigError } from '../../lambda/config/deployment-config.js';
import { WxaReporterStack, type WxaReporterStackProps } from '../../lib/wxa-reporter-stack.js';
import { physicalNamesOf } from './physical-names.js';
import { CONFIG, PLATFORM_CONFIG, SINGAPORE, testApp } from './stack-fixture.js';

const ENV = { account: '123456789012', region: 'ap-east-1' };
const stackIn = (app: App, id: string, props: Partial<WxaReporterStackProps> = {}) =>
  new WxaReporterStack(app, id, { env: ENV, config: PLATFORM_CONFIG, alarmEmail: 'oncall@example.com', ...props });

describe('several deployments in one account', () => {
  let first: Template;
  let second: Template;
  beforeAll(() => {
    // Prepare: an agency's two client groups, each with its platform, archive and SQL, in one assembly.
    const app = testApp();
    const stacks = [stackIn(app, 'WxaReporter'), stackIn(app, 'WxaReporterClientB', { fixedEgressIp: true })];
    const assembly = app.synth();
    [first, second] = stacks.map((s) =>
      Template.fromJSON(JSON.parse(readFileSync(join(assembly.directory, s.templateFile), 'utf8'))),
    ) as [Template, Template];
  });

  it('share no physical name, and neither SSM folder contains the other', () => {
    const [a, b] = [physicalNamesOf(first), physicalNamesOf(second)];

    expect(a.names.length).toBeGreaterThan(20);
    expect(a.names.filter((name) => b.names.includes(name))).toEqual([]);
    expect(a.parameterPrefix).toBe('/wxa-reporter/');
    expect(b.parameterPrefix).toBe('/wxa-reporter-client-b/');
    expect(b.parameterPrefix.startsWith(a.parameterPrefix) || a.parameterPrefix.startsWith(b.parameterPrefix)).toBe(
      false,
    );
  });

  it("derive the second's names from its stack name", () => {
    second.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'wxa_reporter_client_b' } });
    second.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'wxa-reporter-client-b-WxaReporterClientB' });
    second.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'wxa-reporter-client-b' } },
    });
    second.hasOutput('ParameterPrefix', { Value: '/wxa-reporter-client-b/' });
  });
});

describe('an existing single deployment', () => {
  const BEFORE_PARTS = JSON.parse(
    readFileSync(new URL('./fixtures/logical-ids-before-parts.json', import.meta.url), 'utf8'),
  ) as Record<string, Record<string, string>>;
  const variants: Record<string, Partial<WxaReporterStackProps>> = {
    smtp: { config: CONFIG },
    'kms-ses': {
      env: SINGAPORE,
      encryption: 'KMS',
      config: { ...CONFIG, email: { transport: 'ses', from: 'r@example.com', identity: 'example.com' } },
    },
    'platform-egress': { fixedEgressIp: true, config: PLATFORM_CONFIG },
  };

  it.each(Object.keys(variants))(
    'keeps every resource under the logical ID it had before the construct was split into parts (%s)',
    (variant) => {
      // The fixture lists each resource of the stack as the construct made it before it had parts.
      const resources = Template.fromStack(stackIn(testApp(), 'WxaReporter', variants[variant])).toJSON()
        .Resources as Record<string, { Type: string }>;
      const types = Object.fromEntries(
        Object.entries(resources)
          .filter(([, r]) => r.Type !== 'AWS::CDK::Metadata')
          .map(([id, r]) => [id, r.Type]),
      );

      expect(types).toEqual(BEFORE_PARTS[variant]);
    },
  );

  it('keeps its SSM folder, Glue database and Athena workgroup', () => {
    const names = physicalNamesOf(Template.fromStack(stackIn(testApp(), 'WxaReporter')));

    expect(names.parameterPrefix).toBe('/wxa-reporter/');
    expect(names.names).toEqual(expect.arrayContaining(['glue:wxa_reporter', 'athena:wxa-reporter-WxaReporter']));
  });
});

describe('names given by hand', () => {
  it('are used as given', () => {
    const named = physicalNamesOf(Template.fromStack(stackIn(testApp(), 'Anything', { name: 'shop-group' })));

    expect(named.parameterPrefix).toBe('/shop-group/');
    expect(named.names).toContain('glue:shop_group');
  });

  it.each([
    ['the same SSM folder', { config: { ...PLATFORM_CONFIG, parameterPrefix: '/wxa-reporter/' } }, /overlap/],
    [
      'an SSM folder inside the other',
      { config: { ...PLATFORM_CONFIG, parameterPrefix: '/wxa-reporter/b/' } },
      /overlap/,
    ],
    ['the same Glue database', { analytics: { databaseName: 'wxa_reporter' } }, /Glue database wxa_reporter/],
  ] as const)('are refused when a second stack in the same account and region has %s', (_what, props, message) => {
    const app = testApp();
    stackIn(app, 'WxaReporter');

    const second = () => stackIn(app, 'WxaReporterClientB', props as Partial<WxaReporterStackProps>);

    expect(second).toThrow(DeploymentConfigError);
    expect(() => stackIn(app, 'WxaReporterClientC', props as Partial<WxaReporterStackProps>)).toThrow(message);
  });

  it('may repeat in another region', () => {
    const app = testApp();
    stackIn(app, 'WxaReporter');

    expect(() =>
      stackIn(app, 'WxaReporterBeijing', { env: { ...ENV, region: 'cn-north-1' }, name: 'wxa-reporter' }),
    ).not.toThrow();
  });

  it('must be lowercase letters, digits and "-"', () => {
    expect(() => stackIn(testApp(), 'WxaReporter', { name: 'Shop_Group' })).toThrow(
      'name "Shop_Group" must be 1-64 lowercase letters, digits and "-", starting and ending with a letter or digit',
    );
  });
});
