import { addMonths, weekday } from '../../calendar/beijing-calendar.js';
import { DAILY_METRICS } from '../../domain/daily-visit-trend.js';
import { dailyExtrasMessages } from '../../report/daily-extras-i18n.js';
import type { DailyReport } from '../../report/daily-report.js';
import { digestMessages } from '../../report/digest-i18n.js';
import { type DigestAppLine, type DigestReport, groupsProblems, problemGroups } from '../../report/digest-report.js';
import {
  type Direction,
  direction,
  formatChangeWithArrow,
  formatCount,
  formatMetric,
  formatPointChange,
  formatRate,
} from '../../report/format.js';
import { historyGapLines } from '../../report/history-gaps.js';
import { type Locale, messages } from '../../report/i18n.js';
import type { MonthlyReport } from '../../report/monthly-report.js';
import type { NoDataNotice, ReportMessage } from '../../report/report-message.js';
import { digestStatus, type ReportStatus } from '../../report/report-status.js';
import { anomalyLines } from '../anomaly-lines.js';
import { type ColourConvention, DEFAULT_COLOURS } from '../colours.js';
import {
  dailyHeadline,
  digestHeadline,
  monthlyHeadline,
  noDataHeadline,
  problemGroupText,
  problemText,
  statusLabel,
} from '../headlines.js';

/** How a chat message is drawn: the colour convention, and whether the full digest also goes by email. */
export interface ChatOptions {
  /** @default DEFAULT_COLOURS */
  readonly colours?: ColourConvention;
  /** The same audience gets the email, so a shortened ranking can point there. @default false */
  readonly emailAlso?: boolean;
}

/** What every summary of one report shares, before its sections. */
type Frame = Pick<ChatSummary, 'status' | 'statusLabel' | 'colours'>;

export interface ChatChange {
  readonly label: string;
  readonly text: string;
  readonly direction: Direction | null;
}

export interface ChatLine {
  readonly label: string;
  readonly value: string;
  readonly changes: readonly ChatChange[];
  /** A line in the status colour (an unusual metric, an app that failed). @default none */
  readonly tone?: Exclude<ReportStatus, 'normal'>;
}

export interface ChatSection {
  /** Empty for the headline, which needs none. */
  readonly title: string;
  readonly lines: readonly ChatLine[];
  /** Optional sections give up lines first (oldest first) when a message must be shortened. */
  readonly optional: boolean;
  /** Which end of an optional section gives way: the oldest rows (start) or the lowest-ranked (end). @default 'start' */
  readonly trimFrom?: 'start' | 'end';
  /**
   * How to say that lines were left out ("…另有 37 个小程序"): a section with it is shortened down to
   * none of its lines but never dropped, so the message always says what it left out.
   */
  readonly more?: (omitted: number) => string;
  /** How many lines shortening left out. @default 0 */
  readonly omitted?: number;
  /** Lines kept while any other section can still give way (a ranking's top rows). @default 0 */
  readonly keep?: number;
}

/** A report reduced to what a chat message shows; each platform formats it its own way. */
export interface ChatSummary {
  /** On a day with unusual metrics, the ⚠ headline itself. */
  readonly title: string;
  readonly subtitle: string;
  /** The report's status: the Feishu card header's colour, the title's colour elsewhere. */
  readonly status: ReportStatus;
  /** The status in words ("⚠ 警报"); empty where a report has no status of its own (monthly). */
  readonly statusLabel: string;
  /** Which colour says up and which down. */
  readonly colours: ColourConvention;
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

function dailySummary(report: DailyReport, locale: Locale, colours: ColourConvention): ChatSummary {
  const t = messages(locale);
  const trendTitle = t.trendTitle(report.trend.length, report.trend[0]?.date ?? report.date);
  const na = t.notAvailable;
  const anomalies = anomalyLines(report, locale);
  const headline = dailyHeadline(report, locale);
  const metricLine = (metric: (typeof DAILY_METRICS)[number]): ChatLine => {
    const m = report.metrics[metric];
    return {
      label: t.metricNames[metric],
      value: formatMetric(metric, m.value, na),
      changes: [change(t.dayOverDay, m.dayOverDay, na), change(t.weekOverWeek, m.weekOverWeek, na)],
    };
  };
  return {
    // On an unusual day the title is the alarm itself: it is what the notification shows.
    title: anomalies.unusual ? headline : `${report.appName} · ${t.dailyTitle}`,
    subtitle: t.dateWithWeekday(report.date, weekday(report.date)),
    headline,
    status: anomalies.status,
    statusLabel: statusLabel(anomalies.status, t.status),
    colours,
    sections: [
      // The headline first: the visitors, with both changes; then what is unusual, then the rest.
      { title: '', optional: false, lines: [metricLine('visit_uv')] },
      ...dailyExtraSections(report, locale, metricLine),
      {
        title: trendTitle,
        optional: true,
        lines: report.trend.map((p) => ({
          label: t.dayLabel(p.date, weekday(p.date)),
          value: p.visitors === null ? t.noData : formatCount(p.visitors),
          changes: [],
        })),
      },
    ],
    footer: t.footer,
    chart: {
      title: trendTitle,
      points: report.trend.map((p) => ({ label: t.dayLabel(p.date, weekday(p.date)), value: p.visitors })),
    },
  };
}

/** Unusual metrics, the other metrics, shares and total users, top pages. */
function dailyExtraSections(
  report: DailyReport,
  locale: Locale,
  metricLine: (metric: (typeof DAILY_METRICS)[number]) => ChatLine,
): ChatSection[] {
  const t = messages(locale);
  const x = dailyExtrasMessages(locale);
  const na = t.notAvailable;
  const anomalies = anomalyLines(report, locale);
  const tone = anomalies.status === 'normal' ? undefined : anomalies.status;
  const sections: ChatSection[] = [
    {
      title: x.anomalyTitle,
      optional: false,
      lines: [
        ...anomalies.lines.map((line) => ({
          label: `${anomalies.unusual ? '⚠ ' : ''}${line}`,
          value: '',
          changes: [],
          ...(anomalies.unusual && tone ? { tone } : {}),
        })),
        ...anomalies.notes.map((note) => ({ label: note, value: '', changes: [] })),
      ],
    },
    {
      title: t.otherMetrics,
      optional: false,
      lines: DAILY_METRICS.filter((metric) => metric !== 'visit_uv').map(metricLine),
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

function monthlySummary(report: MonthlyReport, locale: Locale, frame: Frame): ChatSummary {
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
    ...frame,
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
          ...historyGapLines(report.gaps, locale).map((note) => ({ label: note, value: '', changes: [] })),
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
        title: tm.historyActive(report.history.length, report.history[0]?.month ?? report.month),
        optional: true,
        lines: report.history.map((h) => ({ label: tm.monthName(h.month), value: count(h.activeUsers), changes: [] })),
      },
    ],
    footer: tm.footer,
  };
}

function noDataSummary(notice: NoDataNotice, locale: Locale, frame: Frame): ChatSummary {
  const t = messages(locale);
  const period = notice.job === 'daily' ? t.longDate(notice.period) : t.monthly.monthName(notice.period);
  return {
    ...frame,
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

/** The ranking's top rows a chat keeps while the apps without a report can still give way. */
export const RANKING_KEPT = 5;

function digestSummary(report: DigestReport, locale: Locale, frame: Frame, emailAlso: boolean): ChatSummary {
  const t = messages(locale);
  const d = digestMessages(locale);
  const na = t.notAvailable;
  const line = (l: DigestAppLine, prefix = ''): ChatLine => ({
    label: `${prefix}${l.appName}`,
    value: l.visitors === null ? na : formatCount(l.visitors),
    changes: [change(d.dayOverDay, l.dayOverDay, na)],
  });
  const movers = (title: string, lines: readonly DigestAppLine[]): ChatSection[] =>
    lines.length ? [{ title, optional: false, lines: lines.map((l) => line(l)) }] : [];
  const note = (label: string): ChatLine => ({ label, value: '', changes: [] });
  const noComparison = !report.moversUp.length && !report.moversDown.length && report.ranked.length > 0;
  const noneReported = !report.ranked.length && report.appCount > 0;
  const elsewhere = emailAlso ? ('email' as const) : ('ledger' as const);
  // Many apps without a report are told one line per reason, every one counted in its reason's line.
  const problemLines: ChatLine[] = groupsProblems(report)
    ? [
        note(d.groupedNote(elsewhere)),
        ...problemGroups(report.problems).map((g) => ({
          label: problemGroupText(g, locale),
          value: '',
          changes: [],
          tone: g.kind === 'failed' ? ('alert' as const) : ('watch' as const),
        })),
      ]
    : report.problems.map((p) => ({
        label: problemText(p, locale),
        value: '',
        changes: [],
        tone: p.kind === 'failed' ? ('alert' as const) : ('watch' as const),
      }));
  return {
    ...frame,
    title: d.title,
    subtitle: t.longDate(report.date),
    headline: digestHeadline(report, locale),
    sections: [
      {
        title: d.portfolio,
        optional: false,
        lines: [
          noneReported ? note(d.noneReported) : line({ name: '', appName: d.totalVisitors, ...report.total }),
          note(d.counts(report.appCount, report.ranked.length, report.problems.length)),
          ...(report.total.comparedApps ? [note(d.comparedOver(report.total.comparedApps))] : []),
          ...(noComparison ? [note(d.noComparison)] : []),
        ],
      },
      ...movers(d.moversUp, report.moversUp),
      ...movers(d.moversDown, report.moversDown),
      report.problems.length
        ? {
            title: d.problemsTitle(report.problems.length),
            // The tail gives way, counted in its own words (apps without a report, not ranking rows).
            optional: true,
            trimFrom: 'end',
            keep: 1,
            more: (omitted: number) =>
              groupsProblems(report) ? d.moreReasons(omitted, elsewhere) : d.moreProblems(omitted, elsewhere),
            lines: problemLines,
          }
        : { title: d.problems, optional: false, lines: [note(d.allGood)] },
      // The ranking gives way first when a platform's size limit is near: shortened from the tail,
      // saying how many apps it left out and where the rest are.
      ...(report.ranked.length
        ? [
            {
              title: d.ranking,
              optional: true,
              trimFrom: 'end' as const,
              keep: RANKING_KEPT,
              more: (omitted: number) => d.more(omitted, emailAlso ? 'email' : undefined),
              lines: report.ranked.map((l, i) => line(l, `${i + 1}. `)),
            },
          ]
        : []),
    ],
    footer: d.footer,
  };
}

/** The chat summary of any report message. */
export function buildChatSummary(message: ReportMessage, locale: Locale, options: ChatOptions = {}): ChatSummary {
  const colours = options.colours ?? DEFAULT_COLOURS;
  const t = messages(locale);
  switch (message.kind) {
    case 'digest': {
      const status = digestStatus(message.report);
      return digestSummary(
        message.report,
        locale,
        { status, statusLabel: statusLabel(status, t.status), colours },
        options.emailAlso ?? false,
      );
    }
    case 'daily':
      return dailySummary(message.report, locale, colours);
    case 'monthly':
      return monthlySummary(message.report, locale, { status: 'normal', statusLabel: '', colours });
    case 'no-data':
      return noDataSummary(message.notice, locale, {
        status: 'watch',
        statusLabel: statusLabel('watch', t.status),
        colours,
      });
  }
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Shortens text to at most `max` user-perceived characters, never splitting one. */
export function truncateText(text: string, max: number): string {
  const parts = Array.from(graphemes.segment(text), (s) => s.segment);
  return parts.length <= max ? text : `${parts.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** A section with fewer lines: an eighth at a time from a long one (a ranking of thousands), else one. */
function shortened(section: ChatSection, floor: number): ChatSection {
  const drop = Math.min(
    section.lines.length - floor,
    section.lines.length > 16 ? Math.floor(section.lines.length / 8) : 1,
  );
  return {
    ...section,
    lines: section.trimFrom === 'end' ? section.lines.slice(0, -drop) : section.lines.slice(drop),
    omitted: (section.omitted ?? 0) + drop,
  };
}

/**
 * The sections with one optional section shortened (the last that can give way), or undefined.
 * With `keepTop`, a section gives way only down to the rows it keeps.
 */
function shrinkSections(sections: ChatSection[], keepTop: boolean): ChatSection[] | undefined {
  for (let i = sections.length - 1; i >= 0; i--) {
    const section = sections[i] as ChatSection;
    if (!section.optional) continue;
    // A section that counts what it leaves out gives way down to none of its lines, and stays to say so.
    const floor = Math.max(section.more ? 0 : 1, keepTop ? (section.keep ?? 0) : 0);
    if (section.lines.length > floor) sections[i] = shortened(section, floor);
    else if (section.more || keepTop) continue;
    else sections.splice(i, 1);
    return sections;
  }
  return undefined;
}

/** The next smaller version of a summary, or undefined when nothing more can go. */
function shrinkOnce(summary: ChatSummary): ChatSummary | undefined {
  // First every optional section gives way down to the rows it keeps (a ranking's top), the last
  // section first; only then below them.
  const sections = shrinkSections([...summary.sections], true) ?? shrinkSections([...summary.sections], false);
  if (sections) return { ...summary, sections };
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

/** The line that says what a shortened section left out, if it did. */
export function omittedLine(section: ChatSection): string | undefined {
  return section.more && section.omitted ? section.more(section.omitted) : undefined;
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
