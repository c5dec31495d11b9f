import { createHmac } from 'node:crypto';
import { buildChatSummary, renderToFit } from '../../render/chat/chat-summary.js';
import { renderFeishuCard } from '../../render/chat/feishu-card.js';
import {
  JSON_CONTENT,
  readPlatformAnswer,
  utf8Bytes,
  type WebhookKind,
  type WebhookPlatform,
} from '../webhook/webhook-platform.js';

/** Feishu's limit on a request body; some room is left for the signing fields. */
export const FEISHU_MAX_BODY_BYTES = 20 * 1024;
const SIGNING_ROOM = 128;

/**
 * Feishu's signature: HMAC-SHA256 keyed with "<timestamp>\n<secret>" over an empty message, base64.
 * The timestamp is in seconds and both go in the body.
 */
export function feishuSignature(timestampSeconds: number, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

const RETRYABLE = new Set([9499, 11232, 11233]);

/** Feishu (open.feishu.cn) and Lark (open.larksuite.com) custom bots: the same protocol. */
function feishuLike(kind: Extract<WebhookKind, 'feishu' | 'lark'>): WebhookPlatform {
  return {
    kind,
    // 100 a minute and 5 a second per bot.
    minIntervalMs: 600,
    payload: (message, locale, _now, options) =>
      renderToFit(
        buildChatSummary(message, locale, options),
        renderFeishuCard,
        (p) => utf8Bytes(JSON.stringify(p)) <= FEISHU_MAX_BODY_BYTES - SIGNING_ROOM,
      ),
    prepare({ url, payload, secret, now }) {
      const timestamp = Math.floor(now.getTime() / 1000);
      const signed = secret
        ? { timestamp: String(timestamp), sign: feishuSignature(timestamp, secret), ...(payload as object) }
        : payload;
      return { url, body: JSON.stringify(signed), headers: JSON_CONTENT };
    },
    interpret(status, body) {
      // Older Feishu endpoints answer {"StatusCode": 0, "StatusMessage": "success"}.
      const answer = readPlatformAnswer(status, body, ['code', 'StatusCode'], `${kind} bot`);
      if ('ok' in answer) return answer;
      const { code, json } = answer;
      const reason = `${kind} code ${code} (${String(json.msg ?? json.StatusMessage ?? '')})`;
      if (RETRYABLE.has(code)) return { ok: false, retryable: true, reason };
      if (code === 19021) {
        return {
          ok: false,
          retryable: false,
          reason: `${reason}: signature rejected; check the bot's signing secret and this machine's clock`,
        };
      }
      if (code === 19024)
        return { ok: false, retryable: false, reason: `${reason}: the bot only accepts messages with its keywords` };
      if (code === 19022)
        return { ok: false, retryable: false, reason: `${reason}: this IP is not on the bot's allow list` };
      return { ok: false, retryable: false, reason };
    },
  };
}

export const feishuBot = feishuLike('feishu');
export const larkBot = feishuLike('lark');
