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

/**
 * The digest's JSON; with thousands of apps the full ranking would pass the size limit, so it is cut
 * from the lowest-ranked end (as many lines as fit) and `rankedOmitted` says how many were left out.
 */
function digestPayload(report: DigestReport, now: Date) {
  const payload = (keep: number) => ({
    type: 'report.digest',
    timestamp: now.toISOString(),
    data: digestReportJson(report, keep),
  });
  const fits = (keep: number) => utf8Bytes(JSON.stringify(payload(keep))) <= JSON_MAX_BODY_BYTES;
  return payload(largestFitting(report.ranked.length, fits));
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
