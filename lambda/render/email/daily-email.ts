import { weekday } from '../../calendar/beijing-calendar.js';
import { DAILY_METRICS } from '../../domain/daily-visit-trend.js';
import { dailyExtrasMessages } from '../../report/daily-extras-i18n.js';
import type { DailyReport } from '../../report/daily-report.js';
import { direction, formatChangeWithArrow, formatCount, formatMetric } from '../../report/format.js';
import { type Locale, messages } from '../../report/i18n.js';
import { anomalyLines } from '../anomaly-lines.js';
import { type ColourConvention, DEFAULT_COLOURS } from '../colours.js';
import { dailyHeadline, statusLabel } from '../headlines.js';
import {
  barChart,
  changeCell,
  emailLayout,
  escapeHtml,
  headerCell,
  headlineBlock,
  mutedNote,
  PALETTE,
  sectionTitle,
  statusLines,
  tableBlock,
} from './html.js';
import type { RenderedEmail } from './rendered-email.js';

/** The metrics after the headline: every one but the visitors. */
const OTHER_METRICS = DAILY_METRICS.filter((m) => m !== 'visit_uv');

/**
 * Subject, HTML and plain-text parts of the daily report, in the order a manager reads on a phone:
 * the visitors with their day-over-day and week-over-week changes, then what is unusual, then the
 * other metrics, shares, top pages and the 14-day trend. A pure function of the report.
 */
export function renderDailyEmail(
  report: DailyReport,
  locale: Locale,
  colours: ColourConvention = DEFAULT_COLOURS,
): RenderedEmail {
  const t = messages(locale);
  const trendTitle = t.trendTitle(report.trend.length, report.trend[0]?.date ?? report.date);
  const x = dailyExtrasMessages(locale);
  const na = t.notAvailable;
  const p = PALETTE;
  const dateLine = t.dateWithWeekday(report.date, weekday(report.date));
  const subject = dailyHeadline(report, locale);
  const anomalies = anomalyLines(report, locale);
  const visitors = report.metrics.visit_uv;
  const change = (value: number | null) =>
    changeCell(formatChangeWithArrow(value, na), value === null ? null : direction(value), colours);

  const headline = headlineBlock({
    label: t.metricNames.visit_uv,
    value: formatMetric('visit_uv', visitors.value, na),
    changes: [
      { label: t.dayOverDay, value: visitors.dayOverDay },
      { label: t.weekOverWeek, value: visitors.weekOverWeek },
    ].map((c) => ({
      label: c.label,
      text: formatChangeWithArrow(c.value, na),
      direction: c.value === null ? null : direction(c.value),
    })),
    colours,
  });
  const anomalyBlock = statusLines(
    anomalies.lines.map((line) => `${anomalies.unusual ? '⚠ ' : ''}${line}`),
    anomalies.unusual ? anomalies.status : 'normal',
  );

  const cell = `padding:8px 0;font-size:14px;line-height:20px;border-bottom:1px solid ${p.border};`;
  const rows = OTHER_METRICS.map((metric) => {
    const m = report.metrics[metric];
    return `<tr>
<td class="wxa-text" style="${cell}padding-right:8px;color:${p.text};">${escapeHtml(t.metricNames[metric])}</td>
<td class="wxa-text" align="right" style="${cell}font-weight:600;color:${p.text};white-space:nowrap;">${escapeHtml(formatMetric(metric, m.value, na))}</td>
<td align="right" style="${cell}font-size:13px;padding-left:8px;">${change(m.dayOverDay)}</td>
<td align="right" style="${cell}font-size:13px;padding-left:8px;">${change(m.weekOverWeek)}</td>
</tr>`;
  });
  const table = tableBlock(
    `<tr>${headerCell(t.metric, 'left')}${headerCell(t.value, 'right')}${headerCell(t.dayOverDay, 'right')}${headerCell(t.weekOverWeek, 'right')}</tr>
${rows.join('\n')}`,
  );
  const chart = barChart(
    report.trend.map((point) => ({
      label: t.dayLabel(point.date, weekday(point.date)),
      value: point.visitors,
      valueText: point.visitors === null ? t.noData : formatCount(point.visitors),
      highlight: point.date === report.date,
    })),
  );

  const row = (cells: string[]) =>
    `<tr>${cells.map((c, i) => `<td class="wxa-text" ${i ? 'align="right" ' : ''}style="padding:6px 0;${i ? 'padding-left:8px;white-space:nowrap;' : 'overflow-wrap:anywhere;'}font-size:13px;line-height:18px;color:${p.text};border-bottom:1px solid ${p.border};">${c}</td>`).join('')}</tr>`;
  const summary = report.summary;
  const summaryRows = summary
    ? ([
        [x.visitTotal, summary.visitTotal],
        [x.sharePv, summary.sharePv],
        [x.shareUv, summary.shareUv],
      ] as const)
    : [];
  const summaryBlock = summary
    ? `${sectionTitle(x.summaryTitle)}\n${tableBlock(
        summaryRows
          .map(([label, value]) => row([escapeHtml(label), escapeHtml(value === null ? na : formatCount(value))]))
          .join(''),
      )}`
    : '';
  const pagesBlock = report.topPages.length
    ? `${sectionTitle(x.topPagesTitle)}\n${tableBlock(
        `<tr>${headerCell(x.page, 'left')}${headerCell(x.visits, 'right')}${headerCell(t.dayOverDay, 'right')}</tr>${report.topPages
          .map((page) => row([breakablePath(page.path), escapeHtml(formatCount(page.visits)), change(page.dayOverDay)]))
          .join('')}`,
      )}`
    : '';

  const status = anomalies.status;
  const html = emailLayout({
    lang: locale,
    title: subject,
    // The inbox preview: the headline (⚠ and the unusual metric on such a day), then the rest.
    preheader: anomalies.unusual ? [subject, ...anomalies.lines.slice(1)].join(' · ') : subject,
    heading: `${report.appName} · ${t.dailyTitle}`,
    subheading: dateLine,
    statusLabel: statusLabel(status, t.status),
    style: { colours, status },
    body: [
      headline,
      anomalyBlock,
      ...anomalies.notes.map(mutedNote),
      sectionTitle(t.otherMetrics),
      table,
      summaryBlock,
      pagesBlock,
      sectionTitle(trendTitle),
      chart,
    ]
      .filter(Boolean)
      .join('\n'),
    footer: t.footer,
  });

  const changes = (m: { dayOverDay: number | null; weekOverWeek: number | null }) =>
    `${t.dayOverDay} ${formatChangeWithArrow(m.dayOverDay, na)}, ${t.weekOverWeek} ${formatChangeWithArrow(m.weekOverWeek, na)}`;
  const text = [
    `${report.appName} · ${t.dailyTitle}`,
    `${dateLine}  ${statusLabel(status, t.status)}`,
    '',
    `${t.metricNames.visit_uv}: ${formatMetric('visit_uv', visitors.value, na)}  (${changes(visitors)})`,
    ...anomalies.lines.map((line) => `${anomalies.unusual ? '⚠ ' : ''}${line}`),
    ...anomalies.notes,
    '',
    `${t.otherMetrics}:`,
    ...OTHER_METRICS.map((metric) => {
      const m = report.metrics[metric];
      return `  ${t.metricNames[metric]}: ${formatMetric(metric, m.value, na)}  (${changes(m)})`;
    }),
    ...(summary
      ? [
          '',
          `${x.summaryTitle}:`,
          ...summaryRows.map(([label, value]) => `  ${label}: ${value === null ? na : formatCount(value)}`),
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
    `${trendTitle}:`,
    ...report.trend.map(
      (point) =>
        `  ${t.dayLabel(point.date, weekday(point.date))}  ${point.visitors === null ? t.noData : formatCount(point.visitors)}`,
    ),
    '',
    t.footer,
    '',
  ].join('\n');

  return { subject, html, text };
}

/** A page path that may wrap after each "/" on a narrow screen, never inside a segment. */
function breakablePath(path: string): string {
  return escapeHtml(path).replaceAll('/', '/<wbr>');
}
