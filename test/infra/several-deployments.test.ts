import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeploymentConfigError } from '../../lambda/config/deployment-config.js';
import { SQL_TABLES } from '../../lambda/sql/tables.js';
import { addStacksFromContext } from '../../lib/app-context.js';
import { WxaReporter } from '../../lib/wxa-reporter.js';
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
    // Prepare: an agency's two client groups, each with its platform, archive and SQL, in one
    // assembly, as the CDK app makes them from its "stacks" context.
    const app = new App({
      outdir: testApp().outdir,
      context: {
        wxaReporter: PLATFORM_CONFIG,
        alarmEmail: 'oncall@example.com',
        stacks: { WxaReporter: {}, WxaReporterClientB: { fixedEgressIp: true } },
      },
    });
    const stacks = addStacksFromContext(app, ENV);
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

      // Added since: the curated Glue table beside each raw table and view (issue 19), one per table.
      const before = BEFORE_PARTS[variant] as Record<string, string>;
      const added = Object.fromEntries(Object.entries(types).filter(([id]) => !(id in before)));
      expect(types).toMatchObject(before);
      expect(Object.values(added)).toEqual(SQL_TABLES.map(() => 'AWS::Glue::Table'));
      expect(Object.keys(added).every((id) => /Curated[0-9A-F]{8}$/.test(id))).toBe(true);
    },
  );

  // What the stacks below synthesized before deployments had names (at 95e89cd, with that version's
  // WxaReporterStack and WxaReporter): each resource's logical ID and type, and every physical name.
  const BEFORE_NAMES = JSON.parse(
    readFileSync(new URL('./fixtures/names-before-deployment-names.json', import.meta.url), 'utf8'),
  ) as Record<
    'stackName' | 'embedded',
    { resources: Record<string, string>; names: string[]; parameterPrefix: string }
  >;
  const SINGAPORE_PLATFORM = { env: SINGAPORE, config: PLATFORM_CONFIG };
  // What came later only adds: the curated layer's Glue tables (issue 19), a table per API beside the raw one.
  const isCuratedTable = (id: string, type: string) => type === 'AWS::Glue::Table' && /Curated[0-9A-F]{8}$/.test(id);
  const described = (template: Template) => {
    const resources = template.toJSON().Resources as Record<string, { Type: string }>;
    const found = physicalNamesOf(template);
    return {
      resources: Object.fromEntries(
        Object.entries(resources)
          .filter(([id, r]) => r.Type !== 'AWS::CDK::Metadata' && !isCuratedTable(id, r.Type))
          .map(([id, r]) => [id, r.Type]),
      ),
      ...found,
      names: found.names.filter((name) => !/^glue:[a-z_]+\.[a-z_]+_curated$/.test(name)),
    };
  };

  it('deployed with -c stackName=Reports keeps every logical ID and physical name it had', () => {
    const app = new App({
      outdir: testApp().outdir,
      context: { stackName: 'Reports', wxaReporter: PLATFORM_CONFIG, alarmEmail: 'oncall@example.com' },
    });

    const [stack] = addStacksFromContext(app, SINGAPORE_PLATFORM.env);

    expect(described(Template.fromStack(stack as WxaReporterStack))).toEqual(BEFORE_NAMES.stackName);
  });

  it('embedded in a stack of its own keeps every logical ID and physical name it had', () => {
    const stack = new Stack(testApp(), 'MyInfra', { env: SINGAPORE });
    new WxaReporter(stack, 'Reporter', { config: PLATFORM_CONFIG, encryption: 'KMS' });

    expect(described(Template.fromStack(stack))).toEqual(BEFORE_NAMES.embedded);
  });

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
    [
      'the same SSM folder',
      { config: { ...PLATFORM_CONFIG, parameterPrefix: '/wxa-reporter/' } },
      "WxaReporterClientB/Reporter and WxaReporter/Reporter are deployed to the same account and region and would share the SSM folder /wxa-reporter/: give config.parameterPrefix a value of its own in one of them, or leave it unset in both (it then follows each deployment's name)",
    ],
    [
      'an SSM folder inside the other',
      { config: { ...PLATFORM_CONFIG, parameterPrefix: '/wxa-reporter/b/' } },
      "WxaReporterClientB/Reporter and WxaReporter/Reporter are deployed to the same account and region and would share the SSM folders /wxa-reporter/ and /wxa-reporter/b/ (one inside the other): give config.parameterPrefix a value of its own in one of them, or leave it unset in both (it then follows each deployment's name)",
    ],
    [
      'the same Glue database',
      { analytics: { databaseName: 'wxa_reporter' } },
      "WxaReporterClientB/Reporter and WxaReporter/Reporter are deployed to the same account and region and would share the Glue database wxa_reporter: give analytics.databaseName a value of its own in one of them, or leave it unset in both (it then follows each deployment's name)",
    ],
  ] as const)('are refused when a second stack in the same account and region has %s', (_what, props, message) => {
    const app = testApp();
    stackIn(app, 'WxaReporter');

    const second = () =>
      stackIn(app, 'WxaReporterClientB', {
        name: 'wxa-reporter-client-b',
        ...(props as Partial<WxaReporterStackProps>),
      });

    expect(second).toThrow(new DeploymentConfigError(message));
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

describe('two deployments of one app under one name', () => {
  it('are refused when neither has a name, naming both and which to name', () => {
    const app = testApp();
    stackIn(app, 'WxaReporter');

    expect(() => stackIn(app, 'ClientB')).toThrow(
      'ClientB/Reporter and WxaReporter/Reporter are deployed to the same account and region and would share the SSM folder /wxa-reporter/, the Glue database wxa_reporter: both take the default name "wxa-reporter": give ClientB/Reporter a name of its own (the name prop, or "name" in the stacks context), e.g. "wxa-reporter-client-b", and leave the one deployed first without a name so that it keeps its names',
    );
  });

  it('are refused when both are given one name', () => {
    const app = testApp();
    stackIn(app, 'WxaReporter', { name: 'shops' });

    expect(() => stackIn(app, 'ClientB', { name: 'shops' })).toThrow(
      'ClientB/Reporter and WxaReporter/Reporter are deployed to the same account and region and would share the SSM folder /shops/, the Glue database shops: both are named "shops": give each a name of its own (the name prop, or "name" in the stacks context)',
    );
  });

  it('are refused in one stack too', () => {
    const stack = new Stack(testApp(), 'MyInfra', { env: ENV });
    new WxaReporter(stack, 'Shops', { config: CONFIG });

    expect(() => new WxaReporter(stack, 'Games', { config: CONFIG })).toThrow(
      /^MyInfra\/Games and MyInfra\/Shops .* give MyInfra\/Games a name of its own .*e\.g\. "wxa-reporter-my-infra-games"/,
    );
  });
});
