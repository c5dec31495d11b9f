/**
 * URL-shaped settings (the SMTP URL, webhook URLs, the relay and token service URLs), checked where
 * they are given. A refusal names the setting and says what to do; it never repeats the value, which
 * may carry a password or a robot key. Rules from RFC 3986 (what a URL may hold as is) and the WHATWG
 * URL parser (what `new URL` does with the rest).
 */
export class UrlSettingError extends Error {
  override name = 'UrlSettingError';
}

export interface UrlSettingRules {
  /** The schemes allowed, with their colon: `['https:']`, `['smtp:', 'smtps:']`. */
  readonly protocols: readonly string[];
  /** Plain `http://` is allowed too, to this machine only (tests, a local proxy). @default false */
  readonly loopbackHttp?: boolean;
  /**
   * The URL may carry a user and password (`smtp://user:pass@host`); the words that say what else the
   * user can do when they are not percent-encoded (e.g. "or give the password in SMTP_PASSWORD").
   * @default none: a URL without credentials
   */
  readonly credentialsAlternative?: string;
}

/** What a user or password must have percent-encoded in a URL, and how (RFC 3986 §2.1, §3.2.1). */
export const PERCENT_ENCODINGS = '% as %25, / as %2F, ? as %3F, # as %23, @ as %40, : as %3A, + as %2B, space as %20';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

// What a Chinese input method types in place of ASCII: full-width forms (：／＠ …) and the ideographic space.
const FULL_WIDTH = /[\u3000\uff01-\uff5e]/;

/** Characters that end the user and password part early, or a `%` that starts no escape. */
const BREAKS_USERINFO = /[/?#[\]\\]|%(?![0-9a-f]{2})/i;

/**
 * Checks a URL-shaped setting and returns it parsed.
 * @param setting how the user gave it, as the message should name it: `SMTP_URL`, `--webhook wecom=…`
 * @throws UrlSettingError naming the setting and the fix, never the value
 */
export function parseUrlSetting(value: string, setting: string, rules: UrlSettingRules): URL {
  const refuse = (problem: string) => new UrlSettingError(`${setting} ${problem}`);
  const text = value.trim();
  const schemes = rules.protocols.map((p) => `${p}//`).join(' or ');
  if (text === '') throw refuse(`is empty: give the whole URL (${schemes}…)`);
  if (/^["'`“‘「]|["'`”’」]$/.test(text))
    throw refuse(
      'is wrapped in quotes: remove them (an env file read by docker --env-file or systemd keeps quotes as part of the value)',
    );
  if (FULL_WIDTH.test(text))
    throw refuse(
      'contains a full-width character (：／＠ or a full-width space, as a Chinese input method types them): retype it with half-width characters',
    );
  if (/\s/.test(text)) throw refuse('contains a space or a line break: copy the URL again in one piece');
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) throw refuse(`does not start with ${schemes}: give the whole URL`);
  const rest = text.slice(scheme.length + 2);
  const at = rest.lastIndexOf('@');
  if (rules.credentialsAlternative !== undefined && at >= 0 && BREAKS_USERINFO.test(rest.slice(0, at))) {
    throw refuse(
      `is not a URL that can be read: its user and password must be percent-encoded (${PERCENT_ENCODINGS}), ${rules.credentialsAlternative}`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse(
      rules.credentialsAlternative === undefined
        ? `is not a URL: copy it again in full (${schemes}host/…)`
        : `is not a URL: check the host and the port; a user or password must be percent-encoded (${PERCENT_ENCODINGS}), ${rules.credentialsAlternative}`,
    );
  }
  const loopbackHttp = rules.loopbackHttp && url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  if (!rules.protocols.includes(url.protocol) && !loopbackHttp) {
    throw refuse(
      `must start with ${schemes}${rules.loopbackHttp ? ' (plain http:// only to this machine)' : ''}, not ${url.protocol}//`,
    );
  }
  if (url.hostname === '') throw refuse('has no host name: give the whole URL');
  return url;
}

/** The user and password of a URL checked by parseUrlSetting, decoded (`%40` → `@`). */
export function urlCredentials(url: URL): { readonly user: string; readonly password: string } | undefined {
  if (!url.username && !url.password) return undefined;
  return { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}
