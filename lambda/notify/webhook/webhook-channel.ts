import { randomUUID } from 'node:crypto';
import type { Clock } from '../../calendar/beijing-calendar.js';
import type { ColourConvention } from '../../render/colours.js';
import type { Locale } from '../../report/i18n.js';
import type { ReportMessage } from '../../report/report-message.js';
import { printable } from '../../shared/printable.js';
import { type RetryPolicy, withRetries } from '../../shared/retry-policy.js';
import { parseUrlSetting } from '../../shared/url-setting.js';
import { dingtalkRobot } from '../dingtalk/dingtalk-robot.js';
import { feishuBot, larkBot } from '../feishu/feishu-bot.js';
import { standardJsonWebhook, standardWebhookKey } from '../json/standard-webhook.js';
import type { Delivery, ReportChannel } from '../report-channel.js';
import { slackWebhook } from '../slack/slack-webhook.js';
import { wecomRobot } from '../wecom/wecom-robot.js';
import { processPacer, type SendPacer } from './send-pacer.js';
import { type VerdictFix, WebhookError, type WebhookKind, type WebhookPlatform } from './webhook-platform.js';
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
  /** Which colour says up and which down. @default DEFAULT_COLOURS */
  readonly colours?: ColourConvention;
  /** The same audience also gets the report by email, so a shortened message can point there. @default false */
  readonly emailAlso?: boolean;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default WEBHOOK_RETRY_POLICY */
  readonly retry?: RetryPolicy;
  /** @default one pacer per process */
  readonly pacer?: SendPacer;
  /** Where the URL was given, for messages: `--webhook wecom=…`, `WXA_WEBHOOK_WECOM`, an SSM parameter. @default 'its URL' */
  readonly setting?: string;
}

/**
 * Checks a webhook URL and secret at configuration time, with a message that names the channel and
 * the setting (never the URL: it carries the robot's key).
 * @param setting where the URL was given, e.g. `--webhook wecom=…`, `WXA_WEBHOOK_WECOM`, an SSM parameter
 */
export function validateWebhook(kind: WebhookKind, url: string, secret: string | undefined, setting = 'its URL'): URL {
  let parsed: URL;
  try {
    // Reports are business data and URLs carry keys: plain HTTP only to this machine (tests, proxies).
    parsed = parseUrlSetting(url, setting, { protocols: ['https:'], loopbackHttp: true });
  } catch (error) {
    throw new WebhookError(`${kind} webhook: ${(error as Error).message}; copy the robot's webhook URL again`, false);
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
    this.host = validateWebhook(options.kind, options.url, options.secret, options.setting).host;
    this.secrets = [...webhookUrlSecrets(options.kind, options.url), ...(options.secret ? [options.secret] : [])];
    this.key = options.kind;
    this.name = `${options.kind} webhook (${this.host})`;
  }

  async deliver(message: ReportMessage): Promise<Delivery> {
    const clock = this.options.clock ?? (() => new Date());
    const policy = this.options.retry ?? WEBHOOK_RETRY_POLICY;
    const payload = this.platform.payload(message, this.options.locale ?? 'zh-CN', clock(), {
      colours: this.options.colours,
      emailAlso: this.options.emailAlso,
    });
    const id = `msg_${randomUUID()}`;
    let tries = 0;
    try {
      await withRetries(
        async (attempt) => {
          tries = attempt;
          await (this.options.pacer ?? processPacer).wait(this.options.url, this.platform.minIntervalMs);
          const request = this.platform.prepare({
            url: this.options.url,
            payload,
            secret: this.options.secret,
            now: clock(),
            id,
          });
          const { status, body, location } = await this.post(request, policy.requestTimeoutMs);
          if (status >= 300 && status < 400) throw this.redirected(status, location, request.url);
          // Error pages often quote the request ("Cannot POST /services/T…/B…/<token>"): the secrets
          // come out of the whole answer before a platform reads it, so no cut to length (of the
          // answer, of an errmsg) can leave a piece of one that no longer matches whole.
          const secrets = [...this.secrets, ...webhookUrlSecrets(this.options.kind, request.url)];
          const verdict = this.platform.interpret(status, redactWebhookText(body, secrets));
          if (!verdict.ok) {
            const reason = `${this.name}: ${printable(redactWebhookText(verdict.reason, secrets))}`;
            // A retryable refusal is said with its fix once the tries are spent (below).
            if (verdict.fix && !verdict.retryable)
              throw new WebhookError(`${reason}. ${this.fixFor(verdict.fix)}`, false, { explained: true });
            throw new WebhookError(reason, verdict.retryable, { fix: verdict.fix });
          }
        },
        policy,
        (error) => error instanceof WebhookError && error.retryable,
      );
    } catch (error) {
      if (error instanceof WebhookError && error.retryable && (tries > 1 || error.fix)) {
        const tried = tries > 1 ? ` (tried ${tries} times)` : '';
        const fix = error.fix ? `. ${this.fixFor(error.fix)}` : '';
        throw new WebhookError(`${error.message}${tried}${fix}`, true, {
          cause: error,
          explained: error.explained || error.fix !== undefined,
        });
      }
      throw error;
    }
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
        // A redirect is not followed (a POST would become a GET, the signature would not match, a
        // secret would go to another host): it is said, with where it points, for a person to fix.
        redirect: 'manual',
      });
      return {
        status: response.status,
        body: await response.text(),
        location: response.headers.get('location') ?? undefined,
      };
    } catch (error) {
      // The error object may quote the URL (with its key): keep only our own words.
      throw new WebhookError(`${this.name}: ${this.connectionProblem(error, timeoutMs)}`, true, { explained: true });
    }
  }

  /**
   * A 3xx answer: the URL redirects (a moved robot, http to https, a login page in front). Not
   * retried: the same request redirects again. Where it points is said with both URLs' secrets masked.
   */
  private redirected(status: number, location: string | undefined, requestUrl: string): WebhookError {
    const setting = this.options.setting ?? 'its URL';
    let target: string | undefined;
    if (location) {
      try {
        target = new URL(location, requestUrl).href;
      } catch {
        target = location;
      }
    }
    const secrets = [
      ...this.secrets,
      ...webhookUrlSecrets(this.options.kind, requestUrl),
      ...(target ? webhookUrlSecrets(this.options.kind, target).filter((secret) => secret !== target) : []),
    ];
    const where = target ? ` to ${redactWebhookText(target, secrets)}, secrets masked` : ' without saying where';
    return new WebhookError(
      `${this.name}: the URL redirects (HTTP ${status}${where}): a webhook is not followed across a redirect; put the address it should post to in ${setting}`,
      false,
      { explained: true },
    );
  }

  /** What a person does about a refused answer, naming the setting the URL came from. */
  private fixFor(fix: VerdictFix): string {
    const setting = this.options.setting ?? 'its URL';
    if (fix === 'access')
      return `The robot refuses this sender: check the robot's key in ${setting}, its signing secret, and its IP allow-list`;
    if (fix === 'later') return 'The platform or a proxy on the way is failing: run again later';
    return `Check the URL in ${setting}: is it the robot's webhook URL?`;
  }

  /** What went wrong before any answer, and what to do, from undici's error and its cause's code. */
  private connectionProblem(error: unknown, timeoutMs: number): string {
    if ((error as Error).name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s: try again later`;
    const code = ((error as Error).cause as { code?: string } | undefined)?.code ?? '';
    const setting = this.options.setting ?? 'its URL';
    if (code === 'ECONNREFUSED')
      return `connection refused: nothing accepts connections at ${this.host}. Check the host and port in ${setting}, and any proxy or firewall on the way`;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      return `the host name does not resolve (DNS): check the URL in ${setting}`;
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')
      return 'the connection was closed before an answer: try again later';
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT')
      return `no connection within ${timeoutMs / 1000} s: a firewall drops it, or the host is wrong (check ${setting})`;
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))
      return `its TLS certificate is not trusted (${code}): check the host in ${setting}; a proxy that inspects TLS needs NODE_EXTRA_CA_CERTS`;
    return `connection failed${code ? `: ${code}` : ''}`;
  }
}
