import { addDays, type IsoDate } from '../calendar/beijing-calendar.js';
import { DAILY_METRICS, type DailyMetric, type DailyVisitTrend } from '../domain/daily-visit-trend.js';
import { type Anomaly, detectAnomaly, MAX_WEEKS } from './anomaly.js';
import { relativeChange, roundRatio, roundValue } from './change.js';
import { fromFirstData, type HistoryGaps, NO_GAPS } from './history-gaps.js';

/** The day's shares and the Mini Program's total users (getDailySummary). */
export interface DaySummary {
  readonly visitTotal: number | null;
  readonly sharePv: number | null;
  readonly shareUv: number | null;
}

/** One page's visits on the report day and the day before (getVisitPage). */
export interface PageVisits {
  readonly path: string;
  readonly visits: number;
}

export interface PageChange {
  readonly path: string;
  readonly visits: number;
  readonly previousDay: number | null;
  readonly dayOverDay: number | null;
}

export const TOP_PAGES = 5;

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
  /** The 14 days ending on the report day, oldest first; from the app's first day when it is younger. */
  readonly trend: readonly TrendPoint[];
  /** Each metric against the same weekday of the weeks before (from the archive). */
  readonly anomalies: Readonly<Record<DailyMetric, Anomaly>>;
  /** null when getDailySummary was not available. */
  readonly summary: DaySummary | null;
  /** The most visited pages, with the day before; empty when getVisitPage was not available. */
  readonly topPages: readonly PageChange[];
  /** The history (trend, comparison days, usual range) WeChat has no data for, or that is missing, and why. */
  readonly gaps: HistoryGaps;
}

export const TREND_DAYS = 14;

/** The days a daily report compares with: the day before and the same weekday a week before. */
export function comparisonDates(date: IsoDate): { previousDay: IsoDate; previousWeek: IsoDate } {
  return { previousDay: addDays(date, -1), previousWeek: addDays(date, -7) };
}

/** The same weekday of the weeks before, newest first: the anomaly baseline. */
export function anomalyDates(date: IsoDate): IsoDate[] {
  return Array.from({ length: MAX_WEEKS }, (_, i) => addDays(date, -7 * (i + 1)));
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
  readonly summary?: DaySummary | null;
  readonly pages?: { readonly day: readonly PageVisits[]; readonly previousDay?: readonly PageVisits[] };
  /** @default NO_GAPS */
  readonly gaps?: HistoryGaps;
}): DailyReport {
  const { day, history } = input;
  const gaps = input.gaps ?? NO_GAPS;
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
  const trend = fromFirstData(
    trendDates(day.date).map((date) => ({
      date,
      visitors: (date === day.date ? day.metrics.visit_uv : history.get(date)?.metrics.visit_uv) ?? null,
    })),
    (p) => p.date,
    gaps,
  );
  const anomalies = Object.fromEntries(
    DAILY_METRICS.map((metric) => [
      metric,
      detectAnomaly(
        day.metrics[metric] ?? null,
        anomalyDates(day.date).map((d) => history.get(d)?.metrics[metric] ?? null),
      ),
    ]),
  ) as Record<DailyMetric, Anomaly>;
  const before = new Map((input.pages?.previousDay ?? []).map((p) => [p.path, p.visits]));
  const topPages = [...(input.pages?.day ?? [])]
    .sort((a, b) => b.visits - a.visits)
    .slice(0, TOP_PAGES)
    .map((page) => ({
      path: page.path,
      visits: page.visits,
      previousDay: before.get(page.path) ?? null,
      dayOverDay: relativeChange(page.visits, before.get(page.path)),
    }));
  return {
    appid: input.appid,
    appName: input.appName || input.appid,
    date: day.date,
    metrics,
    trend,
    anomalies,
    summary: input.summary ?? null,
    topPages,
    gaps,
  };
}

/**
 * The `--json` shape: `{"appid","date","metrics":{"<api field>":{…}},"anomalies":{"<api field>":{…}},
 * "summary","topPages","gaps"}` (the last three added later; the first three never change).
 * Changes and deviations are fractions rounded to 4 decimals (`roundRatio`). `gaps` is
 * `{"noData":[dates WeChat has no data for],"missing":[dates not fetched this time],"missingBecause"}`.
 */
export function dailyReportJson(report: DailyReport): object {
  const metrics = Object.fromEntries(
    DAILY_METRICS.map((metric) => {
      const m = report.metrics[metric];
      return [
        metric,
        {
          value: roundValue(m.value),
          previousDay: roundValue(m.previousDay),
          dayOverDay: roundRatio(m.dayOverDay),
          previousWeek: roundValue(m.previousWeek),
          weekOverWeek: roundRatio(m.weekOverWeek),
        },
      ];
    }),
  );
  const anomalies = Object.fromEntries(
    DAILY_METRICS.map((metric) => {
      const a = report.anomalies[metric];
      return [metric, { ...a, usual: roundValue(a.usual), deviation: roundRatio(a.deviation) }];
    }),
  );
  return {
    appid: report.appid,
    date: report.date,
    metrics,
    anomalies,
    summary: report.summary,
    topPages: report.topPages.map((page) => ({ ...page, dayOverDay: roundRatio(page.dayOverDay) })),
    gaps: report.gaps,
  };
}
