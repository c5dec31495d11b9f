/**
 * Query parameters that carry secrets: WeChat's, DingTalk's and WeCom's, and the usual names of
 * signed and keyed URLs (Azure's `sig`/`code`, S3 presigned `X-Amz-Signature`, `api_key`, `password`).
 */
const SECRET_PARAMS =
  /((?:[?&]|\\u0026)(?:component_access_token|access_token|refresh_token|client_secret|secret|appsecret|key|api[_-]?key|sign|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|token|code|password|passwd|auth)=)(?:(?!:(?:\s|$))[^&#\s"'\\,;<>)])*/gi;

/**
 * Secrets that live in a URL's path or user part, wherever the URL is quoted (an error page that
 * says "Cannot POST /services/T…/B…/…" copies it): a Slack incoming webhook's token
 * (`/services/T…/B…/<token>`), a Feishu/Lark bot's (`/bot/v2/hook/<token>`), a password in
 * `scheme://user:password@host`.
 */
const SECRET_PATHS: readonly [RegExp, string][] = [
  [/(\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/)[A-Za-z0-9]+/g, '$1***'],
  [/(\/bot\/v2\/hook\/)[A-Za-z0-9_-]+/g, '$1***'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"']*:)[^\s/@"']+@/gi, '$1***@'],
];

/** Masks the secrets any URL quoted in a text may hold (query keys and tokens, path tokens, passwords). */
export function redactSecrets(text: string): string {
  let out = text.replace(SECRET_PARAMS, '$1***');
  for (const [pattern, replacement] of SECRET_PATHS) out = out.replace(pattern, replacement);
  return out;
}

/** Masks secret query parameters (and path tokens, passwords) so a URL can be logged or put in an error. */
export const redactUrl = redactSecrets;

/**
 * A URL of the user's own server (a token service, a cloud-call relay) as messages may show it: its
 * scheme, host and port, the first path segment when it is a plain word (`/token`, `/wxa-relay`), and
 * nothing else of the path or query (`/token/***?***`). Such servers are often keyed by a secret in
 * the path or under any query name, which no list of names can know; the message names the setting
 * the URL came from, so the user knows which URL is meant. Not a URL: masked as any text is.
 */
export function redactServerUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactSecrets(url);
  }
  const [first, ...rest] = parsed.pathname.split('/').filter(Boolean);
  const head = first === undefined ? '' : /^[A-Za-z][A-Za-z_-]{0,19}$/.test(first) ? `/${first}` : '/***';
  const path = `${head}${rest.length ? '/***' : ''}`;
  return `${parsed.protocol}//${parsed.host}${path || '/'}${parsed.search ? '?***' : ''}`;
}

/** Every URL in a text as `redactServerUrl` shows it (a fetch error that quotes the URL it refused). */
export const redactServerUrls = (text: string): string =>
  redactSecrets(text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactServerUrl(url)));

/** Replaces each value, and its percent-encoded form, with `***` (longest first, so none leaves a tail). */
export function scrubValues(text: string, values: Iterable<string>): string {
  const forms = new Set<string>();
  for (const value of values) {
    if (value.length < 4) continue;
    forms.add(value);
    forms.add(encodeURIComponent(value));
    // As a JSON answer may quote it (PHP and others escape "/").
    if (value.includes('/')) forms.add(value.replaceAll('/', '\\/'));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('***');
  return out;
}

/**
 * Remembers the secret values seen in this process (AppSecrets, access tokens, webhook keys) and
 * removes them from any text before it leaves: error messages, logs, printed output. Belt and braces
 * on top of never putting them there in the first place.
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would mangle ordinary text and are not credentials anyway.
    if (secret && secret.length >= 6) this.secrets.add(secret);
  }

  scrub(text: string): string {
    let out = redactSecrets(text);
    for (const s of this.secrets) out = out.split(s).join('***');
    return out;
  }
}

/**
 * Log fields with every string redacted (`redactSecrets`), errors included (as name, message and
 * stack), so a structured log line carries no secret however deep it sits.
 */
export function redactFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth > 6 || typeof value !== 'object' || value === null) return value;
  if (value instanceof Error)
    return {
      name: value.name,
      message: redactSecrets(value.message),
      ...(value.stack ? { stack: redactSecrets(value.stack) } : {}),
    };
  if (Array.isArray(value)) return value.map((item) => redactFields(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactFields(item, depth + 1)]));
}

/** The error to let out of a function (Lambda logs what a handler throws): same name, message redacted. */
export function redactedError(error: unknown): Error {
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  if (error instanceof Error && message === error.message) return error;
  // A new error: the original's stack (and its cause's) would quote the message again.
  const safe = new Error(message);
  safe.name = error instanceof Error ? error.name : 'Error';
  return safe;
}
