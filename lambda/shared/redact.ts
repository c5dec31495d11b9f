/** Query parameters that carry secrets in WeChat, DingTalk and WeCom URLs. */
const SECRET_PARAMS = /([?&](?:component_access_token|access_token|secret|appsecret|key|sign|token)=)[^&#\s"']*/gi;

/** Masks secret query parameters so a URL can be logged or put in an error. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1***');
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
    let out = redactUrl(text);
    for (const s of this.secrets) out = out.split(s).join('***');
    return out;
  }
}
