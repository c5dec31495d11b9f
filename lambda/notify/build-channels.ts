import type { Clock } from '../calendar/beijing-calendar.js';
import type { ColourConvention } from '../render/colours.js';
import type { Locale } from '../report/i18n.js';
import { EmailChannel } from './email-channel.js';
import type { EmailSender } from './email-sender.js';
import type { ReportChannel } from './report-channel.js';
import { WebhookChannel } from './webhook/webhook-channel.js';
import type { WebhookKind } from './webhook/webhook-platform.js';

/** Who gets a report: an app's recipients and webhook kinds, or the digest's. */
export interface Audience {
  readonly recipients: readonly string[];
  readonly webhooks: readonly WebhookKind[];
  readonly language?: Locale;
  readonly colours?: ColourConvention;
}

export interface ChannelOptions {
  /** The email sender, asked for only when there are recipients. */
  readonly emailSender: () => Promise<EmailSender | undefined>;
  readonly from: string;
  readonly defaultLanguage: Locale;
  /** The deployment's (or config's) colour convention, for audiences that set none. @default DEFAULT_COLOURS */
  readonly defaultColours?: ColourConvention;
  /** The webhook URLs (secrets) found for this audience. */
  readonly webhookSecrets: Readonly<Partial<Record<WebhookKind, { readonly url: string; readonly secret?: string }>>>;
  /** Where a webhook URL is (or should be) stored, for error messages. */
  readonly whereToStore: (kind: WebhookKind) => string;
  /** Where the audience's list of webhooks is, for the fix of a missing URL: `the app's webhooks in /etc/wxa/config.json`. @default 'its webhooks' */
  readonly whereListed?: string;
  readonly clock?: Clock;
}

export class MissingChannelError extends Error {
  override name = 'MissingChannelError';
}

/**
 * The channels of one audience. Shared by the Lambda worker and `wxa-report run`, and loaded by them
 * only when a report is about to go out: it pulls in every renderer and nodemailer.
 */
export async function buildChannels(audience: Audience, options: ChannelOptions): Promise<ReportChannel[]> {
  const locale = audience.language ?? options.defaultLanguage;
  const colours = audience.colours ?? options.defaultColours;
  const emailAlso = audience.recipients.length > 0;
  const channels: ReportChannel[] = [];
  if (emailAlso) {
    const sender = await options.emailSender();
    if (!sender) throw new MissingChannelError('recipients are set but no email transport is configured');
    channels.push(new EmailChannel({ sender, from: options.from, to: audience.recipients, locale, colours }));
  }
  for (const kind of audience.webhooks) {
    const webhook = options.webhookSecrets[kind];
    if (!webhook) {
      const where = options.whereToStore(kind);
      throw new MissingChannelError(
        `webhook "${kind}" is configured but ${where} is not set: set ${where} to the robot's webhook URL, or remove "${kind}" from ${options.whereListed ?? 'its webhooks'}`,
      );
    }
    channels.push(
      new WebhookChannel({
        kind,
        url: webhook.url,
        secret: webhook.secret,
        locale,
        colours,
        emailAlso,
        clock: options.clock,
        setting: options.whereToStore(kind),
      }),
    );
  }
  return channels;
}
