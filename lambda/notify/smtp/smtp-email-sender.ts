import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import {
  EmailDeliveryError,
  type EmailSender,
  mailOptions,
  type OutgoingEmail,
  type SentEmail,
} from '../email-sender.js';
import { loginRequiredTransport } from './login-required-transport.js';
import { describeSmtpFailure } from './smtp-failure.js';
import {
  IMPLICIT_TLS_PORTS,
  PLAIN_SMTP_PORTS,
  resolveSmtpServer,
  type SmtpSettings as ServerSettings,
  type SmtpServer,
} from './smtp-settings.js';

export { IMPLICIT_TLS_PORT } from './smtp-settings.js';

export interface SmtpSettings extends ServerSettings {
  /** Extra TLS options (a private CA, say). */
  readonly tls?: SMTPTransport.Options['tls'];
  /** @default 30000 */
  readonly timeoutMs?: number;
  /**
   * On a port that is neither a known TLS port nor a plain one (587, 25, 2525, 2587), how long a
   * plain connection waits for the greeting before a TLS handshake is tried beside it.
   * @default 5000: past the few seconds any server greets in, short of the 30 s timeout
   */
  readonly implicitTlsProbeMs?: number;
}

/** Whether the port may be TLS from the first byte though it was not taken as such (a provider's unusual port). */
const mayBeImplicitTls = (server: SmtpServer) =>
  !server.secure && !PLAIN_SMTP_PORTS.includes(server.port) && !IMPLICIT_TLS_PORTS.includes(server.port);

/** nodemailer transport options from our settings, and a password-free description of the server (host:port). */
export function smtpTransportOptions(settings: SmtpSettings): {
  options: SMTPTransport.Options;
  where: string;
  server: SmtpServer;
} {
  const timeout = settings.timeoutMs ?? 30_000;
  const server = resolveSmtpServer(settings);
  return {
    options: {
      host: server.host,
      port: server.port,
      secure: server.secure,
      auth: server.auth,
      requireTLS: server.requireTls,
      tls: settings.tls,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    },
    where: server.where,
    server,
  };
}

/** Email over SMTP with nodemailer. */
export class SmtpEmailSender implements EmailSender {
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo>;
  private readonly where: string;
  private readonly server: SmtpServer;
  private readonly timeoutMs: number;
  /** The login user, if any (the default sender address when it is one). */
  readonly user: string | undefined;

  constructor(settings: SmtpSettings) {
    const { options, where, server } = smtpTransportOptions(settings);
    this.transporter = nodemailer.createTransport(
      loginRequiredTransport(options, {
        implicitTlsProbeMs: mayBeImplicitTls(server) ? (settings.implicitTlsProbeMs ?? 5_000) : undefined,
      }),
    );
    this.where = where;
    this.server = server;
    this.timeoutMs = settings.timeoutMs ?? 30_000;
    this.user = server.auth?.user;
  }

  async send(email: OutgoingEmail): Promise<SentEmail> {
    try {
      const info = await this.transporter.sendMail(mailOptions(email));
      const rejected = (info.rejected ?? []).map(String);
      if (rejected.length > 0 && rejected.length === email.to.length) {
        throw new EmailDeliveryError(`SMTP server ${this.where} rejected every recipient: ${rejected.join(', ')}`);
      }
      return {
        messageId: info.messageId,
        detail: `${this.where} accepted for ${info.accepted.map(String).join(', ')}`,
      };
    } catch (error) {
      if (error instanceof EmailDeliveryError) throw error;
      // Our words and the server's answer, host:port only: nodemailer's messages never hold the password.
      const { line, explained } = describeSmtpFailure(error, this.server, this.timeoutMs);
      throw new EmailDeliveryError(line, { cause: error, explained });
    } finally {
      this.transporter.close();
    }
  }
}
