import { type Locale, messages } from '../../report/i18n.js';
import type { NoDataNotice } from '../../report/report-message.js';
import { type ColourConvention, DEFAULT_COLOURS } from '../colours.js';
import { noDataHeadline, statusLabel } from '../headlines.js';
import { emailLayout, escapeHtml, PALETTE } from './html.js';
import type { RenderedEmail } from './rendered-email.js';

/** The "no data" notice as an email, in the same frame as the reports. */
export function renderNoDataEmail(
  notice: NoDataNotice,
  locale: Locale,
  colours: ColourConvention = DEFAULT_COLOURS,
): RenderedEmail {
  const t = messages(locale);
  const period = notice.job === 'daily' ? t.longDate(notice.period) : t.monthly.monthName(notice.period);
  const subject = noDataHeadline(notice, locale);
  const body = t.noDataNotice.body(period, notice.job);
  const html = emailLayout({
    lang: locale,
    title: subject,
    preheader: subject,
    heading: `${notice.appName} · ${t.noDataNotice.title}`,
    subheading: period,
    // A missing report is worth watching, not an alarm: WeChat publishes late now and then.
    statusLabel: statusLabel('watch', t.status),
    style: { colours, status: 'watch' },
    body: `<tr><td class="wxa-text wxa-pad" style="padding:8px 24px;font-size:14px;line-height:22px;color:${PALETTE.text};">${escapeHtml(body)}<div class="wxa-muted" style="padding-top:8px;font-size:12px;color:${PALETTE.muted};">${escapeHtml(`${t.noDataNotice.reasonLabel}: ${notice.reason}`)}</div></td></tr>`,
    footer: t.footer,
  });
  const text = [
    `${notice.appName} · ${t.noDataNotice.title}`,
    period,
    '',
    body,
    `${t.noDataNotice.reasonLabel}: ${notice.reason}`,
    '',
  ].join('\n');
  return { subject, html, text };
}
