import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import { type EmailSender, mailOptions, type OutgoingEmail, type SentEmail } from '../email-sender.js';

/**
 * Writes each email to a folder instead of sending it: `<slug>.eml` (open it in any mail client)
 * and `<slug>.html` (open it in a browser). The default for local runs without SMTP. File names
 * are stable, so running the same report again replaces its files.
 */
export class OutboxEmailSender implements EmailSender {
  readonly folder: string;
  private readonly composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  constructor(folder: string) {
    this.folder = resolve(folder);
  }

  async send(email: OutgoingEmail): Promise<SentEmail> {
    const info = await this.composer.sendMail(mailOptions(email));
    await mkdir(this.folder, { recursive: true });
    const eml = join(this.folder, `${email.slug}.eml`);
    await writeFile(eml, info.message as Buffer);
    await writeFile(join(this.folder, `${email.slug}.html`), email.html);
    return { messageId: info.messageId, detail: eml };
  }
}
