import { randomUUID } from 'node:crypto';
import type { Clock } from '../../calendar/beijing-calendar.js';
import type { Locale } from '../../report/i18n.js';
import type { ReportMessage } from '../../report/report-message.js';
import { type RetryPolicy, withRetries } from '../../shared/retry-policy.js';
import { dingtalkRobot } from '../dingtalk/dingtalk-robot.js';
import { feishuBot, larkBot } from '../feishu/feishu-bot.js';
import { standardJsonWebhook, standardWebhookKey } from '../json/standard-webhook.js';
import type { Delivery, ReportChannel } from '../report-channel.js';
import { slackWebhook } from '../slack/slack-webhook.js';
import { wecomRobot } from '../wecom/wecom-robot.js';
import { processPacer, type SendPacer } from './send-pacer.js';
import { WebhookError, type WebhookKind, type WebhookPlatform } from './webhook-platform.js';
import { redactWebhookText, webhookUrlSecrets } from './webhook-secrets.js';

export const PLATFORMS: Readonly<Record<WebhookKind, WebhookPlatform>> = {
  wecom: wecomRobot,
  feishu: feishuBot,
  lark: larkBot,
  dingtalk: dingtalkRobot,
  slack: slackWebhook,
  json: standardJsonWebhook,
};

export const WEBHOOK_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  totalBudgetMs: 60_000,
  requestTimeoutMs: 10_000,
};

export interface WebhookChannelOptions {
  readonly kind: WebhookKind;
  /** A secret: never logged. */
  readonly url: string;
  /** Signing secret (Feishu/Lark, DingTalk, json). A secret: never logged. */
  readonly secret?: string;
  /** @default 'zh-CN' */
  readonly locale?: Locale;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default WEBHOOK_RETRY_POLICY */
  readonly retry?: RetryPolicy;
  /** @default one pacer per process */
  readonly pacer?: SendPacer;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Checks a webhook URL and secret at configuration time, with a message that names the channel. */
export function validateWebhook(kind: WebhookKind, url: string, secret: string | undefined): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookError(`${kind} webhook: not a URL`, false);
  }
  // Reports are business data and URLs carry keys: plain HTTP only to this machine (tests, proxies).
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname))) {
    throw new WebhookError(`${kind} webhook: the URL must be https://`, false);
  }
  if (kind === 'json' && secret) standardWebhookKey(secret);
  return parsed;
}

/** Reports into a chat group or an HTTP endpoint: render for the platform, sign, post, read the answer. */
export class WebhookChannel implements ReportChannel {
  readonly key: string;
  readonly name: string;
  private readonly platform: WebhookPlatform;
  private readonly host: string;
  /** What an answer must never carry into an error: the URL's secrets and the signing secret. */
  private readonly secrets: readonly string[];

  constructor(private readonly options: WebhookChannelOptions) {
    this.platform = PLATFORMS[options.kind];
    this.host = validateWebhook(options.kind, options.url, options.secret).host;
    this.secrets = [...webhookUrlSecrets(options.kind, options.url), ...(options.secret ? [options.secret] : [])];
    this.key = options.kind;
    this.name = `${options.kind} webhook (${this.host})`;
  }

  async deliver(message: ReportMessage): Promise<Delivery> {
    const clock = this.options.clock ?? (() => new Date());
    const policy = this.options.retry ?? WEBHOOK_RETRY_POLICY;
    const payload = this.platform.payload(message, this.options.locale ?? 'zh-CN', clock());
    const id = `msg_${randomUUID()}`;
    await withRetries(
      async () => {
        await (this.options.pacer ?? processPacer).wait(this.options.url, this.platform.minIntervalMs);
        const request = this.platform.prepare({
          url: this.options.url,
          payload,
          secret: this.options.secret,
          now: clock(),
          id,
        });
        const { status, body } = await this.post(request, policy.requestTimeoutMs);
        const verdict = this.platform.interpret(status, body);
        // Error pages often quote the request ("Cannot POST /services/T…/B…/<token>"): no secret goes on.
        if (!verdict.ok)
          throw new WebhookError(
            `${this.name}: ${redactWebhookText(verdict.reason, [...this.secrets, ...webhookUrlSecrets(this.options.kind, request.url)])}`,
            verdict.retryable,
          );
      },
      policy,
      (error) => error instanceof WebhookError && error.retryable,
    );
    return { channel: this.name, detail: `accepted by ${this.host}` };
  }

  private async post(
    request: { url: string; body: string; headers: Readonly<Record<string, string>> },
    timeoutMs: number,
  ) {
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      const code = ((error as Error).cause as { code?: string } | undefined)?.code;
      const what =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : `connection failed${code ? `: ${code}` : ''}`;
      // The error object may quote the URL (with its key): keep only our own words.
      throw new WebhookError(`${this.name}: ${what}`, true);
    }
  }
}
