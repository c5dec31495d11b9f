import { App } from 'aws-cdk-lib';
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

/** A stack in a fixed account and region, as `cdk synth` would build it. */
export function buildStack(overrides: Partial<WxaReporterStackProps> = {}): { app: App; stack: WxaReporterStack } {
  const app = new App();
  const stack = new WxaReporterStack(app, 'WxaReporterTest', {
    env: { account: '123456789012', region: 'ap-east-1' },
    config: CONFIG,
    alarmEmail: 'oncall@example.com',
    ...overrides,
  });
  return { app, stack };
}
