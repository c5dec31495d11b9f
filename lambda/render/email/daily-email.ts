import { weekday } from '../../calendar/beijing-calendar.js';
import { DAILY_METRICS } from '../../domain/daily-visit-trend.js';
import { dailyExtrasMessages } from '../../report/daily-extras-i18n.js';
import type { DailyReport } from '../../report/daily-report.js';
import { direction, formatChangeWithArrow, formatCount, formatMetric } from '../../report/format.js';
import { type Locale, messages } from '../../report/i18n.js';
import { anomalyLines } from '../anomaly-lines.js';
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

  const x = dailyExtrasMessages(locale);
  const anomalies = anomalyLines(report, locale);
  const note = (text: string, colour: string) =>
    `<div class="wxa-text" style="font-size:14px;line-height:22px;color:${colour};">${escapeHtml(text)}</div>`;
  const anomalyBlock = `${sectionTitle(x.anomalyTitle)}\n<tr><td style="padding:0 24px 8px 24px;">${anomalies.lines
    .map((line) => note(`${anomalies.unusual ? '⚠ ' : ''}${line}`, anomalies.unusual ? p.down : p.muted))
    .join('')}</td></tr>`;
  const row = (cells: string[]) =>
    `<tr>${cells.map((c, i) => `<td class="wxa-text" ${i ? 'align="right" ' : ''}style="padding:6px 0;font-size:13px;line-height:18px;color:${p.text};border-bottom:1px solid ${p.border};">${c}</td>`).join('')}</tr>`;
  const summary = report.summary;
  const summaryBlock = summary
    ? `${sectionTitle(x.summaryTitle)}\n<tr><td style="padding:0 24px 8px 24px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${[
        [x.visitTotal, summary.visitTotal],
        [x.sharePv, summary.sharePv],
        [x.shareUv, summary.shareUv],
      ]
        .map(([label, value]) =>
          row([escapeHtml(String(label)), escapeHtml(value === null ? na : formatCount(value as number))]),
        )
        .join('')}</table></td></tr>`
    : '';
  const pagesBlock = report.topPages.length
    ? `${sectionTitle(x.topPagesTitle)}\n<tr><td style="padding:0 24px 8px 24px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>${headerCell(x.page, 'left')}${headerCell(x.visits, 'right')}${headerCell(t.dayOverDay, 'right')}</tr>${report.topPages
        .map((page) =>
          row([
            escapeHtml(page.path),
            escapeHtml(formatCount(page.visits)),
            changeCell(
              formatChangeWithArrow(page.dayOverDay, na),
              page.dayOverDay === null ? null : direction(page.dayOverDay),
            ),
          ]),
        )
        .join('')}</table></td></tr>`
    : '';

  const html = emailLayout({
    lang: locale,
    title: subject,
    preheader: anomalies.unusual ? `${subject} · ${anomalies.lines[0]}` : subject,
    heading: `${report.appName} · ${t.dailyTitle}`,
    subheading: dateLine,
    body: [table, anomalyBlock, summaryBlock, pagesBlock, sectionTitle(t.trendTitle), chart].filter(Boolean).join('\n'),
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
    `${x.anomalyTitle}:`,
    ...anomalies.lines.map((line) => `  ${line}`),
    ...(summary
      ? [
          '',
          `${x.summaryTitle}:`,
          ...(
            [
              [x.visitTotal, summary.visitTotal],
              [x.sharePv, summary.sharePv],
              [x.shareUv, summary.shareUv],
            ] as const
          ).map(([label, value]) => `  ${label}: ${value === null ? na : formatCount(value)}`),
        ]
      : []),
    ...(report.topPages.length
      ? [
          '',
          `${x.topPagesTitle}:`,
          ...report.topPages.map(
            (page) =>
              `  ${page.path}  ${formatCount(page.visits)}  (${t.dayOverDay} ${formatChangeWithArrow(page.dayOverDay, na)})`,
          ),
        ]
      : []),
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
