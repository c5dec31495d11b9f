import { renderReportEmail } from '../../lambda/notify/email-channel.js';
import { PLATFORMS } from '../../lambda/notify/webhook/webhook-channel.js';
import type { WebhookKind } from '../../lambda/notify/webhook/webhook-platform.js';
import type { Locale } from '../../lambda/report/i18n.js';
import type { ReportMessage } from '../../lambda/report/report-message.js';
import {
  SAMPLE_PROBLEMS,
  sampleDaily,
  sampleDailyAnomaly,
  sampleDailyFirstDay,
  sampleDailyHistoryMissing,
  sampleDigest,
  sampleMonthly,
} from './sample-reports.js';
import { NOW } from './simulator.js';

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

/**
 * Every report a reader may get, by sample name: the daily report on a normal day, on a day with a
 * drop, for an app named only by its AppID, as an app's first (three weeks after it went live), and as a first whose history WeChat's
 * quota cut short; the monthly report; the "no data" notice; the digest of 3 Mini
 * Programs and of 60, each with apps that have no report.
 */
export const SAMPLE_MESSAGES: Readonly<Record<string, () => ReportMessage>> = {
  daily: () => sampleDaily(),
  'daily-anomaly': () => sampleDailyAnomaly(),
  // An app with no display name is named by its AppID: the longest unbreakable heading.
  'daily-appid-as-name': () => sampleDaily('wx5f1d0c3a9e7b2d41'),
  'daily-first-day': () => sampleDailyFirstDay(),
  'daily-history-missing': () => sampleDailyHistoryMissing(),
  monthly: () => sampleMonthly(),
  'no-data': () => noData,
  'digest-3': () => sampleDigest(3, SAMPLE_PROBLEMS.slice(0, 1)),
  'digest-60': () => sampleDigest(60, SAMPLE_PROBLEMS),
};

export const SAMPLE_LOCALES: readonly Locale[] = ['zh-CN', 'en'];

/** `email-daily.html` for Chinese, `email-daily.en.html` for English. */
export const sampleFile = (name: string, locale: Locale, extension: string) =>
  `email-${name}${locale === 'en' ? '.en' : ''}.${extension}`;

/**
 * What users see, per channel and report, from fixed data: written to test/fixtures/samples by
 * `npm run samples`, and compared with it by a test so the checked-in samples never go stale. Chat
 * messages are as a deployment sends them to an audience that also gets the email.
 */
export function renderSamples(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, make] of Object.entries(SAMPLE_MESSAGES)) {
    const message = make();
    for (const kind of ['wecom', 'feishu', 'dingtalk', 'slack', 'json'] as WebhookKind[]) {
      const payload = PLATFORMS[kind].payload(message, 'zh-CN', NOW, { emailAlso: true });
      files.set(`${kind}-${name}.json`, `${JSON.stringify(payload, null, 2)}\n`);
    }
    for (const locale of SAMPLE_LOCALES) {
      const { email } = renderReportEmail(message, locale);
      files.set(sampleFile(name, locale, 'html'), email.html);
      files.set(sampleFile(name, locale, 'txt'), `Subject: ${email.subject}\n\n${email.text}`);
    }
  }
  return files;
}
