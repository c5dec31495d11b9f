import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { renderReportEmail } from '../../../lambda/notify/email-channel.js';
import type { OutgoingEmail } from '../../../lambda/notify/email-sender.js';
import { SmtpEmailSender } from '../../../lambda/notify/smtp/smtp-email-sender.js';
import { sesRejectedFix } from '../../../lambda/shared/classify-failure.js';
import { sampleDaily } from '../../support/sample-reports.js';
import { closedPort, randomLoopbackHost, type SmtpReceiver, startSmtpReceiver } from '../../support/smtp-receiver.js';

const email: OutgoingEmail = {
  from: 'wxa-reporter <reports@example.com>',
  to: ['ops@example.com', 'growth@example.com'],
  subject: '【喵喵商城】日报',
  html: '<p>访问人数 <b>1,234</b></p>',
  text: '访问人数 1,234',
  messageId: '<daily-wx1-2026-11-22.abc@example.com>',
  slug: 'daily-wx1-2026-11-22',
};

let receiver: SmtpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('email over SMTP (a real smtp-server peer)', () => {
  it('sends to several recipients with the From, Message-ID, subject and both parts', async () => {
    receiver = await startSmtpReceiver({ credentials: { user: 'reports@example.com', password: 'p@ss:w/rd' } });

    await new SmtpEmailSender({ url: receiver.url }).send(email);

    const mail = await receiver.nextMessage();
    expect(mail.envelope.to).toEqual(['ops@example.com', 'growth@example.com']);
    expect(mail.parsed.from?.value).toEqual([{ address: 'reports@example.com', name: 'wxa-reporter' }]);
    expect(mail.parsed.messageId).toBe('<daily-wx1-2026-11-22.abc@example.com>');
    expect(mail.parsed.subject).toBe('【喵喵商城】日报');
    expect(mail.parsed.text?.trim()).toBe('访问人数 1,234');
    expect(mail.parsed.html).toContain('<b>1,234</b>');
    expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('keeps every character of subjects, display names and file names: CJK Extension B and emoji', async () => {
    // Prepare: a subject long enough to need several encoded-words, with a character outside the
    // BMP where nodemailer before 9.0.4 split its surrogate pair across two of them.
    receiver = await startSmtpReceiver();
    const message = sampleDaily('华东区第一分店老𠮷家🐱');
    const rendered = renderReportEmail(message, 'zh-CN').email;
    const subject = `${rendered.subject} 𠮷𠮷𠮷🐱👨‍👩‍👧`;

    // Act
    await new SmtpEmailSender({ url: receiver.url }).send({
      ...email,
      from: '老𠮷家报表🐱 <reports@example.com>',
      subject,
      attachments: [{ filename: '老𠮷家-排行🐱.csv', contentType: 'text/csv; charset=utf-8', content: 'a,b\r\n' }],
    });

    // Assess: decoded by mailparser from what the SMTP peer received.
    const mail = await receiver.nextMessage();
    expect(mail.parsed.subject).toBe(subject);
    expect(mail.parsed.subject).toContain('【华东区第一分店老𠮷家🐱】');
    expect(mail.parsed.from?.value).toEqual([{ address: 'reports@example.com', name: '老𠮷家报表🐱' }]);
    expect(mail.parsed.attachments.map((a) => a.filename)).toEqual(['老𠮷家-排行🐱.csv']);
    expect(mail.raw.toString('utf8')).not.toContain('\uFFFD');
  });

  it('upgrades with STARTTLS when required', async () => {
    receiver = await startSmtpReceiver({ startTls: true });

    await new SmtpEmailSender({
      host: '127.0.0.1',
      port: receiver.port,
      requireTls: true,
      tls: { rejectUnauthorized: false },
    }).send(email);

    expect((await receiver.nextMessage()).secure).toBe(true);
  });

  it('refuses to send in clear when STARTTLS is required but not offered, and says what to use', async () => {
    receiver = await startSmtpReceiver();

    const error = await failure(new SmtpEmailSender({ host: '127.0.0.1', port: receiver.port, requireTls: true }));

    expect(error).toBe(
      `SMTP server 127.0.0.1:${receiver.port} does not offer STARTTLS (500 Error: command not recognized), and sending in clear is not allowed (--smtp-require-tls): use the provider's TLS port (--smtp-port 465), or a server that offers STARTTLS`,
    );
    expect(receiver.messages).toHaveLength(0);
  });

  it('reports a wrong password without repeating it, naming the server as host:port and the 授权码', async () => {
    receiver = await startSmtpReceiver({ credentials: { user: 'u', password: 'right' } });
    const url = `smtp://u:wrong-secret-pw@127.0.0.1:${receiver.port}`;

    const error = await failure(new SmtpEmailSender({ url, setting: 'SMTP_URL' }));

    expect(error).toMatch(
      new RegExp(
        `^SMTP server 127\\.0\\.0\\.1:${receiver.port} refused the login \\(535 Invalid username or password\\): check the user and password in SMTP_URL\\. .*授权码.*percent-encoded`,
      ),
    );
    expect(error).not.toContain('wrong-secret-pw');
  });

  it('refuses URLs that are not SMTP', () => {
    expect(() => new SmtpEmailSender({ url: 'http://example.com' })).toThrow(/smtp:\/\/ or smtps:\/\//);
  });
});

/** The message a sender fails with, and how long it took. */
async function failure(sender: SmtpEmailSender): Promise<string> {
  const error = await sender.send(email).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('the send was expected to fail');
  return error.message;
}

describe('SMTP servers as Chinese providers run them', () => {
  it('treats port 465 as TLS from the first byte whatever the scheme: smtp://user:code@host:465 is delivered over TLS', async () => {
    // Prepare: an implicit-TLS server on port 465 (of its own loopback address, so nothing collides).
    receiver = await startSmtpReceiver({
      implicitTls: true,
      host: randomLoopbackHost(),
      port: 465,
      credentials: { user: 'reports@qq.example', password: 'abcdefghijklmnop' },
    });
    const url = `smtp://reports%40qq.example:abcdefghijklmnop@${receiver.host}:465`;

    // Act
    const started = Date.now();
    const sent = await new SmtpEmailSender({ url, tls: { ca: receiver.certificate } }).send(email);

    // Assess: delivered, encrypted, in well under the 30 s a plain-text client would wait for a greeting.
    const mail = await receiver.nextMessage();
    expect(mail.secure).toBe(true);
    expect(sent.detail).toBe(`${receiver.host}:465 accepted for ops@example.com, growth@example.com`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('says at once what to do when smtps:// meets a port that speaks plain SMTP', async () => {
    receiver = await startSmtpReceiver();

    const started = Date.now();
    const error = await failure(
      new SmtpEmailSender({ url: `smtps://127.0.0.1:${receiver.port}`, setting: 'SMTP_URL' }),
    );

    expect(error).toBe(
      `SMTP server 127.0.0.1:${receiver.port} does not speak TLS from the first byte: port ${receiver.port} takes plain SMTP with STARTTLS. Use smtp://127.0.0.1:${receiver.port} in SMTP_URL, or the provider's TLS port: smtps://127.0.0.1:465 in SMTP_URL`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses to send without logging in when credentials were given but the server offers no AUTH', async () => {
    receiver = await startSmtpReceiver({ offerAuth: false });

    const error = await failure(
      new SmtpEmailSender({ url: `smtp://u:secret-pw@127.0.0.1:${receiver.port}`, setting: 'SMTP_URL' }),
    );

    expect(error).toMatch(
      new RegExp(
        `^SMTP server 127\\.0\\.0\\.1:${receiver.port} offers no login \\(AUTH\\), but a user and password were given: nothing was sent\\. Check the host and port in SMTP_URL`,
      ),
    );
    expect(receiver.messages).toHaveLength(0);
  });

  it('sends to a server without AUTH when no credentials were given (a relay inside the network)', async () => {
    receiver = await startSmtpReceiver({ offerAuth: false });

    await new SmtpEmailSender({ url: `smtp://127.0.0.1:${receiver.port}` }).send(email);

    expect((await receiver.nextMessage()).envelope.to).toEqual(email.to);
  });

  it('says the port is closed, at once', async () => {
    const port = await closedPort();

    const started = Date.now();
    const error = await failure(new SmtpEmailSender({ url: `smtp://u:pw@127.0.0.1:${port}`, setting: 'SMTP_URL' }));

    expect(error).toBe(
      `SMTP server 127.0.0.1:${port} refused the connection: nothing accepts connections on port ${port} there. Check the host and port in SMTP_URL: mail providers take 465 (TLS from the first byte) or 587 (STARTTLS)`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([
    ['SES-style / and +', 'AKIA+x/y2Zq'],
    ['a %', '50%off-now'],
    ['a ?', 'why?not'],
    ['a #', 'no#1pass'],
  ])(
    'refuses a password with %s pasted as is, naming the setting and the encodings, never the value',
    (_what, password) => {
      const url = `smtps://reports@example.com:${password}@smtp.example.com:465`;

      const error = (() => {
        try {
          new SmtpEmailSender({ url, setting: 'SMTP_URL' });
        } catch (e) {
          return (e as Error).message;
        }
        return 'accepted';
      })();

      expect(error).toBe(
        'SMTP_URL is not a URL that can be read: its user and password must be percent-encoded (% as %25, / as %2F, ? as %3F, # as %23, @ as %40, : as %3A, + as %2B, space as %20), or leave the password out of the URL and give it in SMTP_PASSWORD',
      );
      expect(error).not.toContain(password);
    },
  );

  it('reads @, : and + pasted as is in a user and password (there is only one way to read them)', async () => {
    receiver = await startSmtpReceiver({ credentials: { user: 'reports@example.com', password: 'p@ss:w+rd' } });

    await new SmtpEmailSender({ url: `smtp://reports@example.com:p@ss:w+rd@127.0.0.1:${receiver.port}` }).send(email);

    expect(await receiver.nextMessage()).toBeDefined();
  });

  it('takes the password from SMTP_PASSWORD when the URL names only the user', async () => {
    receiver = await startSmtpReceiver({ credentials: { user: 'reports@example.com', password: 'AKIA+x/y2Zq%' } });

    await new SmtpEmailSender({
      url: `smtp://reports%40example.com@127.0.0.1:${receiver.port}`,
      password: 'AKIA+x/y2Zq%',
    }).send(email);

    expect(await receiver.nextMessage()).toBeDefined();
  });
});

/** A TCP relay in front of an SMTP server that holds back the server's first bytes (a greet pause against spam). */
async function slowGreeter(target: { host: string; port: number }, delayMs: number) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let held: Buffer[] | undefined = [];
    setTimeout(() => {
      for (const chunk of held ?? []) client.write(chunk);
      held = undefined;
    }, delayMs);
    upstream.on('data', (chunk: Buffer) => (held ? held.push(chunk) : client.write(chunk)));
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('close', () => b.destroy());
      a.on('error', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const constructionError = (settings: ConstructorParameters<typeof SmtpEmailSender>[0]) => {
  try {
    new SmtpEmailSender(settings);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

describe('SMTP settings whose fix can be followed', () => {
  it('smtp:// on 465 where the server speaks plain SMTP: says to ask for STARTTLS there, and that works', async () => {
    // Prepare: a plain server with STARTTLS on port 465 of its own address (unusual, but it exists).
    receiver = await startSmtpReceiver({
      startTls: true,
      host: randomLoopbackHost(),
      port: 465,
      credentials: { user: 'u', password: 'p' },
    });
    const tls = { rejectUnauthorized: false };

    // Act
    const error = await failure(
      new SmtpEmailSender({ url: `smtp://u:p@${receiver.host}:465`, setting: 'SMTP_URL', tls }),
    );
    await new SmtpEmailSender({ url: `smtp://u:p@${receiver.host}:465?tls=starttls`, setting: 'SMTP_URL', tls }).send(
      email,
    );

    // Assess: the line names what was not given (the tls=starttls query), and following it delivers.
    expect(error).toBe(
      `SMTP server ${receiver.host}:465 does not speak TLS from the first byte, though port 465 does at mail providers: this server takes plain SMTP there. If it is the right server, ask for STARTTLS on that port: smtp://${receiver.host}:465?tls=starttls in SMTP_URL; else check the host`,
    );
    expect((await receiver.nextMessage()).secure).toBe(true);
  });

  it('a user without a password is refused before connecting, not "refused the login"', () => {
    expect(constructionError({ url: 'smtp://reports%40qq.example@smtp.qq.example:465', setting: 'SMTP_URL' })).toBe(
      'SMTP_URL names a user but no password: give it in SMTP_PASSWORD, or in the URL, percent-encoded (QQ, 163 and Exmail want the authorization code (授权码), not the login password)',
    );
    expect(constructionError({ host: 'smtp.qq.example', port: 465, user: 'reports@qq.example' })).toBe(
      '--smtp-user is given but SMTP_PASSWORD is not set: export the password (QQ, 163 and Exmail want the authorization code (授权码), not the login password)',
    );
  });

  it('a server that requires a login (530) when no user was given: says to give one, not to check the From address', async () => {
    receiver = await startSmtpReceiver({ credentials: { user: 'u', password: 'p' } });

    const error = await failure(new SmtpEmailSender({ url: `smtp://127.0.0.1:${receiver.port}`, setting: 'SMTP_URL' }));

    expect(error).toBe(
      `SMTP server 127.0.0.1:${receiver.port} requires a login (530 Error: authentication Required), and no user was given: give the user in SMTP_URL (smtp://USER@127.0.0.1:${receiver.port}) and the password in SMTP_PASSWORD (QQ, 163 and Exmail want the authorization code, 授权码)`,
    );
  });

  it.each([
    [
      'in the sandbox (554, address not verified): the SES sandbox fix, as from its API',
      'Message rejected: Email address is not verified. The following identities failed the check in region AP-EAST-1: ops@example.com',
      'the account is in the SES sandbox',
    ],
    [
      'from a sender that is not an identity: names the From setting',
      'Message rejected: Sender address rejected: Did not have authority to send from email reports@example.com',
      'send from it (the From address: --from or WXA_FROM, email.from in a deployment)',
    ],
  ])("SES's SMTP interface %s", async (_what, answer, fix) => {
    receiver = await startSmtpReceiver({ rejectData: { code: 554, message: answer } });

    const error = await failure(new SmtpEmailSender({ url: `smtp://127.0.0.1:${receiver.port}` }));

    expect(error).toBe(
      `SMTP server 127.0.0.1:${receiver.port} refused the message (554 ${answer}): ${sesRejectedFix(answer, 'the From address: --from or WXA_FROM, email.from in a deployment')}`,
    );
    expect(error).toContain(fix);
  });

  it.each([
    ['smtp:// on 994 (163 mail)', (host: string) => ({ url: `smtp://u:p@${host}:994` })],
    ['--smtp-port 994', (host: string) => ({ host, port: 994, user: 'u', password: 'p' })],
  ])('treats %s as TLS from the first byte', async (_what, settings) => {
    receiver = await startSmtpReceiver({
      implicitTls: true,
      host: randomLoopbackHost(),
      port: 994,
      credentials: { user: 'u', password: 'p' },
    });

    await new SmtpEmailSender({ ...settings(receiver.host), tls: { ca: receiver.certificate } }).send(email);

    expect((await receiver.nextMessage()).secure).toBe(true);
  });

  it('the host/port form asks for TLS from the first byte on any port (--smtp-tls implicit)', async () => {
    receiver = await startSmtpReceiver({ implicitTls: true, host: randomLoopbackHost() });

    await new SmtpEmailSender({
      host: receiver.host,
      port: receiver.port,
      secure: true,
      tls: { ca: receiver.certificate },
    }).send(email);

    expect((await receiver.nextMessage()).secure).toBe(true);
  });

  it('a TLS port it does not know: found by a TLS handshake beside the silent connection, long before the timeout', async () => {
    receiver = await startSmtpReceiver({ implicitTls: true, host: randomLoopbackHost() });

    const error = await failure(
      new SmtpEmailSender({
        url: `smtp://${receiver.host}:${receiver.port}`,
        setting: 'SMTP_URL',
        timeoutMs: 25_000,
        implicitTlsProbeMs: 300,
      }),
    );

    expect(error).toBe(
      `SMTP server ${receiver.host}:${receiver.port} sent no SMTP greeting, and answers TLS from the first byte: port ${receiver.port} is TLS there. Use smtps://${receiver.host}:${receiver.port} in SMTP_URL`,
    );
  });

  it('a plain server that greets late is never cut short by the TLS probe', async () => {
    receiver = await startSmtpReceiver();
    const relay = await slowGreeter(receiver, 1_500);
    try {
      await new SmtpEmailSender({ url: `smtp://127.0.0.1:${relay.port}`, implicitTlsProbeMs: 200 }).send(email);

      expect((await receiver.nextMessage()).envelope.to).toEqual(email.to);
    } finally {
      await relay.close();
    }
  });
});
