import type { Transport } from 'nodemailer';
import type MailMessage from 'nodemailer/lib/mailer/mail-message.js';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

/** The server offered no AUTH, though credentials were given: nothing was sent. */
export class LoginNotOfferedError extends Error {
  override name = 'LoginNotOfferedError';
  readonly code = 'ENOAUTH';
}

export type SentInfo = SMTPTransport.SentMessageInfo;

/**
 * nodemailer's own SMTP exchange (SMTPConnection: connect, STARTTLS, AUTH, send), one connection per
 * message, with one difference from its SMTP transport: given credentials, a server that offers no
 * AUTH is refused before anything is sent. nodemailer's transport then sends without logging in and
 * says nothing (it logs in only `if (auth && connection.allowsAuth)`), and its `forceAuth` would hand
 * the password to a server that never asked for it, perhaps in clear.
 */
export function loginRequiredTransport(options: SMTPTransport.Options): Transport<SentInfo> {
  return {
    name: 'SMTP (login required)',
    version: '1',
    send(mail: MailMessage<SentInfo>, callback: (err: Error | null, info: SentInfo) => void): void {
      const connection = new SMTPConnection(options);
      let settled = false;
      const settle = (error: Error | null, info?: SentInfo) => {
        if (settled) return;
        settled = true;
        connection.close();
        callback(error, info as SentInfo);
      };
      connection.once('error', (error) => settle(error));
      // An error event can follow the close; nodemailer's transport waits for it the same way.
      connection.once('end', () =>
        setTimeout(
          () => settle(Object.assign(new Error('the server closed the connection'), { code: 'ECONNECTION' })),
          1000,
        ).unref(),
      );
      connection.connect(() => {
        const send = () => {
          const envelope = mail.message.getEnvelope();
          connection.send(envelope, mail.message.createReadStream(), (error, info) =>
            settle(error, error ? undefined : { ...info, pending: [], envelope, messageId: mail.message.messageId() }),
          );
        };
        const auth = options.auth as SMTPConnection.Credentials | undefined;
        if (!auth) return send();
        if (!(connection as SMTPConnection & { allowsAuth?: boolean }).allowsAuth)
          return settle(new LoginNotOfferedError('the server offers no AUTH'));
        connection.login(auth, (error) => (error ? settle(error) : send()));
      });
    },
  };
}
