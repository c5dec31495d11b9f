import { addMonths, weekday } from '../../calendar/beijing-calendar.js';
import { DAILY_METRICS } from '../../domain/daily-visit-trend.js';
import { dailyExtrasMessages } from '../../report/daily-extras-i18n.js';
import type { DailyReport } from '../../report/daily-report.js';
import { digestMessages } from '../../report/digest-i18n.js';
import type { DigestAppLine, DigestReport } from '../../report/digest-report.js';
import {
  type Direction,
  direction,
  formatChangeWithArrow,
  formatCount,
  formatMetric,
  formatPointChange,
  formatRate,
} from '../../report/format.js';
import { type Locale, messages } from '../../report/i18n.js';
import type { MonthlyReport } from '../../report/monthly-report.js';
import type { NoDataNotice, ReportMessage } from '../../report/report-message.js';
import { anomalyLines } from '../anomaly-lines.js';
import { dailyHeadline, digestHeadline, monthlyHeadline, noDataHeadline } from '../headlines.js';

export interface ChatChange {
  readonly label: string;
  readonly text: string;
  readonly direction: Direction | null;
}

export interface ChatLine {
  readonly label: string;
  readonly value: string;
  readonly changes: readonly ChatChange[];
}

export interface ChatSection {
  readonly title: string;
  readonly lines: readonly ChatLine[];
  /** Optional sections give up lines first (oldest first) when a message must be shortened. */
  readonly optional: boolean;
  /** Which end of an optional section gives way: the oldest rows (start) or the lowest-ranked (end). @default 'start' */
  readonly trimFrom?: 'start' | 'end';
}

/** A report reduced to what a chat message shows; each platform formats it its own way. */
export interface ChatSummary {
  readonly title: string;
  readonly subtitle: string;
  /** The same headline as the email subject; plain-text fallbacks use it. */
  readonly headline: string;
  readonly sections: readonly ChatSection[];
  readonly footer: string;
  /** A series for platforms that draw charts (Feishu/Lark cards); the others show the trend section. */
  readonly chart?: {
    readonly title: string;
    readonly points: readonly { readonly label: string; readonly value: number | null }[];
  };
}

const change = (label: string, value: number | null, na: string): ChatChange => ({
  label,
  text: formatChangeWithArrow(value, na),
  direction: value === null ? null : direction(value),
});

function dailySummary(report: DailyReport, locale: Locale): ChatSummary {
  const t = messages(locale);
  const na = t.notAvailable;
  return {
    title: `${report.appName} · ${t.dailyTitle}`,
    subtitle: t.dateWithWeekday(report.date, weekday(report.date)),
    headline: dailyHeadline(report, locale),
    sections: [
      {
        title: t.metric,
        optional: false,
        lines: DAILY_METRICS.map((metric) => {
          const m = report.metrics[metric];
          return {
            label: t.metricNames[metric],
            value: formatMetric(metric, m.value, na),
            changes: [change(t.dayOverDay, m.dayOverDay, na), change(t.weekOverWeek, m.weekOverWeek, na)],
          };
        }),
      },
      ...dailyExtraSections(report, locale),
      {
        title: t.trendTitle,
        optional: true,
        lines: report.trend.map((p) => ({
          label: `${t.shortDate(p.date)} ${t.weekdays[weekday(p.date)]}`,
          value: p.visitors === null ? t.noData : formatCount(p.visitors),
          changes: [],
        })),
      },
    ],
    footer: t.footer,
    chart: {
      title: t.trendTitle,
      points: report.trend.map((p) => ({
        label: `${t.shortDate(p.date)} ${t.weekdays[weekday(p.date)]}`,
        value: p.visitors,
      })),
    },
  };
}

/** Unusual metrics, shares and total users, top pages. */
function dailyExtraSections(report: DailyReport, locale: Locale): ChatSection[] {
  const t = messages(locale);
  const x = dailyExtrasMessages(locale);
  const na = t.notAvailable;
  const anomalies = anomalyLines(report, locale);
  const sections: ChatSection[] = [
    {
      title: x.anomalyTitle,
      optional: false,
      lines: anomalies.lines.map((line) => ({
        label: `${anomalies.unusual ? '⚠ ' : ''}${line}`,
        value: '',
        changes: [],
      })),
    },
  ];
  const summary = report.summary;
  if (summary) {
    const count = (v: number | null) => (v === null ? na : formatCount(v));
    sections.push({
      title: x.summaryTitle,
      optional: false,
      lines: [
        { label: x.visitTotal, value: count(summary.visitTotal), changes: [] },
        { label: x.sharePv, value: count(summary.sharePv), changes: [] },
        { label: x.shareUv, value: count(summary.shareUv), changes: [] },
      ],
    });
  }
  if (report.topPages.length) {
    sections.push({
      title: x.topPagesTitle,
      optional: true,
      trimFrom: 'end',
      lines: report.topPages.map((page) => ({
        label: page.path,
        value: formatCount(page.visits),
        changes: [change(t.dayOverDay, page.dayOverDay, na)],
      })),
    });
  }
  return sections;
}

function monthlySummary(report: MonthlyReport, locale: Locale): ChatSummary {
  const t = messages(locale);
  const tm = t.monthly;
  const na = t.notAvailable;
  const { cohort } = report;
  const count = (v: number | null) => (v === null ? na : formatCount(v));
  const previousCohort = tm.versusPreviousCohort(tm.monthName(addMonths(cohort.month, -1)));
  const rateLine = (label: string, rate: number | null, previous: number | null, missing: string | undefined) => {
    const points = formatPointChange(rate, previous);
    return {
      label,
      value: rate === null ? (missing ?? na) : formatRate(rate, na),
      changes:
        points === null
          ? []
          : [
              {
                label: previousCohort,
                text: tm.points(points),
                direction: rate !== null && previous !== null ? direction(rate - previous) : null,
              },
            ],
    };
  };
  const daily = report.daily;
  return {
    title: `${report.appName} · ${tm.title}`,
    subtitle: tm.monthName(report.month),
    headline: monthlyHeadline(report, locale),
    sections: [
      {
        title: t.metric,
        optional: false,
        lines: [
          {
            label: tm.activeUsers,
            value: count(report.activeUsers.value),
            changes: [change(tm.monthOverMonth, report.activeUsers.change, na)],
          },
          {
            label: tm.newUsers,
            value: count(report.newUsers.value),
            changes: [change(tm.monthOverMonth, report.newUsers.change, na)],
          },
        ],
      },
      {
        title: tm.cohortTitle(tm.monthName(cohort.month), tm.monthName(report.month)),
        optional: false,
        lines: [
          rateLine(
            tm.newUserRetention,
            cohort.newUserRetention,
            cohort.previousNewUserRetention,
            cohort.newUserRetentionMissing && tm.missing[cohort.newUserRetentionMissing],
          ),
          rateLine(
            tm.activeUserRetention,
            cohort.activeUserRetention,
            cohort.previousActiveUserRetention,
            cohort.activeUserRetentionMissing && tm.missing[cohort.activeUserRetentionMissing],
          ),
        ],
      },
      {
        title: tm.dailyTitle,
        optional: true,
        lines: daily
          ? [
              {
                label: tm.averageDailyVisitors,
                value: formatCount(Math.round(daily.averageDailyVisitors)),
                changes: [],
              },
              { label: tm.totalNewUsers, value: formatCount(daily.totalNewUsers), changes: [] },
              {
                label: tm.bestDay,
                value: `${t.shortDate(daily.bestDay.date)} · ${formatCount(daily.bestDay.visitors)}`,
                changes: [],
              },
              {
                label: tm.worstDay,
                value: `${t.shortDate(daily.worstDay.date)} · ${formatCount(daily.worstDay.visitors)}`,
                changes: [],
              },
            ]
          : [{ label: tm.noDailyData, value: '', changes: [] }],
      },
      {
        title: tm.historyActive,
        optional: true,
        lines: report.history.map((h) => ({ label: tm.monthName(h.month), value: count(h.activeUsers), changes: [] })),
      },
    ],
    footer: tm.footer,
  };
}

function noDataSummary(notice: NoDataNotice, locale: Locale): ChatSummary {
  const t = messages(locale);
  const period = notice.job === 'daily' ? t.longDate(notice.period) : t.monthly.monthName(notice.period);
  return {
    title: `${notice.appName} · ${t.noDataNotice.title}`,
    subtitle: period,
    headline: noDataHeadline(notice, locale),
    sections: [
      {
        title: t.noDataNotice.title,
        optional: false,
        lines: [
          { label: t.noDataNotice.body(period, notice.job), value: '', changes: [] },
          { label: t.noDataNotice.reasonLabel, value: notice.reason, changes: [] },
        ],
      },
    ],
    footer: t.footer,
  };
}

function digestSummary(report: DigestReport, locale: Locale): ChatSummary {
  const t = messages(locale);
  const d = digestMessages(locale);
  const na = t.notAvailable;
  const line = (l: DigestAppLine, prefix = ''): ChatLine => ({
    label: `${prefix}${l.appName}`,
    value: l.visitors === null ? na : formatCount(l.visitors),
    changes: [change(d.dayOverDay, l.dayOverDay, na)],
  });
  const movers = (title: string, lines: readonly DigestAppLine[]): ChatSection => ({
    title,
    optional: false,
    lines: lines.length ? lines.map((l) => line(l)) : [{ label: d.none, value: '', changes: [] }],
  });
  return {
    title: d.title,
    subtitle: t.longDate(report.date),
    headline: digestHeadline(report, locale),
    sections: [
      {
        title: d.total,
        optional: false,
        lines: [line({ name: '', appName: d.visitors, ...report.total })],
      },
      movers(d.moversUp, report.moversUp),
      movers(d.moversDown, report.moversDown),
      {
        title: d.problems,
        optional: false,
        lines: report.problems.length
          ? report.problems.map((p) => ({
              label: p.name,
              value: `${d.kinds[p.kind]}: ${truncateText(p.reason, 60)}`,
              changes: [],
            }))
          : [{ label: d.allGood, value: '', changes: [] }],
      },
      // The full ranking gives way first when a platform's size limit is near: shortened from the tail.
      {
        title: d.ranking,
        optional: true,
        trimFrom: 'end',
        lines: report.ranked.map((l, i) => line(l, `${i + 1}. `)),
      },
    ],
    footer: d.footer,
  };
}

export function buildChatSummary(message: ReportMessage, locale: Locale): ChatSummary {
  switch (message.kind) {
    case 'digest':
      return digestSummary(message.report, locale);
    case 'daily':
      return dailySummary(message.report, locale);
    case 'monthly':
      return monthlySummary(message.report, locale);
    case 'no-data':
      return noDataSummary(message.notice, locale);
  }
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Shortens text to at most `max` user-perceived characters, never splitting one. */
export function truncateText(text: string, max: number): string {
  const parts = Array.from(graphemes.segment(text), (s) => s.segment);
  return parts.length <= max ? text : `${parts.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** The next smaller version of a summary, or undefined when nothing more can go. */
function shrinkOnce(summary: ChatSummary): ChatSummary | undefined {
  const sections = [...summary.sections];
  for (let i = sections.length - 1; i >= 0; i--) {
    const section = sections[i] as ChatSection;
    if (!section.optional) continue;
    if (section.lines.length > 1) {
      // Long sections (a digest's ranking of thousands) give way an eighth at a time, short ones a row.
      const drop = section.lines.length > 16 ? Math.floor(section.lines.length / 8) : 1;
      sections[i] = {
        ...section,
        lines: section.trimFrom === 'end' ? section.lines.slice(0, -drop) : section.lines.slice(drop),
      };
    } else sections.splice(i, 1);
    return { ...summary, sections };
  }
  const longest = Math.max(summary.title.length, summary.subtitle.length);
  if (longest > 24) {
    const max = Math.floor(longest * 0.75);
    return {
      ...summary,
      title: truncateText(summary.title, max),
      subtitle: truncateText(summary.subtitle, max),
      headline: truncateText(summary.headline, max),
    };
  }
  if (summary.footer) return { ...summary, footer: '' };
  return undefined;
}

/**
 * Renders the richest version of the summary that `fits`: optional rows go first (oldest first),
 * then long titles are shortened at character boundaries, then the footer. Never rejected for size.
 */
export function renderToFit<T>(summary: ChatSummary, render: (s: ChatSummary) => T, fits: (rendered: T) => boolean): T {
  let current = summary;
  let rendered = render(current);
  while (!fits(rendered)) {
    const smaller = shrinkOnce(current);
    if (!smaller) break;
    current = smaller;
    rendered = render(current);
  }
  return rendered;
}
