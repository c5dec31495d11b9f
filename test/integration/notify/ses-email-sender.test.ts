import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingEmail } from '../../../lambda/notify/email-sender.js';
import { SesEmailSender } from '../../../lambda/notify/ses/ses-email-sender.js';
import { MOTO_CREDENTIALS, MOTO_REGION, type MotoServer, startMoto } from '../../support/moto.js';

let moto: MotoServer;
let ses: SESv2Client;
beforeAll(async () => {
  moto = await startMoto();
  ses = new SESv2Client({ endpoint: moto.endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
});
afterAll(async () => {
  ses?.destroy();
  await moto?.stop();
});

const email: OutgoingEmail = {
  from: 'wxa-reporter <reports@mail.example.com>',
  to: ['ops@example.com'],
  subject: '【喵喵商城】日报',
  html: '<p>访问人数 1,234</p>',
  text: '访问人数 1,234',
  messageId: '<daily-wx1-2026-11-22.x@mail.example.com>',
  slug: 'daily-wx1-2026-11-22',
};

describe('email through Amazon SES (moto)', () => {
  it('sends the raw MIME message composed by nodemailer from a verified identity', async () => {
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'mail.example.com' }));

    const sent = await new SesEmailSender(ses).send(email);

    expect(sent.messageId).toBeTruthy();
    expect(sent.detail).toMatch(/^SES accepted/);
  });

  it('names SES when the identity is not verified', async () => {
    await expect(new SesEmailSender(ses).send({ ...email, from: 'someone@unverified.example.org' })).rejects.toThrow(
      /^SES: /,
    );
  });
});
