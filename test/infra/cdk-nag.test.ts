import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { WxaReporterStack } from '../../lib/wxa-reporter-stack.js';
import { buildStack, CONFIG, PLATFORM_CONFIG } from './stack-fixture.js';

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
        encryption: 'KMS',
        config: { ...CONFIG, email: { transport: 'ses', from: 'r@example.com', identity: 'example.com' } },
      },
    ],
    ['a fixed egress IP', { fixedEgressIp: true }],
    ['a third-party platform behind a fixed egress IP', { fixedEgressIp: true, config: PLATFORM_CONFIG }],
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
  it('passes the synthesized template', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'wxa-cdk-'));
    const app = new App({ outdir });
    const stack = new WxaReporterStack(app, 'WxaReporterLint', {
      env: { account: '123456789012', region: 'ap-east-1' },
      // The platform's function, URL, table and schedule are linted too.
      config: PLATFORM_CONFIG,
      alarmEmail: 'oncall@example.com',
    });
    app.synth();

    // W3005 (a DependsOn next to a GetAtt of the same role) is how CDK orders IAM before Lambda.
    const run = promisify(execFile)('.venv/bin/cfn-lint', [
      '--ignore-checks',
      'W3005',
      '--',
      join(outdir, stack.templateFile),
    ]);

    await expect(run).resolves.toBeDefined();
    await rm(outdir, { recursive: true, force: true });
  });
});

describe('npm run synth', () => {
  it('works offline with no AWS credentials, with cdk-nag enforcing', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'wxa-synth-'));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')),
    );

    const { stderr } = await promisify(execFile)('npx', ['cdk', 'synth', '-q', '--output', outdir], {
      env: { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true', HOME: outdir },
    });

    expect(stderr).not.toMatch(/ERROR/);
    await rm(outdir, { recursive: true, force: true });
  }, 120_000);
});
