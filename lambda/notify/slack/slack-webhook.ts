import { buildChatSummary, renderToFit } from '../../render/chat/chat-summary.js';
import { renderSlackBlocks, SLACK_MAX_BLOCKS, SLACK_MAX_SECTION_TEXT } from '../../render/chat/slack-blocks.js';
import { httpVerdict, unsignedJson, type WebhookPlatform } from '../webhook/webhook-platform.js';

function fitsSlack(p: { text: string; blocks: unknown[] }): boolean {
  return (
    p.blocks.length <= SLACK_MAX_BLOCKS &&
    p.text.length <= 3000 &&
    p.blocks.every((b) => {
      const text = (b as { text?: { text?: string } }).text?.text;
      return text === undefined || text.length <= SLACK_MAX_SECTION_TEXT;
    })
  );
}

/** Slack incoming webhook: Block Kit with a `text` fallback. About one message a second. */
export const slackWebhook: WebhookPlatform = {
  kind: 'slack',
  minIntervalMs: 1_000,
  payload: (message, locale, _now, options) =>
    renderToFit(buildChatSummary(message, locale, options), renderSlackBlocks, fitsSlack),
  prepare: unsignedJson,
  interpret(status, body) {
    const http = httpVerdict(status, body);
    if (http) {
      if (
        !http.ok &&
        !http.retryable &&
        /no_service|no_team|invalid_token|channel_is_archived|action_prohibited/.test(body)
      ) {
        return {
          ok: false,
          retryable: false,
          reason: `${http.reason}: the webhook was revoked or its channel archived; create a new one`,
        };
      }
      return http;
    }
    return { ok: true };
  },
};
