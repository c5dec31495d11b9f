import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { redactUrl } from '../../shared/redact.js';
import {
  EmailDeliveryError,
  type EmailSender,
  mailOptions,
  type OutgoingEmail,
  type SentEmail,
} from '../email-sender.js';

export interface SmtpSettings {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS from the start). */
  readonly url?: string;
  readonly host?: string;
  /** @default 587 */
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  /** TLS from the first byte (port 465). @default false: STARTTLS is used whenever the server offers it */
  readonly secure?: boolean;
  /** Refuse to send unless the connection is upgraded with STARTTLS. @default false */
  readonly requireTls?: boolean;
  /** Extra TLS options (a private CA, say). */
  readonly tls?: SMTPTransport.Options['tls'];
  /** @default 30000 */
  readonly timeoutMs?: number;
}

/** nodemailer transport options from our settings, and a password-free description of the server. */
export function smtpTransportOptions(settings: SmtpSettings): { options: SMTPTransport.Options; where: string } {
  const timeout = settings.timeoutMs ?? 30_000;
  const common: SMTPTransport.Options = {
    requireTLS: settings.requireTls ?? false,
    tls: settings.tls,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  };
  if (settings.url) {
    const url = new URL(settings.url);
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw new EmailDeliveryError(`SMTP URL must start with smtp:// or smtps://, not ${url.protocol}//`);
    }
    const secure = url.protocol === 'smtps:';
    const port = Number(url.port) || (secure ? 465 : 587);
    const auth = url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined;
    return {
      options: { ...common, host: url.hostname, port, secure, auth },
      where: `${url.protocol}//${url.hostname}:${port}`,
    };
  }
  if (!settings.host) throw new EmailDeliveryError('SMTP needs a URL (smtp://user:pass@host:587) or a host');
  const port = settings.port ?? 587;
  const auth = settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined;
  return {
    options: { ...common, host: settings.host, port, secure: settings.secure ?? port === 465, auth },
    where: `smtp://${settings.host}:${port}`,
  };
}

/** Email over SMTP with nodemailer. */
export class SmtpEmailSender implements EmailSender {
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo>;
  private readonly where: string;

  constructor(settings: SmtpSettings) {
    const { options, where } = smtpTransportOptions(settings);
    this.transporter = nodemailer.createTransport(options);
    this.where = where;
  }

  async send(email: OutgoingEmail): Promise<SentEmail> {
    try {
      const info = await this.transporter.sendMail(mailOptions(email));
      const rejected = (info.rejected ?? []).map(String);
      if (rejected.length > 0 && rejected.length === email.to.length) {
        throw new EmailDeliveryError(`every recipient was rejected: ${rejected.join(', ')}`);
      }
      return {
        messageId: info.messageId,
        detail: `${this.where} accepted for ${info.accepted.map(String).join(', ')}`,
      };
    } catch (error) {
      if (error instanceof EmailDeliveryError) throw error;
      // nodemailer messages can quote the server's answer, never the password; the URL is masked anyway.
      throw new EmailDeliveryError(`SMTP ${this.where}: ${redactUrl((error as Error).message)}`, { cause: error });
    } finally {
      this.transporter.close();
    }
  }
}
