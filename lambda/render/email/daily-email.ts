import { weekday } from '../../calendar/beijing-calendar.js';
import { DAILY_METRICS } from '../../domain/daily-visit-trend.js';
import type { DailyReport } from '../../report/daily-report.js';
import { direction, formatChangeWithArrow, formatCount, formatMetric } from '../../report/format.js';
import { type Locale, messages } from '../../report/i18n.js';
import { dailyHeadline } from '../headlines.js';
import { barChart, changeCell, emailLayout, escapeHtml, headerCell, PALETTE, sectionTitle } from './html.js';
import type { RenderedEmail } from './rendered-email.js';

/** Subject, HTML and plain-text parts of the daily report. A pure function of the report. */
export function renderDailyEmail(report: DailyReport, locale: Locale): RenderedEmail {
  const t = messages(locale);
  const na = t.notAvailable;
  const dateLine = t.dateWithWeekday(report.date, weekday(report.date));
  const subject = dailyHeadline(report, locale);

  const p = PALETTE;
  const rows = DAILY_METRICS.map((metric) => {
    const m = report.metrics[metric];
    const change = (value: number | null) =>
      changeCell(formatChangeWithArrow(value, na), value === null ? null : direction(value));
    return `<tr>
<td class="wxa-text" style="padding:8px 0;font-size:14px;line-height:20px;color:${p.text};border-bottom:1px solid ${p.border};">${escapeHtml(t.metricNames[metric])}</td>
<td class="wxa-text" align="right" style="padding:8px 0;font-size:14px;line-height:20px;font-weight:600;color:${p.text};border-bottom:1px solid ${p.border};">${escapeHtml(formatMetric(metric, m.value, na))}</td>
<td align="right" style="padding:8px 0;font-size:13px;line-height:20px;border-bottom:1px solid ${p.border};">${change(m.dayOverDay)}</td>
<td align="right" style="padding:8px 0;font-size:13px;line-height:20px;border-bottom:1px solid ${p.border};">${change(m.weekOverWeek)}</td>
</tr>`;
  });
  const table = `<tr><td style="padding:8px 24px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr>${headerCell(t.metric, 'left')}${headerCell(t.value, 'right')}${headerCell(t.dayOverDay, 'right')}${headerCell(t.weekOverWeek, 'right')}</tr>
${rows.join('\n')}
</table></td></tr>`;
  const chart = barChart(
    report.trend.map((point) => ({
      label: `${t.shortDate(point.date)} ${t.weekdays[weekday(point.date)]}`,
      value: point.visitors,
      valueText: point.visitors === null ? t.noData : formatCount(point.visitors),
      highlight: point.date === report.date,
    })),
  );

  const html = emailLayout({
    lang: locale,
    title: subject,
    preheader: subject,
    heading: `${report.appName} · ${t.dailyTitle}`,
    subheading: dateLine,
    body: `${table}\n${sectionTitle(t.trendTitle)}\n${chart}`,
    footer: t.footer,
  });

  const text = [
    `${report.appName} · ${t.dailyTitle}`,
    dateLine,
    '',
    ...DAILY_METRICS.map((metric) => {
      const m = report.metrics[metric];
      return `${t.metricNames[metric]}: ${formatMetric(metric, m.value, na)}  (${t.dayOverDay} ${formatChangeWithArrow(m.dayOverDay, na)}, ${t.weekOverWeek} ${formatChangeWithArrow(m.weekOverWeek, na)})`;
    }),
    '',
    `${t.trendTitle}:`,
    ...report.trend.map(
      (point) =>
        `  ${t.shortDate(point.date)} ${t.weekdays[weekday(point.date)]}  ${point.visitors === null ? t.noData : formatCount(point.visitors)}`,
    ),
    '',
    t.footer,
    '',
  ].join('\n');

  return { subject, html, text };
}
