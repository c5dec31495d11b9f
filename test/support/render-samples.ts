import { PLATFORMS } from '../../lambda/notify/webhook/webhook-channel.js';
import type { WebhookKind } from '../../lambda/notify/webhook/webhook-platform.js';
import { renderDailyEmail } from '../../lambda/render/email/daily-email.js';
import { renderMonthlyEmail } from '../../lambda/render/email/monthly-email.js';
import { sampleDaily, sampleMonthly } from './sample-reports.js';
import { NOW } from './simulator.js';

/**
 * What users see, per channel and report, from fixed data: written to test/fixtures/samples by
 * `npm run samples`, and compared with it by a test so the checked-in samples never go stale.
 */
export function renderSamples(): Map<string, string> {
  const files = new Map<string, string>();
  const reports = { daily: sampleDaily(), monthly: sampleMonthly() };
  for (const [name, message] of Object.entries(reports)) {
    for (const kind of ['wecom', 'feishu', 'dingtalk', 'slack', 'json'] as WebhookKind[]) {
      const payload = PLATFORMS[kind].payload(message, 'zh-CN', NOW);
      files.set(`${kind}-${name}.json`, `${JSON.stringify(payload, null, 2)}\n`);
    }
    const email =
      message.kind === 'daily'
        ? renderDailyEmail(message.report, 'zh-CN')
        : renderMonthlyEmail(message.report, 'zh-CN');
    files.set(`email-${name}.html`, email.html);
    files.set(`email-${name}.txt`, `Subject: ${email.subject}\n\n${email.text}`);
    const english =
      message.kind === 'daily' ? renderDailyEmail(message.report, 'en') : renderMonthlyEmail(message.report, 'en');
    files.set(`email-${name}.en.txt`, `Subject: ${english.subject}\n\n${english.text}`);
  }
  return files;
}
