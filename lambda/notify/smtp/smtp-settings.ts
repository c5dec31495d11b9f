import { parseUrlSetting, urlCredentials } from '../../shared/url-setting.js';
import { EmailDeliveryError } from '../email-sender.js';

/**
 * Port 465 is SMTP over TLS from the first byte (RFC 8314 §3.3, "submissions"): QQ, 163, Aliyun and
 * Tencent Exmail all serve it so, and a plain-text greeting there never comes.
 */
export const IMPLICIT_TLS_PORT = 465;

export interface SmtpSettings {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS from the start). */
  readonly url?: string;
  readonly host?: string;
  /** @default 587 */
  readonly port?: number;
  readonly user?: string;
  /** With `host`, or with a URL that names a user but no password. A secret: never logged. */
  readonly password?: string;
  /** TLS from the first byte. @default true on port 465 (whatever the URL's scheme), else false: STARTTLS whenever offered */
  readonly secure?: boolean;
  /** Refuse to send unless the connection is upgraded with STARTTLS. @default false */
  readonly requireTls?: boolean;
  /** How the user gave the URL, for messages: `SMTP_URL`, `--smtp-url`, an SSM parameter. @default 'the SMTP URL' */
  readonly setting?: string;
  /**
   * What else the user can do when the URL's user or password is not percent-encoded.
   * @default 'or leave the password out of the URL and give it in SMTP_PASSWORD'
   */
  readonly passwordAlternative?: string;
}

/** Where and how to reach the SMTP server; `where` (host:port) is what messages show, never a password. */
export interface SmtpServer {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly requireTls: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
  readonly where: string;
  /** The setting the server came from, as messages name it. */
  readonly setting: string;
}

/**
 * The SMTP server of a URL or of host/port/user settings. Port 465 is TLS from the first byte
 * whatever the scheme says (`smtp://…:465` is how most Chinese providers' help pages read).
 * @throws EmailDeliveryError naming the setting and the fix, never repeating the URL
 */
export function resolveSmtpServer(settings: SmtpSettings): SmtpServer {
  const setting = settings.setting ?? 'the SMTP URL';
  const requireTls = settings.requireTls ?? false;
  if (settings.url !== undefined) {
    let url: URL;
    try {
      url = parseUrlSetting(settings.url, setting, {
        protocols: ['smtp:', 'smtps:'],
        credentialsAlternative:
          settings.passwordAlternative ?? 'or leave the password out of the URL and give it in SMTP_PASSWORD',
      });
    } catch (error) {
      throw new EmailDeliveryError((error as Error).message, { cause: error });
    }
    const port = Number(url.port) || (url.protocol === 'smtps:' ? IMPLICIT_TLS_PORT : 587);
    const credentials = urlCredentials(url);
    const auth = credentials && {
      user: credentials.user,
      pass: credentials.password || (settings.password ?? ''),
    };
    return {
      host: url.hostname,
      port,
      secure: url.protocol === 'smtps:' || port === IMPLICIT_TLS_PORT,
      requireTls,
      auth,
      where: `${url.hostname}:${port}`,
      setting,
    };
  }
  if (!settings.host) throw new EmailDeliveryError('SMTP needs a URL (smtp://user:pass@host:587) or a host');
  const port = settings.port ?? 587;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new EmailDeliveryError(
      'the SMTP port must be a whole number from 1 to 65535 (465 for TLS, 587 for STARTTLS)',
    );
  return {
    host: settings.host,
    port,
    secure: settings.secure ?? port === IMPLICIT_TLS_PORT,
    requireTls,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    where: `${settings.host}:${port}`,
    setting: 'the SMTP settings (--smtp-host, --smtp-port, --smtp-user, SMTP_PASSWORD)',
  };
}

/**
 * The URL with its server's password in it, percent-encoded (for storing the URL in SSM): unchanged
 * when the URL carries its own password or names no user.
 */
export function smtpUrlWithPassword(url: string, server: SmtpServer): string {
  const parsed = new URL(url.trim());
  if (!parsed.username || parsed.password || !server.auth?.pass) return url;
  parsed.password = encodeURIComponent(server.auth.pass);
  return parsed.toString();
}
