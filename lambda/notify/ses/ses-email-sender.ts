import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import nodemailer, { type Transporter } from 'nodemailer';
import {
  EmailDeliveryError,
  type EmailSender,
  mailOptions,
  type OutgoingEmail,
  type SentEmail,
} from '../email-sender.js';

/** Email through Amazon SES (API v2), composed by nodemailer so both parts and headers match SMTP mail. */
export class SesEmailSender implements EmailSender {
  private readonly transporter: Transporter;

  constructor(sesClient: SESv2Client) {
    this.transporter = nodemailer.createTransport({ SES: { sesClient, SendEmailCommand } });
  }

  async send(email: OutgoingEmail): Promise<SentEmail> {
    try {
      const info = await this.transporter.sendMail(mailOptions(email));
      return {
        messageId: info.messageId,
        detail: `SES accepted (${(info as { response?: string }).response ?? 'ok'})`,
      };
    } catch (error) {
      throw new EmailDeliveryError(`SES: ${(error as Error).message}`, { cause: error });
    }
  }
}
