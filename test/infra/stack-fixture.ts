import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, expect } from 'vitest';
import type { DeploymentConfigInput } from '../../lambda/config/deployment-config.js';
import { WxaReporterStack, type WxaReporterStackProps } from '../../lib/wxa-reporter-stack.js';

export const CONFIG: DeploymentConfigInput = {
  apps: [
    { name: 'shop', displayName: '喵喵商城', recipients: ['ops@example.com'], webhooks: ['wecom'] },
    { name: 'coffee', recipients: ['growth@example.com'], language: 'en' },
  ],
  email: { transport: 'smtp', from: 'wxa-reporter <reports@example.com>' },
};

/** The same, for an agency with a third-party platform whose discovered apps report to its ops team. */
export const PLATFORM_CONFIG: DeploymentConfigInput = {
  ...CONFIG,
  component: { appid: 'wxc0mp0nent0000001', defaults: { recipients: ['agency-ops@example.com'] } },
};

/** The same, compacting the archive into the curated layer (the compaction function, its queue and schedule). */
export const COMPACT_CONFIG: DeploymentConfigInput = { ...CONFIG, archive: { compact: true } };

// CDK keys its bundle cache by the assembly directory: apps that share one bundle each Lambda once
// per test file instead of once per app.
const OUTDIR = mkdtempSync(join(tmpdir(), 'wxa-infra-'));
afterAll(() => rmSync(OUTDIR, { recursive: true, force: true }));

/** An app whose Lambda bundles are reused by every other app of the test file. */
export function testApp(): App {
  return new App({ outdir: OUTDIR });
}

/** Beijing, in the aws-cn partition. */
export const CHINA = { account: '123456789012', region: 'cn-north-1' } as const;

/** Singapore: SES and Function URLs (Hong Kong, the fixture's default region, has no SES). */
export const SINGAPORE = { account: '123456789012', region: 'ap-southeast-1' } as const;

/**
 * A stack in a fixed account and region, as `cdk synth` would build it, named as the CDK app names
 * it by default (so its names are those of an existing single deployment).
 */
export function buildStack(overrides: Partial<WxaReporterStackProps> = {}): { app: App; stack: WxaReporterStack } {
  const app = testApp();
  const stack = new WxaReporterStack(app, 'WxaReporter', {
    env: { account: '123456789012', region: 'ap-east-1' },
    config: CONFIG,
    alarmEmail: 'oncall@example.com',
    ...overrides,
  });
  return { app, stack };
}

export type TemplateResource = { Properties: Record<string, unknown> };

/** The one resource of a type whose logical ID starts with `prefix` (fails the test if there are none or several). */
export function resourceNamed(template: Template, type: string, prefix: string): TemplateResource {
  const found = Object.entries(template.findResources(type))
    .filter(([id]) => id.startsWith(prefix))
    .map(([, r]) => r) as TemplateResource[];
  expect(found).toHaveLength(1);
  return found[0] as TemplateResource;
}
