import { sesRejectedFix } from '../../shared/classify-failure.js';
import { printable } from '../../shared/printable.js';
import { PERCENT_ENCODINGS } from '../../shared/url-setting.js';
import { ImplicitTlsPortError, LoginNotOfferedError } from './login-required-transport.js';
import type { SmtpServer } from './smtp-settings.js';

/** What nodemailer's errors carry (SMTPConnection.SMTPError; a socket error's own code stays in the message). */
interface SmtpErrorFields {
  readonly code?: string;
  readonly command?: string;
  readonly response?: string;
  readonly responseCode?: number;
}

interface Failure {
  readonly error: unknown;
  readonly fields: SmtpErrorFields;
  /** The first line of nodemailer's message. */
  readonly message: string;
  /** The server's answer, if it gave one. */
  readonly answer: string;
  readonly server: SmtpServer;
  readonly seconds: number;
}

const TLS_MISMATCH = /wrong version number|packet length too long|unknown protocol|http request/i;
const CERTIFICATE =
  /self[- ]signed|unable to (verify|get local issuer)|certificate (has expired|is not yet valid)|altnames|does not match certificate|CERT_/i;
const PROVIDER_PORTS = 'mail providers take 465 (TLS from the first byte) or 587 (STARTTLS)';

/** Each known failure: when it applies, and the words after "SMTP server host:port". First match wins. */
const RULES: readonly { when: (f: Failure) => boolean; say: (f: Failure) => string }[] = [
  {
    when: (f) => f.error instanceof LoginNotOfferedError,
    say: (f) =>
      ` offers no login (AUTH), but a user and password were given: nothing was sent. Check the host and port in ${f.server.setting} (a provider's submission port, 465 with TLS or 587 with STARTTLS, offers AUTH), or remove the user and password if this server needs none`,
  },
  {
    when: (f) => /ECONNREFUSED/.test(f.message),
    say: (f) =>
      ` refused the connection: nothing accepts connections on port ${f.server.port} there. Check the host and port in ${f.server.setting}: ${PROVIDER_PORTS}`,
  },
  {
    when: (f) => /ENOTFOUND|EAI_AGAIN/.test(f.message) || f.fields.code === 'EDNS',
    say: (f) => `: the host name ${f.server.host} does not resolve (DNS). Check it in ${f.server.setting}`,
  },
  {
    when: (f) => /EHOSTUNREACH|ENETUNREACH/.test(f.message),
    say: (f) =>
      ` cannot be reached from this network (no route). Check the host in ${f.server.setting}, and that this machine may connect out`,
  },
  {
    when: (f) => f.fields.code === 'ETIMEDOUT' && /connection timeout/i.test(f.message),
    say: (f) =>
      ` did not accept a connection within ${f.seconds} s: a firewall drops it, or the host or port is wrong (${PROVIDER_PORTS}; many clouds block port 25, and a function in a VPC needs a NAT gateway)`,
  },
  {
    when: (f) => f.error instanceof ImplicitTlsPortError,
    say: (f) =>
      ` sent no SMTP greeting, and answers TLS from the first byte: port ${f.server.port} is TLS there. Use ${f.server.ask('implicit')}`,
  },
  {
    when: (f) => f.fields.code === 'ETIMEDOUT' && f.fields.command === 'CONN',
    say: (f) =>
      ` sent no SMTP greeting within ${f.seconds} s${f.server.secure ? '' : `: if port ${f.server.port} expects TLS from the first byte, use ${f.server.ask('implicit')}`}`,
  },
  {
    when: (f) => f.fields.code === 'ETIMEDOUT',
    say: (f) => ` stopped answering for ${f.seconds} s: try again later`,
  },
  {
    // smtp://…:465 was taken as TLS by the port's convention, and this server breaks it.
    when: (f) => f.server.secure && f.server.tlsFrom === 'port' && TLS_MISMATCH.test(f.message),
    say: (f) =>
      ` does not speak TLS from the first byte, though port ${f.server.port} does at mail providers: this server takes plain SMTP there. If it is the right server, ask for STARTTLS on that port: ${f.server.ask('starttls')}; else check the host`,
  },
  {
    when: (f) => f.server.secure && TLS_MISMATCH.test(f.message),
    say: (f) =>
      ` does not speak TLS from the first byte: port ${f.server.port} takes plain SMTP with STARTTLS. Use ${f.server.ask('starttls')}, or the provider's TLS port: ${f.server.ask('implicit', 465)}`,
  },
  {
    when: (f) => CERTIFICATE.test(f.message),
    say: (f) =>
      `'s TLS certificate is not trusted (${f.message}): use the provider's own host name (e.g. smtp.qq.com, not an alias or an IP address); for a private CA, set NODE_EXTRA_CA_CERTS`,
  },
  {
    when: (f) => f.fields.code === 'ETLS' && f.fields.command === 'STARTTLS',
    say: (f) =>
      ` does not offer STARTTLS (${f.answer || 'refused'}), and sending in clear is not allowed (--smtp-require-tls): use the provider's TLS port (${f.server.ask('implicit', 465)}), or a server that offers STARTTLS`,
  },
  {
    when: (f) => f.fields.code === 'EAUTH',
    say: (f) =>
      ` refused the login (${f.answer || f.message}): check the user and password in ${f.server.setting}. QQ, 163 and Exmail want the authorization code (授权码) from the mailbox's settings, not the login password; in a URL, a user or password must be percent-encoded (${PERCENT_ENCODINGS})`,
  },
  {
    // 530 (RFC 4954 §6): this server sends only for a logged-in user; none was given.
    when: (f) =>
      !f.server.auth &&
      (f.fields.responseCode === 530 || /authentication (is )?required|must authenticate/i.test(f.answer)) &&
      !/STARTTLS/i.test(f.answer),
    say: (f) =>
      ` requires a login (${f.answer || f.message}), and no user was given: give ${f.server.loginHow} (QQ, 163 and Exmail want the authorization code, 授权码)`,
  },
  {
    // Amazon SES's SMTP interface, as its API: a sandboxed account, or a sender that is not an identity.
    when: (f) => /Message rejected/i.test(f.answer) && /not verified|authority to send from/i.test(f.answer),
    say: (f) =>
      ` refused the message (${f.answer}): ${sesRejectedFix(f.answer, 'the From address: --from or WXA_FROM, email.from in a deployment')}`,
  },
  {
    when: (f) => f.fields.code === 'EENVELOPE',
    say: (f) =>
      ` refused the sender or a recipient (${f.answer || f.message}): check the From address (most providers only let an account send as its own address) and the recipients`,
  },
  {
    when: (f) => f.fields.code === 'EMESSAGE' || (f.fields.responseCode ?? 0) >= 400,
    say: (f) =>
      ` refused the message (${f.answer || f.message}): its answer says why; a 4xx answer is temporary (send again later), a 5xx one needs the content, the sender or the account's sending limits checked`,
  },
  {
    when: (f) => /ECONNRESET|EPIPE/.test(f.message) || f.fields.code === 'ECONNECTION',
    say: (f) =>
      ` closed the connection (${f.answer || f.message}): try again later; if it keeps happening, check the port (465 is TLS from the first byte, 587 STARTTLS)`,
  },
];

/**
 * One line that says what went wrong with an SMTP server and what to do, from nodemailer's error
 * codes (ESOCKET, ETIMEDOUT, ETLS, EAUTH, EENVELOPE, EMESSAGE, ECONNECTION: its SMTPConnection) and
 * the server's answer. Names the server as host:port; never a password (nodemailer's messages hold none).
 */
export function describeSmtpFailure(
  error: unknown,
  server: SmtpServer,
  timeoutMs: number,
): { readonly line: string; readonly explained: boolean } {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as SmtpErrorFields;
  const failure: Failure = {
    error,
    fields,
    message: printable((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''),
    answer: printable((fields.response ?? '').trim(), { max: 200 }),
    server,
    seconds: Math.round(timeoutMs / 1000),
  };
  const rule = RULES.find((r) => r.when(failure));
  return {
    line: `SMTP server ${server.where}${rule ? rule.say(failure) : `: ${failure.message}`}`,
    explained: rule !== undefined,
  };
}
