import { buildChatSummary, renderToFit } from '../../render/chat/chat-summary.js';
import { renderWecomMarkdown } from '../../render/chat/wecom-markdown.js';
import { readPlatformAnswer, unsignedJson, utf8Bytes, type WebhookPlatform } from '../webhook/webhook-platform.js';

/** WeCom's limit on markdown content, in UTF-8 bytes. */
export const WECOM_MAX_CONTENT_BYTES = 4096;

const RETRYABLE = new Set([-1, 45009, 45033]);

/**
 * WeCom (企业微信) group robot: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`. No signing:
 * the key in the URL is the secret. 20 messages a minute per robot.
 */
export const wecomRobot: WebhookPlatform = {
  kind: 'wecom',
  minIntervalMs: 3_000,
  payload: (message, locale, _now, options) =>
    renderToFit(
      buildChatSummary(message, locale, options),
      renderWecomMarkdown,
      (p) => utf8Bytes(p.markdown.content) <= WECOM_MAX_CONTENT_BYTES,
    ),
  prepare: unsignedJson,
  interpret(status, body) {
    const answer = readPlatformAnswer(status, body, ['errcode'], 'WeCom robot');
    if ('ok' in answer) return answer;
    const { code: errcode, json } = answer;
    const reason = `WeCom errcode ${errcode} (${String(json.errmsg ?? '').split(',')[0]})`;
    if (RETRYABLE.has(errcode)) return { ok: false, retryable: true, reason };
    if (errcode === 93000)
      return {
        ok: false,
        retryable: false,
        reason: `${reason}: the robot key is invalid or the robot was removed; copy its webhook URL again`,
      };
    return { ok: false, retryable: false, reason };
  },
};
