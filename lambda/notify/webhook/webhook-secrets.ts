import { redactSecrets, scrubValues } from '../../shared/redact.js';
import type { WebhookKind } from './webhook-platform.js';

/**
 * The secret parts of a webhook URL, by what each platform's URL holds: every query value (WeCom's
 * `?key=`, DingTalk's `?access_token=`), Slack's `/services/T…/B…/<token>`, Feishu/Lark's
 * `/bot/v2/hook/<token>`, any user and password, and for the JSON webhook (anyone's endpoint, a
 * path may be the only secret: `/hooks/catch/123456/abcdef`) the path and each longer segment.
 */
export function webhookUrlSecrets(kind: WebhookKind, url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const secrets = [url, parsed.username, parsed.password, ...parsed.searchParams.values()];
  if (parsed.search.length > 1) {
    const query = parsed.search.slice(1);
    // As written in the URL too: `+` for a space and lowercase escapes are not what encodeURIComponent gives back.
    secrets.push(query, ...query.split('&').map((pair) => pair.slice(pair.indexOf('=') + 1)));
  }
  const segments = parsed.pathname.split('/').filter(Boolean).map(decodeSegment);
  if (kind === 'slack' && parsed.pathname.startsWith('/services/')) secrets.push(...segments.slice(3));
  if (kind === 'feishu' || kind === 'lark') {
    const at = segments.indexOf('hook');
    if (at >= 0) secrets.push(...segments.slice(at + 1));
  }
  if (kind === 'json') {
    if (parsed.pathname.length > 1) secrets.push(parsed.pathname);
    secrets.push(...segments.filter((segment) => segment.length >= 6));
  }
  return secrets.filter((secret) => secret.length > 0);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The shortest piece of a secret that is masked wherever it appears on its own (a page that cut the URL). */
const FRAGMENT = 8;

/**
 * Masks every run of at least FRAGMENT characters that is a piece of a secret: an answer that
 * quotes the URL cut short ("…&sig=AbCdEf" up to its own limit) leaves no part of it. Whole URLs
 * and paths are left to the whole-value pass: their host and common words are not secret.
 */
function scrubFragments(text: string, secrets: readonly string[]): string {
  const pieces = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < FRAGMENT || secret.includes('://') || secret.startsWith('/')) continue;
    for (let i = 0; i + FRAGMENT <= secret.length; i++) pieces.add(secret.slice(i, i + FRAGMENT));
  }
  if (pieces.size === 0) return text;
  const masked = new Uint8Array(text.length);
  let any = false;
  for (let i = 0; i + FRAGMENT <= text.length; i++)
    if (pieces.has(text.slice(i, i + FRAGMENT))) {
      masked.fill(1, i, i + FRAGMENT);
      any = true;
    }
  if (!any) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (!masked[i]) out += text[i];
    else if (!masked[i - 1]) out += '***';
  }
  return out;
}

/**
 * A text about a webhook (its answer, an error) with the URL's secrets and the signing secret
 * taken out, whole or in pieces: before it is cut to length, and before it becomes an error, a log
 * line, a ledger detail or a FailedUnits reason.
 */
export function redactWebhookText(text: string, secrets: readonly string[]): string {
  return redactSecrets(scrubFragments(scrubValues(text, secrets), secrets));
}
