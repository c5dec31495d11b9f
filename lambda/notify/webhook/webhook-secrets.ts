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
  if (parsed.search.length > 1) secrets.push(parsed.search.slice(1));
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

/**
 * A text about a webhook (its answer, an error) with the URL's secrets and the signing secret
 * taken out: before it becomes an error, a log line, a ledger detail or a FailedUnits reason.
 */
export function redactWebhookText(text: string, secrets: readonly string[]): string {
  return redactSecrets(scrubValues(text, secrets));
}
