import { addMonths } from '../../calendar/beijing-calendar.js';
import { direction, formatChangeWithArrow, formatCount, formatPointChange, formatRate } from '../../report/format.js';
import { historyGapLines } from '../../report/history-gaps.js';
import { type Locale, messages } from '../../report/i18n.js';
import type { MissingReason, MonthlyReport, MonthOverMonth } from '../../report/monthly-report.js';
import { type ColourConvention, DEFAULT_COLOURS } from '../colours.js';
import { monthlyHeadline } from '../headlines.js';
import {
  barChart,
  changeCell,
  emailLayout,
  escapeHtml,
  headerCell,
  mutedNote,
  PALETTE,
  sectionTitle,
  tableBlock,
} from './html.js';
import type { RenderedEmail } from './rendered-email.js';

interface RetentionLine {
  readonly label: string;
  readonly rate: string;
  readonly detail: string;
  readonly comparison: string | null;
  readonly comparisonDirection: ReturnType<typeof direction> | null;
}

/** The monthly retention report as subject, HTML and text. A pure function of the report. */
export function renderMonthlyEmail(
  report: MonthlyReport,
  locale: Locale,
  colours: ColourConvention = DEFAULT_COLOURS,
): RenderedEmail {
  const t = messages(locale);
  const tm = t.monthly;
  const months = report.history.length;
  const firstMonth = report.history[0]?.month ?? report.month;
  const na = t.notAvailable;
  const monthName = tm.monthName(report.month);
  const { cohort } = report;
  const missingText = (reason: MissingReason | undefined) => (reason ? tm.missing[reason] : na);

  const subject = monthlyHeadline(report, locale);
  const gapNotes = historyGapLines(report.gaps, locale);

  const totals = [
    { label: tm.activeUsers, figures: report.activeUsers },
    { label: tm.newUsers, figures: report.newUsers },
  ];
  const retentionLine = (
    label: string,
    rate: number | null,
    previous: number | null,
    missing: MissingReason | undefined,
    retained: number | null,
    base: number | null,
  ): RetentionLine => ({
    label,
    rate: rate === null ? missingText(missing) : formatRate(rate, na),
    detail: rate === null ? '' : tm.retained(formatCount(retained ?? 0), formatCount(base ?? 0)),
    comparison: formatPointChange(rate, previous),
    comparisonDirection: rate === null || previous === null ? null : direction(rate - previous),
  });
  const retentionLines = [
    retentionLine(
      tm.newUserRetention,
      cohort.newUserRetention,
      cohort.previousNewUserRetention,
      cohort.newUserRetentionMissing,
      cohort.newUsersRetained,
      cohort.newUsers,
    ),
    retentionLine(
      tm.activeUserRetention,
      cohort.activeUserRetention,
      cohort.previousActiveUserRetention,
      cohort.activeUserRetentionMissing,
      cohort.activeUsersRetained,
      cohort.activeUsers,
    ),
  ];
  const previousCohortName = tm.monthName(addMonths(cohort.month, -1));
  const cohortHeading = tm.cohortTitle(tm.monthName(cohort.month), monthName);
  const comparisonText = (line: RetentionLine) =>
    line.comparison === null ? '' : `${tm.versusPreviousCohort(previousCohortName)} ${tm.points(line.comparison)}`;
  const daily = report.daily;
  const dailyLines = daily
    ? [
        [tm.averageDailyVisitors, formatCount(Math.round(daily.averageDailyVisitors))],
        [tm.totalNewUsers, formatCount(daily.totalNewUsers)],
        [tm.bestDay, `${t.shortDate(daily.bestDay.date)} · ${formatCount(daily.bestDay.visitors)}`],
        [tm.worstDay, `${t.shortDate(daily.worstDay.date)} · ${formatCount(daily.worstDay.visitors)}`],
      ]
    : [];
  const dailyNote = daily ? tm.coverage(daily.daysWithData, daily.daysInMonth) : tm.noDailyData;

  const html = emailLayout({
    lang: locale,
    title: subject,
    preheader: subject,
    heading: `${report.appName} · ${tm.title}`,
    subheading: monthName,
    statusLabel: '',
    style: { colours, status: 'normal' },
    body: [
      totalsTable(totals, tm.previousMonth, tm.monthOverMonth, t.metric, t.value, na, colours),
      ...gapNotes.map(mutedNote),
      sectionTitle(cohortHeading),
      retentionTable(retentionLines, comparisonText, colours),
      sectionTitle(tm.dailyTitle),
      keyValueTable(dailyLines, dailyNote),
      sectionTitle(tm.historyActive(months, firstMonth)),
      barChart(report.history.map((h) => monthBar(h.month, h.activeUsers, tm.monthName, t.noData, report.month))),
      sectionTitle(tm.historyNew(months, firstMonth)),
      barChart(report.history.map((h) => monthBar(h.month, h.newUsers, tm.monthName, t.noData, report.month))),
    ].join('\n'),
    footer: tm.footer,
  });

  const countOrNa = (v: number | null) => (v === null ? na : formatCount(v));
  const text = [
    `${report.appName} · ${tm.title}`,
    monthName,
    '',
    ...totals.map(
      ({ label, figures }) =>
        `${label}: ${countOrNa(figures.value)}  (${tm.previousMonth} ${countOrNa(figures.previous)}, ${tm.monthOverMonth} ${formatChangeWithArrow(figures.change, na)})`,
    ),
    ...gapNotes,
    '',
    `${cohortHeading}:`,
    ...retentionLines.map((line) =>
      [`  ${line.label}: ${line.rate}`, line.detail && `(${line.detail})`, comparisonText(line)]
        .filter(Boolean)
        .join('  '),
    ),
    '',
    `${tm.dailyTitle}:`,
    ...dailyLines.map(([k, v]) => `  ${k}: ${v}`),
    `  ${dailyNote}`,
    '',
    `${tm.historyActive(months, firstMonth)}:`,
    ...report.history.map(
      (h) => `  ${tm.monthName(h.month)}  ${h.activeUsers === null ? t.noData : formatCount(h.activeUsers)}`,
    ),
    `${tm.historyNew(months, firstMonth)}:`,
    ...report.history.map(
      (h) => `  ${tm.monthName(h.month)}  ${h.newUsers === null ? t.noData : formatCount(h.newUsers)}`,
    ),
    '',
    tm.footer,
    '',
  ].join('\n');

  return { subject, html, text };
}

function monthBar(
  month: string,
  value: number | null,
  name: (m: string) => string,
  noData: string,
  reportMonth: string,
) {
  return {
    label: name(month),
    value,
    valueText: value === null ? noData : formatCount(value),
    highlight: month === reportMonth,
  };
}

const cellStyle = `padding:8px 0;font-size:14px;line-height:20px;border-bottom:1px solid ${PALETTE.border};`;

function totalsTable(
  rows: readonly { label: string; figures: MonthOverMonth }[],
  previousLabel: string,
  changeLabel: string,
  metricLabel: string,
  valueLabel: string,
  na: string,
  colours: ColourConvention,
): string {
  const body = rows.map(({ label, figures }) => {
    const count = (v: number | null) => escapeHtml(v === null ? na : formatCount(v));
    return `<tr>
<td class="wxa-text" style="${cellStyle}color:${PALETTE.text};">${escapeHtml(label)}</td>
<td class="wxa-text" align="right" style="${cellStyle}font-weight:600;color:${PALETTE.text};">${count(figures.value)}</td>
<td class="wxa-muted" align="right" style="${cellStyle}color:${PALETTE.muted};">${count(figures.previous)}</td>
<td align="right" style="${cellStyle}padding-left:8px;">${changeCell(formatChangeWithArrow(figures.change, na), figures.change === null ? null : direction(figures.change), colours)}</td>
</tr>`;
  });
  return tableBlock(
    `<tr>${headerCell(metricLabel, 'left')}${headerCell(valueLabel, 'right')}${headerCell(previousLabel, 'right')}${headerCell(changeLabel, 'right')}</tr>
${body.join('\n')}`,
    8,
  );
}

/**
 * Each retention rate on two lines, not three columns: the rate beside its name, then who came back
 * and the comparison with the cohort before, each a phrase of its own, so a 375 px phone keeps a
 * rate on one line instead of wrapping it and its comparison into a column of fragments.
 */
function retentionTable(
  lines: readonly RetentionLine[],
  comparisonText: (line: RetentionLine) => string,
  colours: ColourConvention,
): string {
  const rows = lines.map((line) => {
    const comparison = comparisonText(line);
    const details = [
      line.detail
        ? `<span class="wxa-muted" style="color:${PALETTE.muted};margin-right:12px;">${escapeHtml(line.detail)}</span>`
        : '',
      comparison ? changeCell(comparison, line.comparisonDirection, colours) : '',
    ].filter(Boolean);
    return `<tr>
<td class="wxa-text" style="padding:8px 8px 0 0;font-size:14px;line-height:20px;color:${PALETTE.text};">${escapeHtml(line.label)}</td>
<td class="wxa-text" align="right" style="padding:8px 0 0 0;font-size:16px;line-height:20px;font-weight:600;color:${PALETTE.text};white-space:nowrap;vertical-align:top;">${escapeHtml(line.rate)}</td>
</tr>
<tr><td colspan="2" style="padding:2px 0 8px 0;font-size:12px;line-height:18px;border-bottom:1px solid ${PALETTE.border};">${details.join(' ')}</td></tr>`;
  });
  return tableBlock(rows.join('\n'));
}

function keyValueTable(lines: readonly string[][], note: string): string {
  const rows = lines.map(
    ([k, v]) => `<tr>
<td class="wxa-text" style="${cellStyle}color:${PALETTE.text};">${escapeHtml(k ?? '')}</td>
<td class="wxa-text" align="right" style="${cellStyle}padding-left:8px;font-weight:600;color:${PALETTE.text};white-space:nowrap;">${escapeHtml(v ?? '')}</td>
</tr>`,
  );
  const noteRow = `<tr><td colspan="2" class="wxa-muted" style="padding:6px 0;font-size:12px;line-height:16px;color:${PALETTE.muted};">${escapeHtml(note)}</td></tr>`;
  return tableBlock(`${rows.join('\n')}${noteRow}`);
}
