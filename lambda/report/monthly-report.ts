import { addMonths, daysOfMonth, type IsoDate, type YearMonth } from '../calendar/beijing-calendar.js';
import type { DailyVisitTrend } from '../domain/daily-visit-trend.js';
import type { MonthlyRetention } from '../domain/monthly-retention.js';
import { ratio, relativeChange, roundRatio } from './change.js';
import { fromFirstData, type HistoryGaps, NO_GAPS } from './history-gaps.js';

/** Why a figure is missing, so the report can say it in words instead of showing 0 % or NaN. */
export type MissingReason =
  /** WeChat has not published key 1 yet (the month after has not ended), or we have no response. */
  | 'not-published'
  /** The cohort had no users: a rate of nothing is not a rate. */
  | 'no-users'
  /** The archive has no data for that month. */
  | 'no-data';

export interface MonthOverMonth {
  readonly value: number | null;
  readonly previous: number | null;
  readonly change: number | null;
}

export interface CohortRetention {
  /** The cohort's month (M-1 in a report for M). */
  readonly month: YearMonth;
  readonly newUserRetention: number | null;
  readonly activeUserRetention: number | null;
  /** The same rates for the cohort before (M-2), where known. */
  readonly previousNewUserRetention: number | null;
  readonly previousActiveUserRetention: number | null;
  readonly newUsers: number | null;
  readonly newUsersRetained: number | null;
  readonly activeUsers: number | null;
  readonly activeUsersRetained: number | null;
  readonly newUserRetentionMissing?: MissingReason;
  readonly activeUserRetentionMissing?: MissingReason;
}

export interface DayExtreme {
  readonly date: IsoDate;
  readonly visitors: number;
}

/** What the archived days of the month say, where the archive has them. */
export interface MonthFromDailyData {
  readonly daysWithData: number;
  readonly daysInMonth: number;
  readonly averageDailyVisitors: number;
  readonly totalNewUsers: number;
  readonly bestDay: DayExtreme;
  readonly worstDay: DayExtreme;
}

export interface MonthPoint {
  readonly month: YearMonth;
  readonly newUsers: number | null;
  readonly activeUsers: number | null;
}

export interface MonthlyReport {
  readonly appid: string;
  readonly appName: string;
  readonly month: YearMonth;
  readonly newUsers: MonthOverMonth;
  readonly activeUsers: MonthOverMonth;
  readonly cohort: CohortRetention;
  readonly daily: MonthFromDailyData | null;
  /** The six months ending with M, oldest first; from the app's first month when it is younger. */
  readonly history: readonly MonthPoint[];
  /** The months and days WeChat has no data for, or that are missing, and why. */
  readonly gaps: HistoryGaps;
}

export const HISTORY_MONTHS = 6;

function retention(
  retained: number | undefined,
  base: number | undefined,
): { rate: number | null; missing?: MissingReason } {
  if (base === undefined) return { rate: null, missing: 'no-data' };
  if (base === 0) return { rate: null, missing: 'no-users' };
  if (retained === undefined) return { rate: null, missing: 'not-published' };
  return { rate: ratio(retained, base) };
}

/** Best, worst, average: only over days the archive has; null when it has none. */
export function summariseDays(
  month: YearMonth,
  days: ReadonlyMap<IsoDate, DailyVisitTrend>,
): MonthFromDailyData | null {
  const dates = daysOfMonth(month);
  const known = dates
    .map((date) => ({ date, metrics: days.get(date)?.metrics }))
    .filter((d): d is { date: IsoDate; metrics: DailyVisitTrend['metrics'] } => d.metrics?.visit_uv !== undefined);
  if (known.length === 0) return null;
  const visitors = known.map((d) => ({ date: d.date, visitors: d.metrics.visit_uv as number }));
  const best = visitors.reduce((a, b) => (b.visitors > a.visitors ? b : a));
  const worst = visitors.reduce((a, b) => (b.visitors < a.visitors ? b : a));
  return {
    daysWithData: known.length,
    daysInMonth: dates.length,
    averageDailyVisitors: visitors.reduce((s, d) => s + d.visitors, 0) / visitors.length,
    totalNewUsers: known.reduce((s, d) => s + (d.metrics.visit_uv_new ?? 0), 0),
    bestDay: best,
    worstDay: worst,
  };
}

/**
 * The monthly report for M, a pure function. `retention` holds the getMonthlyRetain answers known
 * (M, M-1, M-2 and older for the chart). The cohort rate shown for M-1 comes from the M-1 answer:
 * its key 1 counts who came back in M.
 */
export function buildMonthlyReport(input: {
  readonly appid: string;
  readonly appName?: string;
  readonly month: YearMonth;
  readonly retention: ReadonlyMap<YearMonth, MonthlyRetention>;
  readonly days: ReadonlyMap<IsoDate, DailyVisitTrend>;
  /** @default NO_GAPS */
  readonly gaps?: HistoryGaps;
}): MonthlyReport {
  const { month } = input;
  const gaps = input.gaps ?? NO_GAPS;
  const current = input.retention.get(month);
  const previous = input.retention.get(addMonths(month, -1));
  const beforeThat = input.retention.get(addMonths(month, -2));
  const mom = (now: number | undefined, before: number | undefined): MonthOverMonth => ({
    value: now ?? null,
    previous: before ?? null,
    change: relativeChange(now, before),
  });
  const newRetention = retention(previous?.newUsers.nextMonth, previous?.newUsers.month);
  const activeRetention = retention(previous?.activeUsers.nextMonth, previous?.activeUsers.month);
  const cohort: CohortRetention = {
    month: addMonths(month, -1),
    newUserRetention: newRetention.rate,
    activeUserRetention: activeRetention.rate,
    previousNewUserRetention: retention(beforeThat?.newUsers.nextMonth, beforeThat?.newUsers.month).rate,
    previousActiveUserRetention: retention(beforeThat?.activeUsers.nextMonth, beforeThat?.activeUsers.month).rate,
    newUsers: previous?.newUsers.month ?? null,
    newUsersRetained: previous?.newUsers.nextMonth ?? null,
    activeUsers: previous?.activeUsers.month ?? null,
    activeUsersRetained: previous?.activeUsers.nextMonth ?? null,
    ...(newRetention.missing ? { newUserRetentionMissing: newRetention.missing } : {}),
    ...(activeRetention.missing ? { activeUserRetentionMissing: activeRetention.missing } : {}),
  };
  const history = fromFirstData(
    Array.from({ length: HISTORY_MONTHS }, (_, i) => addMonths(month, i - (HISTORY_MONTHS - 1))).map((m) => ({
      month: m,
      newUsers: input.retention.get(m)?.newUsers.month ?? null,
      activeUsers: input.retention.get(m)?.activeUsers.month ?? null,
    })),
    (point) => point.month,
    gaps,
  );
  return {
    appid: input.appid,
    appName: input.appName || input.appid,
    month,
    newUsers: mom(current?.newUsers.month, previous?.newUsers.month),
    activeUsers: mom(current?.activeUsers.month, previous?.activeUsers.month),
    cohort,
    daily: summariseDays(month, input.days),
    history,
    gaps,
  };
}

/**
 * The `--json` shape of the monthly report: what the email shows, with rates and changes as
 * fractions rounded to 4 decimals; `daily` (the month from the archived days), `history` (the six
 * months of new and active users the email charts, fewer for a younger app) and `gaps` (as the daily
 * report's: months and days WeChat has no data for, or that are missing) were added later.
 */
export function monthlyReportJson(report: MonthlyReport): object {
  const { cohort, daily } = report;
  const mom = (m: MonthOverMonth) => ({ ...m, change: roundRatio(m.change) });
  return {
    appid: report.appid,
    month: report.month,
    newUsers: mom(report.newUsers),
    activeUsers: mom(report.activeUsers),
    cohort: {
      month: cohort.month,
      newUserRetention: roundRatio(cohort.newUserRetention),
      activeUserRetention: roundRatio(cohort.activeUserRetention),
      previousNewUserRetention: roundRatio(cohort.previousNewUserRetention),
      previousActiveUserRetention: roundRatio(cohort.previousActiveUserRetention),
    },
    daily: daily ? { ...daily, averageDailyVisitors: Math.round(daily.averageDailyVisitors) } : null,
    history: report.history,
    gaps: report.gaps,
  };
}
