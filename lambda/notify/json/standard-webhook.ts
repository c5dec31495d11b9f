import { createHmac } from 'node:crypto';
import { dailyReportJson } from '../../report/daily-report.js';
import { type DigestReport, digestReportJson } from '../../report/digest-report.js';
import { monthlyReportJson } from '../../report/monthly-report.js';
import { largestFitting } from '../../shared/largest-fitting.js';
import {
  httpVerdict,
  JSON_CONTENT,
  utf8Bytes,
  WebhookError,
  type WebhookPlatform,
} from '../webhook/webhook-platform.js';

export const JSON_MAX_BODY_BYTES = 20 * 1024;

export class WebhookSecretError extends Error {
  override name = 'WebhookSecretError';
}

/** A Standard Webhooks secret is `whsec_` + base64 key bytes. */
export function standardWebhookKey(secret: string): Buffer {
  if (!secret.startsWith('whsec_')) throw new WebhookSecretError('a json webhook secret must look like whsec_<base64>');
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  if (key.length < 16)
    throw new WebhookSecretError('a json webhook secret must carry at least 16 bytes of key after whsec_');
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, the Standard Webhooks signature. */
export function standardWebhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', standardWebhookKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/** The ranking's top rows the JSON keeps while the apps without a report still give way. */
const RANKED_KEPT = 10;

/**
 * The digest's JSON, under JSON_MAX_BODY_BYTES whatever the number of apps: the apps without a
 * report are listed as far as they fit beside the ranking's top RANKED_KEPT rows (most urgent first;
 * `problemsOmitted` counts the rest, `problemCounts` counts them all by reason), then the ranking
 * takes what room is left (`rankedOmitted`). Still too big (names of extraordinary length) is refused.
 */
function digestPayload(report: DigestReport, now: Date) {
  const payload = (ranked: number, problems: number) => ({
    type: 'report.digest',
    timestamp: now.toISOString(),
    data: digestReportJson(report, ranked, problems),
  });
  const size = (ranked: number, problems: number) => utf8Bytes(JSON.stringify(payload(ranked, problems)));
  const top = Math.min(RANKED_KEPT, report.ranked.length);
  const problems = largestFitting(report.problems.length, (n) => size(top, n) <= JSON_MAX_BODY_BYTES);
  const ranked = largestFitting(report.ranked.length, (n) => size(n, problems) <= JSON_MAX_BODY_BYTES);
  const bytes = size(ranked, problems);
  if (bytes > JSON_MAX_BODY_BYTES)
    throw new WebhookError(`the JSON digest is ${bytes} bytes even shortened, over ${JSON_MAX_BODY_BYTES}`, false);
  return payload(ranked, problems);
}

/** Generic JSON to any HTTPS endpoint, signed the Standard Webhooks way. */
export const standardJsonWebhook: WebhookPlatform = {
  kind: 'json',
  minIntervalMs: 0,
  payload(message, _locale, now) {
    if (message.kind === 'digest') return digestPayload(message.report, now);
    const data =
      message.kind === 'daily'
        ? dailyReportJson(message.report)
        : message.kind === 'monthly'
          ? monthlyReportJson(message.report)
          : {
              appid: message.notice.appid,
              job: message.notice.job,
              period: message.notice.period,
              reason: message.notice.reason,
            };
    const type = message.kind === 'no-data' ? `report.${message.notice.job}.no-data` : `report.${message.kind}`;
    const payload = { type, timestamp: now.toISOString(), data };
    const size = utf8Bytes(JSON.stringify(payload));
    if (size > JSON_MAX_BODY_BYTES)
      throw new WebhookError(`the JSON payload is ${size} bytes, over ${JSON_MAX_BODY_BYTES}`, false);
    return payload;
  },
  prepare({ url, payload, secret, now, id }) {
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(now.getTime() / 1000);
    const headers: Record<string, string> = {
      ...JSON_CONTENT,
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
    };
    if (secret) headers['webhook-signature'] = standardWebhookSignature(secret, id, timestamp, body);
    return { url, body, headers };
  },
  interpret: (status, body) => httpVerdict(status, body) ?? { ok: true },
};
