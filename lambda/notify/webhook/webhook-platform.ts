import type { ChatOptions } from '../../render/chat/chat-summary.js';
import type { Locale } from '../../report/i18n.js';
import type { ReportMessage } from '../../report/report-message.js';
import { printable } from '../../shared/printable.js';

export const WEBHOOK_KINDS = ['wecom', 'feishu', 'lark', 'dingtalk', 'slack', 'json'] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

export function isWebhookKind(value: string): value is WebhookKind {
  return (WEBHOOK_KINDS as readonly string[]).includes(value);
}

export interface PreparedRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * What a person does about a refused answer, said by the channel with the setting the URL came from:
 * `url` the URL is not a robot's webhook (404, an HTML page); `access` the robot refuses this sender
 * (401/403: key, signing secret, IP allow-list); `later` the platform or a proxy is failing (429, 5xx).
 */
export type VerdictFix = 'url' | 'access' | 'later';

/** How a platform's answer reads: accepted, or refused with whether a retry can help. */
export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly retryable: boolean; readonly reason: string; readonly fix?: VerdictFix };

/** One chat platform's protocol: its message format within its limits, its signing, its answers. */
export interface WebhookPlatform {
  readonly kind: WebhookKind;
  /** Least time between two messages to one webhook, from the platform's documented rate limit. */
  readonly minIntervalMs: number;
  /** The message body for a report, already shortened to the platform's limits. */
  payload(message: ReportMessage, locale: Locale, now: Date, options?: ChatOptions): unknown;
  /** Signs (where the platform signs) and serialises; called again for every attempt. */
  prepare(request: {
    url: string;
    payload: unknown;
    secret: string | undefined;
    now: Date;
    id: string;
  }): PreparedRequest;
  /**
   * The verdict on an answer. `body` has the URL's secrets and the signing secret taken out
   * already (redacted whole, then cut here to length), so what a verdict quotes of it is safe.
   */
  interpret(status: number, body: string): Verdict;
}

/** An HTTP status any platform treats alike: 429 and 5xx are worth a retry. */
export function httpVerdict(status: number, body: string): Verdict | undefined {
  if (status === 429 || status >= 500) return { ok: false, retryable: true, reason: `HTTP ${status}`, fix: 'later' };
  if (status < 200 || status >= 300)
    return {
      ok: false,
      retryable: false,
      reason: `HTTP ${status}: ${printable(body, { max: 200 })}`,
      fix: status === 401 || status === 403 ? 'access' : 'url',
    };
  return undefined;
}

export function jsonBody(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

export const JSON_CONTENT: Readonly<Record<string, string>> = { 'content-type': 'application/json' };

/** The request of a platform that does not sign: the payload as JSON to the URL as given. */
export function unsignedJson({ url, payload }: { url: string; payload: unknown }): PreparedRequest {
  return { url, body: JSON.stringify(payload), headers: JSON_CONTENT };
}

/**
 * Reads a chat platform's answer the way they all work: the HTTP status first, then the platform's
 * own code in a 200 body (`errcode`, `code`…). Returns the verdict when that settles it (HTTP error,
 * code 0, no code at all), else the non-zero code and the body for the platform's own table.
 */
export function readPlatformAnswer(
  status: number,
  body: string,
  codeKeys: readonly string[],
  platform: string,
): Verdict | { readonly code: number; readonly json: Record<string, unknown> } {
  const http = httpVerdict(status, body);
  if (http) return http;
  const json = jsonBody(body);
  const code = codeKeys.map((key) => json?.[key]).find((value): value is number => typeof value === 'number');
  if (code === 0) return { ok: true };
  if (code === undefined || !json)
    return { ok: false, retryable: false, reason: `the answer is not a ${platform} answer`, fix: 'url' };
  return { code, json };
}

/** A webhook delivery failed; the message names the platform and host, never the URL or secret. */
export class WebhookError extends Error {
  override name = 'WebhookError';
  /** The message already says what to do: `classifyFailure` adds nothing to it. */
  readonly explained: boolean;
  /** What to do, when the answer says it; the channel words it with the setting. */
  readonly fix?: VerdictFix;
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; explained?: boolean; fix?: VerdictFix },
  ) {
    super(message, options);
    this.explained = options?.explained ?? false;
    this.fix = options?.fix;
  }
}
