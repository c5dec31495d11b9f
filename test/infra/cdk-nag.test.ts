import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { KNOWN_REGIONS, NOT_OFFERED } from '../../lib/regions.js';
import { WxaReporterStack, type WxaReporterStackProps } from '../../lib/wxa-reporter-stack.js';
import { cfnLintRegions } from '../support/venv-data.js';
import { physicalNamesOf } from './physical-names.js';
import { buildStack, CHINA, COMPACT_CONFIG, CONFIG, PLATFORM_CONFIG, SINGAPORE, testApp } from './stack-fixture.js';

const NINGXIA = { ...CHINA, region: 'cn-northwest-1' };
const SES = { transport: 'ses', from: 'r@example.com', identity: 'example.com' } as const;

const nag = (app: App, stack: WxaReporterStack) => {
  app.synth(); // runs the aspects that acknowledge the intended wildcards
  return new AwsSolutionsChecks(app).validateScope(stack);
};

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['SSE-S3 and SMTP', {}],
    [
      'KMS and SES',
      {
        env: SINGAPORE,
        encryption: 'KMS',
        config: { ...CONFIG, email: { transport: 'ses', from: 'r@example.com', identity: 'example.com' } },
      },
    ],
    ['a fixed egress IP', { fixedEgressIp: true }],
    ['a third-party platform behind a fixed egress IP', { fixedEgressIp: true, config: PLATFORM_CONFIG }],
    ['Beijing', { env: CHINA }],
    ['a third-party platform behind API Gateway in Ningxia', { env: NINGXIA, config: PLATFORM_CONFIG }],
    [
      'a third-party platform behind a fixed egress IP in Beijing',
      { env: CHINA, fixedEgressIp: true, config: PLATFORM_CONFIG },
    ],
    ['the compaction step', { config: COMPACT_CONFIG }],
    [
      'the compaction step with a customer key, in Ningxia',
      { env: NINGXIA, encryption: 'KMS', config: COMPACT_CONFIG },
    ],
  ] as const)('finds no unacknowledged error or warning (%s)', (_name, overrides) => {
    const { app, stack } = buildStack(overrides as never);

    const report = nag(app, stack);

    expect(
      report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`),
    ).toEqual([]);
  });

  it('still flags a wildcard that nobody meant to grant', () => {
    const { app, stack } = buildStack();
    stack.reporter.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));

    const report = nag(app, stack);

    expect(report.violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-IAM5[Resource::*]']);
  });
});

describe('cfn-lint', () => {
  const lint = (regions: string, stacks: [string, Partial<WxaReporterStackProps>][]) => {
    const app = testApp();
    const files = stacks.map(
      ([id, props]) =>
        new WxaReporterStack(app, id, { config: CONFIG, alarmEmail: 'oncall@example.com', ...props }).templateFile,
    );
    app.synth();
    // W3005 (a DependsOn next to a GetAtt of the same role) is how CDK orders IAM before Lambda.
    // Its findings on stdout, so that a failure names them.
    return promisify(execFile)('.venv/bin/cfn-lint', [
      '--regions',
      regions,
      '--ignore-checks',
      'W3005',
      '--',
      ...files.map((f) => join(app.outdir, f)),
    ]).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string; message: string }) => error.stdout || error.message,
    );
  };

  it('passes the synthesized template, the platform behind a Function URL', async () => {
    const findings = await lint('ap-east-1', [
      ['WxaReporterLint', { env: { account: '123456789012', region: 'ap-east-1' }, config: PLATFORM_CONFIG }],
      [
        'WxaReporterCompactLint',
        { env: { account: '123456789012', region: 'ap-east-1' }, config: COMPACT_CONFIG, name: 'wxa-reporter-compact' },
      ],
    ]);

    expect(findings).toBe('');
  });

  it('passes the default, third-party platform and fixed-egress templates in both China regions (no E3006)', async () => {
    const findings = await lint('cn-north-1,cn-northwest-1', [
      ['WxaReporter', { env: CHINA }],
      ['WxaReporterPlatform', { env: NINGXIA, config: PLATFORM_CONFIG }],
      ['WxaReporterEgress', { env: CHINA, config: PLATFORM_CONFIG, fixedEgressIp: true, name: 'wxa-reporter-egress' }],
      ['WxaReporterCompact', { env: NINGXIA, config: COMPACT_CONFIG, name: 'wxa-reporter-compact' }],
    ]);

    expect(findings).toBe('');
  });

  it('passes in every region CloudFormation and this version know: a Function URL where Lambda offers it, an HTTP API elsewhere, SES where it is offered', async () => {
    // Prepare: the regions of which cfn-lint has CloudFormation's schema, split by what they offer.
    const known = KNOWN_REGIONS.filter((r) => cfnLintRegions().includes(r));
    const withUrls = known.filter((r) => !NOT_OFFERED.functionUrl[r]);
    const withSes = known.filter((r) => !NOT_OFFERED.ses[r]);
    const env = (region: string) => ({ env: { account: '123456789012', region } });

    // Act: each template as synthesized for one region of a kind, linted against every region of that kind.
    const findings = [
      await lint(withUrls.join(','), [
        ['Urls', { ...env('us-east-1'), config: PLATFORM_CONFIG, fixedEgressIp: true, encryption: 'KMS' }],
      ]),
      await lint(known.filter((r) => !withUrls.includes(r)).join(','), [
        ['NoUrls', { ...env('ap-southeast-5'), config: PLATFORM_CONFIG, fixedEgressIp: true }],
      ]),
      await lint(withSes.join(','), [['Ses', { ...env('us-west-2'), config: { ...CONFIG, email: SES } }]]),
    ];

    // Assess
    expect(known.length).toBeGreaterThan(35);
    expect(findings).toEqual(['', '', '']);
  }, 180_000);
});

describe('npm run synth', () => {
  const synth = async (args: string[], env: Record<string, string> = {}) => {
    const outdir = await mkdtemp(join(tmpdir(), 'wxa-synth-'));
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')),
    );
    const { stderr } = await promisify(execFile)('npx', ['cdk', 'synth', '-q', '--output', outdir, ...args], {
      env: { ...clean, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true', HOME: outdir, ...env },
    });
    return { stderr, outdir };
  };

  it('works offline, with cdk-nag enforcing: no AWS credentials, an account and a China region set, two stacks, a fixed egress IP', async () => {
    // Prepare: an account and a China region (as a profile gives them; the CLI takes the region from
    // AWS_REGION, the account from CDK_DEFAULT_ACCOUNT without credentials), two deployments.
    const stacks = { WxaReporter: {}, WxaReporterClientB: { fixedEgressIp: true, config: PLATFORM_CONFIG } };

    // Act
    const { stderr, outdir } = await synth(['-c', `stacks=${JSON.stringify(stacks)}`], {
      CDK_DEFAULT_ACCOUNT: '123456789012',
      AWS_REGION: 'cn-north-1',
    });

    // Assess
    const template = (name: string) =>
      Template.fromJSON(JSON.parse(readFileSync(join(outdir, `${name}.template.json`), 'utf8')));
    const [first, second] = [template('WxaReporter'), template('WxaReporterClientB')];
    expect(stderr).not.toMatch(/ERROR|credentials/);
    second.resourceCountIs('AWS::EC2::NatGateway', 1);
    second.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] } });
    second.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    expect(physicalNamesOf(first).names.filter((n) => physicalNamesOf(second).names.includes(n))).toEqual([]);
    await rm(outdir, { recursive: true, force: true });
  }, 120_000);
});
