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

// The separators a Chinese input method types where a list wants a half-width comma.
const FULL_WIDTH_SEPARATORS: Readonly<Record<string, string>> = {
  '，': 'a full-width comma (，)',
  '、': 'an ideographic comma (、)',
  '；': 'a full-width semicolon (；)',
};

/**
 * What is wrong with a comma-separated list setting (recipients, Availability Zones, API names) typed
 * with a Chinese input method, as the words after its name; undefined when it has no full-width
 * character. Names the character, never the value.
 */
export function fullWidthListProblem(text: string): string | undefined {
  const found = new RegExp(`[${Object.keys(FULL_WIDTH_SEPARATORS).join('')}]|${FULL_WIDTH.source}`).exec(text)?.[0];
  if (found === undefined) return undefined;
  const separator = FULL_WIDTH_SEPARATORS[found];
  if (separator)
    return `contains ${separator}, as a Chinese input method types it: separate the entries with a half-width comma (,)`;
  const shown = found === '\u3000' ? 'a full-width space' : found;
  return `contains a full-width character (${shown}), as a Chinese input method types it: retype it with half-width characters`;
}

/** Characters that end the user and password part early, or a `%` that starts no escape. */
const BREAKS_USERINFO = /[/?#[\]\\]|%(?![0-9a-f]{2})/i;

/**
 * What is wrong with text pasted where a URL (or a list of them) was due, before it is read as one:
 * quotes kept by an env file, a full-width character typed by a Chinese input method (a full-width
 * comma in a list included), a space or line break from a cut. Undefined when none; never quotes the value.
 */
export function pastedTextProblem(text: string): string | undefined {
  if (/^["'`“‘「]|["'`”’」]$/.test(text))
    return 'is wrapped in quotes: remove them (an env file read by docker --env-file or systemd keeps quotes as part of the value)';
  if (FULL_WIDTH.test(text))
    return 'contains a full-width character (：／＠， or a full-width space, as a Chinese input method types them): retype it with half-width characters';
  if (/\s/.test(text)) return 'contains a space or a line break: copy the URL again in one piece';
  return undefined;
}

/**
 * What is wrong with a URL-shaped setting, as the words after its name ("is wrapped in quotes: …"),
 * or the URL parsed. Never quotes the value.
 */
export function checkUrlSetting(
  value: string,
  rules: UrlSettingRules,
): { readonly url: URL } | { readonly problem: string } {
  const text = value.trim();
  const schemes = rules.protocols.map((p) => `${p}//`).join(' or ');
  if (text === '') return { problem: `is empty: give the whole URL (${schemes}…)` };
  const pasted = pastedTextProblem(text);
  if (pasted) return { problem: pasted };
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) return { problem: `does not start with ${schemes}: give the whole URL` };
  const rest = text.slice(scheme.length + 2);
  const at = rest.lastIndexOf('@');
  if (rules.credentialsAlternative !== undefined && at >= 0 && BREAKS_USERINFO.test(rest.slice(0, at))) {
    return {
      problem: `is not a URL that can be read: its user and password must be percent-encoded (${PERCENT_ENCODINGS}), ${rules.credentialsAlternative}`,
    };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return {
      problem:
        rules.credentialsAlternative === undefined
          ? `is not a URL: copy it again in full (${schemes}host/…)`
          : `is not a URL: check the host and the port; a user or password must be percent-encoded (${PERCENT_ENCODINGS}), ${rules.credentialsAlternative}`,
    };
  }
  const loopbackHttp = rules.loopbackHttp && url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  if (!rules.protocols.includes(url.protocol) && !loopbackHttp) {
    return {
      problem: `must start with ${schemes}${rules.loopbackHttp ? ' (plain http:// only to this machine)' : ''}, not ${url.protocol}//`,
    };
  }
  if (url.hostname === '') return { problem: 'has no host name: give the whole URL' };
  // fetch refuses a URL with credentials ("Request cannot be constructed…"), whatever is at the other end.
  if (rules.credentialsAlternative === undefined && (url.username || url.password))
    return {
      problem:
        'carries a user name or password (user:password@ before the host), which cannot be sent this way: give the URL without them; a key the service needs goes where the service documents it (in its path or its query)',
    };
  return { url };
}

/**
 * Checks a URL-shaped setting and returns it parsed.
 * @param setting how the user gave it, as the message should name it: `SMTP_URL`, `--webhook wecom=…`
 * @throws UrlSettingError naming the setting and the fix, never the value
 */
export function parseUrlSetting(value: string, setting: string, rules: UrlSettingRules): URL {
  const checked = checkUrlSetting(value, rules);
  if ('problem' in checked) throw new UrlSettingError(`${setting} ${checked.problem}`);
  return checked.url;
}

/** The user and password of a URL checked by parseUrlSetting, decoded (`%40` → `@`). */
export function urlCredentials(url: URL): { readonly user: string; readonly password: string } | undefined {
  if (!url.username && !url.password) return undefined;
  return { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}
