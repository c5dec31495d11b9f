import { type AddressInfo, createServer } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { generate } from 'selfsigned';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  readonly envelope: { from: string; to: string[] };
  readonly raw: Buffer;
  readonly parsed: ParsedMail;
  readonly secure: boolean;
}

export interface SmtpReceiver {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** With `implicitTls`: the server's self-signed certificate (PEM), for a client to trust. */
  readonly certificate?: string;
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
  /** TLS from the first byte (port 465 style), with a fresh self-signed certificate for `host`. @default false */
  readonly implicitTls?: boolean;
  /** Offer AUTH in the EHLO answer. @default true */
  readonly offerAuth?: boolean;
  /** Any loopback address (127.x.y.z), so a fixed port such as 465 cannot collide. @default 127.0.0.1 */
  readonly host?: string;
  /** @default any free port */
  readonly port?: number;
}

/** A loopback address of its own (127.x.y.z, never 127.0.0.1), so a test can take a fixed port like 465. */
export function randomLoopbackHost(): string {
  const byte = () => 1 + Math.floor(Math.random() * 254);
  return `127.${byte()}.${byte()}.${byte()}`;
}

/** A port nothing listens on (it was just free, and is closed again). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A self-signed certificate for a loopback address (and localhost), valid for a day. */
export async function loopbackCertificate(host: string): Promise<{ key: string; cert: string }> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: host }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: host },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** A real SMTP server on loopback that parses what it receives with mailparser. */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  let taken = 0;
  const waiters: ((m: ReceivedMail) => void)[] = [];
  const host = options.host ?? '127.0.0.1';
  const tls = options.implicitTls ? await loopbackCertificate(host) : undefined;
  const serverOptions: SMTPServerOptions = {
    authOptional: !options.credentials,
    disabledCommands: [
      ...(options.startTls || options.implicitTls ? [] : ['STARTTLS']),
      ...(options.offerAuth === false ? ['AUTH'] : []),
    ],
    ...(tls ? { secure: true, key: tls.key, cert: tls.cert } : {}),
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
  // A client that gives up mid-handshake (a plain client on a TLS port) is an error event on the server.
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  const auth = options.credentials
    ? `${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.password)}@`
    : '';
  return {
    host,
    port,
    url: `${options.implicitTls ? 'smtps' : 'smtp'}://${auth}${host}:${port}`,
    certificate: tls?.cert,
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
