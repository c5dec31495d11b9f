import { randomUUID } from 'node:crypto';
import { type ColourConvention, DEFAULT_COLOURS } from '../render/colours.js';
import { renderDailyEmail } from '../render/email/daily-email.js';
import { renderDigestEmail } from '../render/email/digest-email.js';
import { renderMonthlyEmail } from '../render/email/monthly-email.js';
import { renderNoDataEmail } from '../render/email/no-data-email.js';
import type { RenderedEmail } from '../render/email/rendered-email.js';
import type { Locale } from '../report/i18n.js';
import type { ReportMessage } from '../report/report-message.js';
import type { EmailSender } from './email-sender.js';
import type { Delivery, ReportChannel } from './report-channel.js';

export interface EmailChannelOptions {
  readonly sender: EmailSender;
  readonly from: string;
  readonly to: readonly string[];
  /** @default 'zh-CN' */
  readonly locale?: Locale;
  /** Which colour says up and which down. @default DEFAULT_COLOURS */
  readonly colours?: ColourConvention;
  /** @default 'email' */
  readonly name?: string;
}

/** The ledger key of the email channel: one per report, whatever the recipients. */
export const EMAIL_CHANNEL_KEY = 'email';

/**
 * Any report message as an email, with the stable name its local copies get: one per report and
 * language (`daily-<appid>-<date>`, `….en` in English), so the same report in both languages keeps both.
 */
export function renderReportEmail(
  message: ReportMessage,
  locale: Locale,
  colours: ColourConvention = DEFAULT_COLOURS,
): { email: RenderedEmail; slug: string } {
  const rendered = renderEmailOf(message, locale, colours);
  return { ...rendered, slug: locale === 'zh-CN' ? rendered.slug : `${rendered.slug}.${locale}` };
}

function renderEmailOf(
  message: ReportMessage,
  locale: Locale,
  colours: ColourConvention,
): { email: RenderedEmail; slug: string } {
  if (message.kind === 'no-data') {
    const { notice } = message;
    return {
      email: renderNoDataEmail(notice, locale, colours),
      slug: `no-data-${notice.job}-${notice.appid}-${notice.period}`,
    };
  }
  if (message.kind === 'digest') {
    return { email: renderDigestEmail(message.report, locale, colours), slug: `digest-${message.report.date}` };
  }
  if (message.kind === 'monthly') {
    const { report } = message;
    return { email: renderMonthlyEmail(report, locale, colours), slug: `monthly-${report.appid}-${report.month}` };
  }
  const { report } = message;
  return { email: renderDailyEmail(report, locale, colours), slug: `daily-${report.appid}-${report.date}` };
}

/** Reports by email, through any EmailSender (SMTP, SES, the local outbox). */
export class EmailChannel implements ReportChannel {
  readonly key = EMAIL_CHANNEL_KEY;
  readonly name: string;

  constructor(private readonly options: EmailChannelOptions) {
    this.name = options.name ?? 'email';
  }

  async deliver(message: ReportMessage): Promise<Delivery> {
    const { email, slug } = renderReportEmail(message, this.options.locale ?? 'zh-CN', this.options.colours);
    const domain = /@([^>\s]+)>?\s*$/.exec(this.options.from)?.[1] ?? 'wxa-reporter.local';
    const sent = await this.options.sender.send({
      ...email,
      from: this.options.from,
      to: this.options.to,
      slug,
      messageId: `<${slug}.${randomUUID()}@${domain}>`,
    });
    return { channel: this.name, detail: sent.detail };
  }
}
