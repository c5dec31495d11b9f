import { addDays, type IsoDate } from '../calendar/beijing-calendar.js';
import { DAILY_METRICS, type DailyMetric, type DailyVisitTrend } from '../domain/daily-visit-trend.js';
import { relativeChange } from './change.js';

/** One metric of the report day, with its comparisons. Changes are fractions, null when not computable. */
export interface MetricComparison {
  readonly value: number | null;
  readonly previousDay: number | null;
  readonly dayOverDay: number | null;
  readonly previousWeek: number | null;
  readonly weekOverWeek: number | null;
}

export interface TrendPoint {
  readonly date: IsoDate;
  /** Visitors that day, null where the archive has no data. */
  readonly visitors: number | null;
}

export interface DailyReport {
  readonly appid: string;
  readonly appName: string;
  readonly date: IsoDate;
  readonly metrics: Readonly<Record<DailyMetric, MetricComparison>>;
  /** The 14 days ending on the report day, oldest first. */
  readonly trend: readonly TrendPoint[];
}

export const TREND_DAYS = 14;

/** The days a daily report compares with: the day before and the same weekday a week before. */
export function comparisonDates(date: IsoDate): { previousDay: IsoDate; previousWeek: IsoDate } {
  return { previousDay: addDays(date, -1), previousWeek: addDays(date, -7) };
}

/** The dates of the trend window, oldest first. */
export function trendDates(date: IsoDate): IsoDate[] {
  return Array.from({ length: TREND_DAYS }, (_, i) => addDays(date, i - (TREND_DAYS - 1)));
}

/**
 * Builds the day-over-day report from the report day and whatever history is known. A pure function:
 * missing days give `null`, never 0, Infinity or NaN.
 */
export function buildDailyReport(input: {
  readonly appid: string;
  readonly appName?: string;
  readonly day: DailyVisitTrend;
  readonly history: ReadonlyMap<IsoDate, DailyVisitTrend>;
}): DailyReport {
  const { day, history } = input;
  const { previousDay, previousWeek } = comparisonDates(day.date);
  const dayBefore = history.get(previousDay)?.metrics;
  const weekBefore = history.get(previousWeek)?.metrics;
  const metrics = Object.fromEntries(
    DAILY_METRICS.map((metric) => {
      const value = day.metrics[metric];
      return [
        metric,
        {
          value: value ?? null,
          previousDay: dayBefore?.[metric] ?? null,
          dayOverDay: relativeChange(value, dayBefore?.[metric]),
          previousWeek: weekBefore?.[metric] ?? null,
          weekOverWeek: relativeChange(value, weekBefore?.[metric]),
        },
      ];
    }),
  ) as Record<DailyMetric, MetricComparison>;
  const trend = trendDates(day.date).map((date) => ({
    date,
    visitors: (date === day.date ? day.metrics.visit_uv : history.get(date)?.metrics.visit_uv) ?? null,
  }));
  return { appid: input.appid, appName: input.appName || input.appid, date: day.date, metrics, trend };
}

/** The `--json` shape: `{"appid","date","metrics":{"<api field>":{…}}}`. */
export function dailyReportJson(report: DailyReport): object {
  return { appid: report.appid, date: report.date, metrics: report.metrics };
}
