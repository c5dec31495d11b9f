import { archiveKeys } from '../archive/archive.js';
import { addMonths, daysOfMonth, type IsoDate, systemClock, type YearMonth } from '../calendar/beijing-calendar.js';
import type { DailyVisitTrend } from '../domain/daily-visit-trend.js';
import type { MonthlyRetention } from '../domain/monthly-retention.js';
import type { Delivery } from '../notify/report-channel.js';
import type { HistoryGaps } from '../report/history-gaps.js';
import { buildMonthlyReport, HISTORY_MONTHS, type MonthlyReport } from '../report/monthly-report.js';
import { silentLogger } from '../shared/logger.js';
import type { DatacubeOutcome } from '../wechat/datacube-client.js';
import { fetchAndArchive } from './archived-datacube.js';
import type { DatacubeSource } from './backfill.js';
import { DAILY_VISIT_TREND, MONTHLY_RETAIN } from './daily-history.js';
import { deliverToAll, type ReportRunDependencies } from './deliver.js';
import { completeHistory, HISTORY_BUDGET_MS, warnOfGaps } from './report-history.js';

/** What the monthly pipeline needs of WeChat: a month's retention, and any other API (the history). */
export interface MonthlyRetainSource extends DatacubeSource {
  getMonthlyRetain(month: YearMonth): Promise<DatacubeOutcome<MonthlyRetention>>;
}

export type MonthlyReportDependencies = ReportRunDependencies<MonthlyRetainSource>;

export interface MonthlyReportRequest {
  readonly month: YearMonth;
  readonly appName?: string;
}

export type MonthlyReportResult =
  | {
      readonly status: 'sent';
      readonly report: MonthlyReport;
      readonly archived: readonly string[];
      readonly deliveries: readonly Delivery[];
    }
  | { readonly status: 'not-yet-available'; readonly month: YearMonth; readonly reason: string };

const hasNextMonth = (r: MonthlyRetention | undefined) =>
  r !== undefined && r.newUsers.nextMonth !== undefined && r.activeUsers.nextMonth !== undefined;

/**
 * Calls WeChat for M, then completes what the report shows: M-1 unless the archive has it with key
 * 1 (the cohort's retention into M, which only exists now), the four months before for the chart
 * and every day of M; what the archive lacks is fetched once (a first report: 5 months and the
 * month's days), through the run's call gate, within the history's time, leaving out what WeChat
 * has no data for. What could not be had is said in the report, never a reason to hold it back.
 */
export async function runMonthlyReport(
  deps: MonthlyReportDependencies,
  request: MonthlyReportRequest,
): Promise<MonthlyReportResult> {
  const logger = deps.logger ?? silentLogger;
  const { source, archive } = deps;
  const { appid } = source;
  const { month } = request;

  const current = await fetchAndArchive(
    () => source.getMonthlyRetain(month),
    archive,
    archiveKeys.monthlyRetain(appid, month),
    appid,
    deps.toolVersion,
  );
  if ('notYetAvailable' in current) {
    logger.info('monthly data not yet available', { appid, month, reason: current.notYetAvailable });
    return { status: 'not-yet-available', month, reason: current.notYetAvailable };
  }

  const clock = deps.history?.clock ?? systemClock;
  const deadline = new Date(clock().getTime() + (deps.history?.budgetMs ?? HISTORY_BUDGET_MS));
  const common = { source, archive, deadline, toolVersion: deps.toolVersion, logger, history: deps.history };
  const cohortMonth = addMonths(month, -1);
  const [months, days] = await Promise.all([
    completeHistory<YearMonth, MonthlyRetention>({
      ...common,
      api: MONTHLY_RETAIN,
      periods: Array.from({ length: HISTORY_MONTHS - 1 }, (_, i) => addMonths(month, i - (HISTORY_MONTHS - 1))),
      // The cohort's month is complete only with key 1, published once M has ended.
      stale: (value) => value.month === cohortMonth && !hasNextMonth(value),
    }),
    completeHistory<IsoDate, DailyVisitTrend>({ ...common, api: DAILY_VISIT_TREND, periods: daysOfMonth(month) }),
  ]);
  const gaps: HistoryGaps = {
    noData: [...months.gaps.noData, ...days.gaps.noData],
    missing: [...months.gaps.missing, ...days.gaps.missing],
    missingBecause: months.gaps.missingBecause ?? days.gaps.missingBecause,
  };
  warnOfGaps(logger, appid, gaps);
  const retention = new Map<YearMonth, MonthlyRetention>([...months.values, [month, current.value]]);
  const report = buildMonthlyReport({ appid, appName: request.appName, month, retention, days: days.values, gaps });
  const archived = [current.location, ...months.fetched, ...days.fetched];
  const deliveries = await deliverToAll(deps.channels, { kind: 'monthly', report }, archived, logger, deps.guard);
  return { status: 'sent', report, archived, deliveries };
}
