import { afterEach, describe, expect, it } from 'vitest';
import { renderReportEmail } from '../../../lambda/notify/email-channel.js';
import type { OutgoingEmail } from '../../../lambda/notify/email-sender.js';
import { SmtpEmailSender } from '../../../lambda/notify/smtp/smtp-email-sender.js';
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
      `SMTP server 127.0.0.1:${receiver.port} does not offer STARTTLS (500 Error: command not recognized), and sending in clear is not allowed (--smtp-require-tls): use the provider's TLS port, smtps://127.0.0.1:465, or a server that offers STARTTLS`,
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
      `SMTP server 127.0.0.1:${receiver.port} does not speak TLS from the first byte: port ${receiver.port} takes plain SMTP with STARTTLS. Use smtp://127.0.0.1:${receiver.port} in SMTP_URL, or the provider's TLS port 465`,
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
