import { createHmac } from 'node:crypto';
import { buildChatSummary, renderToFit } from '../../render/chat/chat-summary.js';
import { renderDingtalkMarkdown } from '../../render/chat/dingtalk-markdown.js';
import { JSON_CONTENT, readPlatformAnswer, utf8Bytes, type WebhookPlatform } from '../webhook/webhook-platform.js';

export const DINGTALK_MAX_BODY_BYTES = 20_000;

/**
 * DingTalk's signature: HMAC-SHA256 keyed with the secret over "<timestamp>\n<secret>", base64, then
 * URL-encoded into the query. The timestamp is in milliseconds.
 */
export function dingtalkSignature(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** DingTalk custom robot: `https://oapi.dingtalk.com/robot/send?access_token=…`. 20 messages a minute. */
export const dingtalkRobot: WebhookPlatform = {
  kind: 'dingtalk',
  minIntervalMs: 3_000,
  payload: (message, locale, _now, options) =>
    renderToFit(
      buildChatSummary(message, locale, options),
      renderDingtalkMarkdown,
      (p) => utf8Bytes(JSON.stringify(p)) <= DINGTALK_MAX_BODY_BYTES,
    ),
  prepare({ url, payload, secret, now }) {
    let signedUrl = url;
    if (secret) {
      const timestamp = now.getTime();
      const separator = url.includes('?') ? '&' : '?';
      signedUrl = `${url}${separator}timestamp=${timestamp}&sign=${encodeURIComponent(dingtalkSignature(timestamp, secret))}`;
    }
    return { url: signedUrl, body: JSON.stringify(payload), headers: JSON_CONTENT };
  },
  interpret(status, body) {
    const answer = readPlatformAnswer(status, body, ['errcode'], 'DingTalk robot');
    if ('ok' in answer) return answer;
    const { code: errcode, json } = answer;
    const reason = `DingTalk errcode ${errcode} (${String(json.errmsg ?? '')})`;
    if (errcode === 130101 || errcode === -1) return { ok: false, retryable: true, reason };
    if (errcode === 310000) {
      return {
        ok: false,
        retryable: false,
        reason: `${reason}: check the signing secret, the keywords and the IP range in the robot's security settings`,
      };
    }
    if (errcode === 300001)
      return {
        ok: false,
        retryable: false,
        reason: `${reason}: the access_token in the robot URL is wrong or the robot was removed`,
      };
    return { ok: false, retryable: false, reason };
  },
};
