import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  readonly envelope: { from: string; to: string[] };
  readonly raw: Buffer;
  readonly parsed: ParsedMail;
  readonly secure: boolean;
}

export interface SmtpReceiver {
  readonly port: number;
  readonly url: string;
  readonly messages: ReceivedMail[];
  /** Resolves with the next message to arrive (or one that already arrived and was not taken). */
  nextMessage(): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export interface SmtpReceiverOptions {
  /** Require AUTH with these credentials. */
  readonly credentials?: { user: string; password: string };
  /** Answer every DATA with this SMTP error (e.g. 554 for a rejected message). */
  readonly rejectData?: { code: number; message: string };
  /** Offer STARTTLS (with smtp-server's built-in self-signed certificate). @default false */
  readonly startTls?: boolean;
}

/** A real SMTP server on loopback that parses what it receives with mailparser. */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  let taken = 0;
  const waiters: ((m: ReceivedMail) => void)[] = [];
  const serverOptions: SMTPServerOptions = {
    authOptional: !options.credentials,
    disabledCommands: options.startTls ? [] : ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      const ok =
        options.credentials &&
        auth.username === options.credentials.user &&
        auth.password === options.credentials.password;
      callback(ok ? null : new Error('Invalid username or password'), ok ? { user: auth.username } : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        if (options.rejectData) {
          const error = Object.assign(new Error(options.rejectData.message), { responseCode: options.rejectData.code });
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks);
        const mail: ReceivedMail = {
          envelope: {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          raw,
          parsed: await simpleParser(raw),
          secure: session.secure,
        };
        messages.push(mail);
        const waiter = waiters.shift();
        if (waiter) {
          taken += 1;
          waiter(mail);
        }
        callback();
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  const auth = options.credentials
    ? `${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.password)}@`
    : '';
  return {
    port,
    url: `smtp://${auth}127.0.0.1:${port}`,
    messages,
    nextMessage: () =>
      new Promise((resolve) => {
        const ready = messages[taken];
        if (ready) {
          taken += 1;
          resolve(ready);
        } else waiters.push(resolve);
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
