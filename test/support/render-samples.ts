import { renderReportEmail } from '../../lambda/notify/email-channel.js';
import { PLATFORMS } from '../../lambda/notify/webhook/webhook-channel.js';
import type { WebhookKind } from '../../lambda/notify/webhook/webhook-platform.js';
import type { ReportMessage } from '../../lambda/report/report-message.js';
import { sampleDaily, sampleDigest, sampleMonthly } from './sample-reports.js';
import { NOW } from './simulator.js';

/**
 * What users see, per channel and report, from fixed data: written to test/fixtures/samples by
 * `npm run samples`, and compared with it by a test so the checked-in samples never go stale.
 */
export function renderSamples(): Map<string, string> {
  const files = new Map<string, string>();
  const noData: ReportMessage = {
    kind: 'no-data',
    notice: {
      job: 'daily',
      appid: 'wx5f1d0c3a9e7b2d41',
      appName: '喵喵商城',
      period: '2026-11-22',
      reason: 'errcode 61503: data not ready yet',
    },
  };
  const reports: Record<string, ReportMessage> = {
    daily: sampleDaily(),
    monthly: sampleMonthly(),
    'no-data': noData,
    digest: sampleDigest(),
  };
  for (const [name, message] of Object.entries(reports)) {
    for (const kind of ['wecom', 'feishu', 'dingtalk', 'slack', 'json'] as WebhookKind[]) {
      const payload = PLATFORMS[kind].payload(message, 'zh-CN', NOW);
      files.set(`${kind}-${name}.json`, `${JSON.stringify(payload, null, 2)}\n`);
    }
    const { email } = renderReportEmail(message, 'zh-CN');
    files.set(`email-${name}.html`, email.html);
    files.set(`email-${name}.txt`, `Subject: ${email.subject}\n\n${email.text}`);
    const english = renderReportEmail(message, 'en').email;
    files.set(`email-${name}.en.txt`, `Subject: ${english.subject}\n\n${english.text}`);
  }
  return files;
}
