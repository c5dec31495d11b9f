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
