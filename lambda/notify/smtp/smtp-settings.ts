import { parseUrlSetting, urlCredentials } from '../../shared/url-setting.js';
import { EmailDeliveryError } from '../email-sender.js';

/**
 * Port 465 is SMTP over TLS from the first byte (RFC 8314 §3.3, "submissions"): QQ, 163, Aliyun and
 * Tencent Exmail all serve it so, and a plain-text greeting there never comes.
 */
export const IMPLICIT_TLS_PORT = 465;

/**
 * The ports mail providers serve with TLS from the first byte, whatever a URL's scheme says: 465
 * (RFC 8314, every provider), 994 (NetEase's other SSL port: 163, 126, yeah.net) and 2465 (Amazon
 * SES's second "TLS Wrapper" port).
 */
export const IMPLICIT_TLS_PORTS: readonly number[] = [IMPLICIT_TLS_PORT, 994, 2465];

/**
 * Ports that are plain SMTP by convention (upgraded with STARTTLS when offered): 587 (submission,
 * RFC 6409), 25 (relay), 2525 and 2587 (providers' and SES's alternates). A server that is slow to
 * greet there is only slow: it is never probed for TLS.
 */
export const PLAIN_SMTP_PORTS: readonly number[] = [25, 587, 2525, 2587];

/** How the connection is secured: TLS from the first byte, or plain SMTP upgraded with STARTTLS when offered. */
export type SmtpTls = 'implicit' | 'starttls';

export interface SmtpSettings {
  /**
   * `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS from the start); a
   * `?tls=implicit|starttls` query says which where the port would decide otherwise.
   */
  readonly url?: string;
  readonly host?: string;
  /** @default 587 */
  readonly port?: number;
  readonly user?: string;
  /** With `host`, or with a URL that names a user but no password. A secret: never logged. */
  readonly password?: string;
  /**
   * TLS from the first byte (`true`) or STARTTLS (`false`), over what the port or the URL's scheme
   * would decide. @default TLS on the known implicit-TLS ports (465, 994, 2465) and for smtps://, else STARTTLS whenever offered
   */
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
  /**
   * Where a password the URL leaves out is given, for the message when there is none.
   * @default 'give it in SMTP_PASSWORD, or in the URL, percent-encoded'
   */
  readonly missingPassword?: string;
  /** The flag that asks for TLS from the first byte or STARTTLS besides the URL (`--smtp-tls`), for messages. @default none: the URL's `?tls=` */
  readonly tlsFlag?: string;
}

/** Where and how to reach the SMTP server; `where` (host:port) is what messages show, never a password. */
export interface SmtpServer {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  /** Why `secure` is what it is: the URL's scheme, the port's convention, or the user's own choice. */
  readonly tlsFrom: 'scheme' | 'port' | 'setting';
  readonly requireTls: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
  readonly where: string;
  /** The setting the server came from, as messages name it. */
  readonly setting: string;
  /** How the user asks, in the form they used, for this host with `tls` (on `port`): "smtps://host:994 in SMTP_URL". */
  readonly ask: (tls: SmtpTls, port?: number) => string;
  /** How the user gives a login in the form they used. */
  readonly loginHow: string;
}

const QQ_CODES = 'QQ, 163 and Exmail want the authorization code (授权码), not the login password';

/** The TLS a URL asks for: its `tls` query, else its scheme, else the port's convention. */
function urlTls(
  url: URL,
  port: number,
  setting: string,
  secure: boolean | undefined,
): Pick<SmtpServer, 'secure' | 'tlsFrom'> {
  const asked = url.searchParams.get('tls');
  if (asked !== null && asked !== 'implicit' && asked !== 'starttls')
    throw new EmailDeliveryError(
      `${setting} has an unknown tls= value: use tls=implicit (TLS from the first byte) or tls=starttls (plain SMTP, upgraded)`,
    );
  if (url.protocol === 'smtps:' && (asked === 'starttls' || secure === false))
    throw new EmailDeliveryError(
      `${setting} says smtps:// (TLS from the first byte) and STARTTLS at once: for STARTTLS use smtp://${url.hostname}:${port}?tls=starttls`,
    );
  if (secure !== undefined) return { secure, tlsFrom: 'setting' };
  if (asked) return { secure: asked === 'implicit', tlsFrom: 'setting' };
  if (url.protocol === 'smtps:') return { secure: true, tlsFrom: 'scheme' };
  return { secure: IMPLICIT_TLS_PORTS.includes(port), tlsFrom: 'port' };
}

/**
 * The SMTP server of a URL or of host/port/user settings. The known implicit-TLS ports (465, 994,
 * 2465) are TLS from the first byte whatever the scheme says (`smtp://…:465` is how most Chinese
 * providers' help pages read); `?tls=` in the URL or `secure` decide otherwise. A user without a
 * password is refused here, before anything is sent.
 * @throws EmailDeliveryError naming the setting and the fix, never repeating the URL
 */
export function resolveSmtpServer(settings: SmtpSettings): SmtpServer {
  const server = settings.url !== undefined ? urlServer(settings.url, settings) : hostServer(settings);
  if (server.auth && !server.auth.pass) {
    const missing = settings.missingPassword ?? 'give it in SMTP_PASSWORD, or in the URL, percent-encoded';
    throw new EmailDeliveryError(
      settings.url !== undefined
        ? `${server.setting} names a user but no password: ${missing} (${QQ_CODES})`
        : `--smtp-user is given but SMTP_PASSWORD is not set: export the password (${QQ_CODES})`,
    );
  }
  return server;
}

function urlServer(value: string, settings: SmtpSettings): SmtpServer {
  const setting = settings.setting ?? 'the SMTP URL';
  let url: URL;
  try {
    url = parseUrlSetting(value, setting, {
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
  const host = url.hostname;
  const other = (tls: SmtpTls) => (settings.tlsFlag ? ` (or ${settings.tlsFlag} ${tls})` : '');
  return {
    host,
    port,
    ...urlTls(url, port, setting, settings.secure),
    requireTls: settings.requireTls ?? false,
    auth,
    where: `${host}:${port}`,
    setting,
    ask: (tls, at = port) =>
      tls === 'implicit'
        ? `smtps://${host}:${at} in ${setting}${other(tls)}`
        : `smtp://${host}:${at}${IMPLICIT_TLS_PORTS.includes(at) ? '?tls=starttls' : ''} in ${setting}${other(tls)}`,
    loginHow: `the user in ${setting} (smtp://USER@${host}:${port}) and the password in SMTP_PASSWORD`,
  };
}

function hostServer(settings: SmtpSettings): SmtpServer {
  if (!settings.host) throw new EmailDeliveryError('SMTP needs a URL (smtp://user:pass@host:587) or a host');
  const port = settings.port ?? 587;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new EmailDeliveryError(
      'the SMTP port must be a whole number from 1 to 65535 (465 for TLS, 587 for STARTTLS)',
    );
  const known = IMPLICIT_TLS_PORTS.includes(port);
  return {
    host: settings.host,
    port,
    secure: settings.secure ?? known,
    tlsFrom: settings.secure === undefined ? 'port' : 'setting',
    requireTls: settings.requireTls ?? false,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    where: `${settings.host}:${port}`,
    setting: 'the SMTP settings (--smtp-host, --smtp-port, --smtp-user, SMTP_PASSWORD)',
    ask: (tls, at = port) => {
      const portFlag = at === port ? '' : `--smtp-port ${at} `;
      // On a known implicit-TLS port, the port alone asks for TLS.
      if (tls === 'implicit')
        return portFlag && IMPLICIT_TLS_PORTS.includes(at) ? portFlag.trim() : `${portFlag}--smtp-tls implicit`;
      return `${portFlag}--smtp-tls starttls`;
    },
    loginHow: '--smtp-user and SMTP_PASSWORD',
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
