import { afterEach, describe, expect, it } from 'vitest';
import { renderReportEmail } from '../../../lambda/notify/email-channel.js';
import type { OutgoingEmail } from '../../../lambda/notify/email-sender.js';
import { SmtpEmailSender } from '../../../lambda/notify/smtp/smtp-email-sender.js';
import { sampleDaily } from '../../support/sample-reports.js';
import { type SmtpReceiver, startSmtpReceiver } from '../../support/smtp-receiver.js';

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

  it('refuses to send in clear when STARTTLS is required but not offered', async () => {
    receiver = await startSmtpReceiver();

    await expect(
      new SmtpEmailSender({ host: '127.0.0.1', port: receiver.port, requireTls: true }).send(email),
    ).rejects.toThrow(/SMTP smtp:\/\/127\.0\.0\.1/);
  });

  it('reports a wrong password without repeating it', async () => {
    receiver = await startSmtpReceiver({ credentials: { user: 'u', password: 'right' } });
    const url = `smtp://u:wrong-secret-pw@127.0.0.1:${receiver.port}`;

    const error = (await new SmtpEmailSender({ url }).send(email).catch((e: unknown) => e)) as Error;

    expect(error.message).toMatch(/SMTP smtp:\/\/127\.0\.0\.1:\d+: .*(auth|Invalid)/i);
    expect(error.message).not.toContain('wrong-secret-pw');
  });

  it('refuses URLs that are not SMTP', () => {
    expect(() => new SmtpEmailSender({ url: 'http://example.com' })).toThrow(/smtp:\/\/ or smtps:\/\//);
  });
});
