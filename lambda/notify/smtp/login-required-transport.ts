import { isIP } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { Transport } from 'nodemailer';
import type MailMessage from 'nodemailer/lib/mailer/mail-message.js';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

/** The server offered no AUTH, though credentials were given: nothing was sent. */
export class LoginNotOfferedError extends Error {
  override name = 'LoginNotOfferedError';
  readonly code = 'ENOAUTH';
}

/** The server sent no greeting in plain text, and a TLS handshake on the same port succeeded: it is TLS from the first byte. */
export class ImplicitTlsPortError extends Error {
  override name = 'ImplicitTlsPortError';
  readonly code = 'EIMPLICITTLS';
}

export type SentInfo = SMTPTransport.SentMessageInfo;

export interface LoginRequiredOptions {
  /**
   * When the server has not greeted in plain text after this long, try a TLS handshake on a second
   * connection; if it succeeds, the port is TLS from the first byte and the send ends at once
   * (ImplicitTlsPortError) instead of after the greeting timeout. The first connection is never cut
   * short: a plain server that greets late (a greet pause against spam) still gets its full timeout,
   * and it cannot complete a TLS handshake, so the probe never ends its send. @default no probe
   */
  readonly implicitTlsProbeMs?: number;
}

/**
 * A TLS handshake with host:port on a connection of its own, after `afterMs`; `found` is told if it
 * succeeds. Nothing is sent on it, and it is closed at once: only whether the port speaks TLS matters
 * (so the certificate is not checked). Returns how to stop it.
 */
function probeImplicitTls(host: string, port: number, afterMs: number, found: () => void): () => void {
  let socket: TLSSocket | undefined;
  const timer = setTimeout(() => {
    socket = tlsConnect({ host, port, servername: isIP(host) ? undefined : host, rejectUnauthorized: false });
    socket.setTimeout(afterMs, () => socket?.destroy());
    socket.once('secureConnect', () => {
      socket?.destroy();
      found();
    });
    socket.once('error', () => socket?.destroy());
  }, afterMs);
  timer.unref();
  return () => {
    clearTimeout(timer);
    socket?.destroy();
  };
}

/**
 * nodemailer's own SMTP exchange (SMTPConnection: connect, STARTTLS, AUTH, send), one connection per
 * message, with one difference from its SMTP transport: given credentials, a server that offers no
 * AUTH is refused before anything is sent. nodemailer's transport then sends without logging in and
 * says nothing (it logs in only `if (auth && connection.allowsAuth)`), and its `forceAuth` would hand
 * the password to a server that never asked for it, perhaps in clear.
 */
export function loginRequiredTransport(
  options: SMTPTransport.Options,
  extra: LoginRequiredOptions = {},
): Transport<SentInfo> {
  return {
    name: 'SMTP (login required)',
    version: '1',
    send(mail: MailMessage<SentInfo>, callback: (err: Error | null, info: SentInfo) => void): void {
      const connection = new SMTPConnection(options);
      let settled = false;
      let stopProbe = () => {};
      const settle = (error: Error | null, info?: SentInfo) => {
        if (settled) return;
        settled = true;
        stopProbe();
        connection.close();
        callback(error, info as SentInfo);
      };
      if (extra.implicitTlsProbeMs !== undefined && !options.secure && options.host && options.port)
        stopProbe = probeImplicitTls(options.host, Number(options.port), extra.implicitTlsProbeMs, () =>
          settle(new ImplicitTlsPortError('the server sent no greeting and answers TLS from the first byte')),
        );
      connection.once('error', (error) => settle(error));
      // An error event can follow the close; nodemailer's transport waits for it the same way.
      connection.once('end', () =>
        setTimeout(
          () => settle(Object.assign(new Error('the server closed the connection'), { code: 'ECONNECTION' })),
          1000,
        ).unref(),
      );
      connection.connect(() => {
        stopProbe();
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
