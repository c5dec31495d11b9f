import { type IsoDate, systemClock } from '../calendar/beijing-calendar.js';
import type { DailyVisitTrend } from '../domain/daily-visit-trend.js';
import type { Delivery } from '../notify/report-channel.js';
import { anomalyDates, buildDailyReport, type DailyReport, trendDates } from '../report/daily-report.js';
import { silentLogger } from '../shared/logger.js';
import { DAILY_VISIT_TREND, type DailyVisitSource, fetchAndArchiveDay } from './daily-history.js';
import { loadDayExtras } from './day-extras.js';
import { deliverToAll, type ReportRunDependencies } from './deliver.js';
import { completeHistory, HISTORY_BUDGET_MS, warnOfGaps } from './report-history.js';

export type DailyReportDependencies = ReportRunDependencies<DailyVisitSource>;

export interface DailyReportRequest {
  readonly date: IsoDate;
  /** Shown in subjects and headings. @default the AppID */
  readonly appName?: string;
}

export type DailyReportResult =
  | {
      readonly status: 'sent';
      readonly report: DailyReport;
      /** Locations written by this run: the report day first, then the history it fetched (oldest first). */
      readonly archived: readonly string[];
      readonly deliveries: readonly Delivery[];
    }
  | { readonly status: 'not-yet-available'; readonly date: IsoDate; readonly reason: string };

/**
 * fetch → archive → history → build → render and send. The report day is archived before anything
 * else can fail. The history the report shows (the 14-day trend, D-1 and D-7, the same weekday of
 * the last 8 weeks) comes from the archive; what it lacks is fetched once (a first report: 20 days),
 * through the run's call gate, within the history's time, leaving out what WeChat has no data for.
 * What could not be had is said in the report, never a reason to hold it back. A failed delivery
 * throws DeliveryError naming what is archived.
 */
export async function runDailyReport(
  deps: DailyReportDependencies,
  request: DailyReportRequest,
): Promise<DailyReportResult> {
  const logger = deps.logger ?? silentLogger;
  const { source, archive } = deps;
  const fetched = await fetchAndArchiveDay(source, archive, request.date, deps.toolVersion);
  if ('notYetAvailable' in fetched) {
    logger.info('daily data not yet available', {
      appid: source.appid,
      date: request.date,
      reason: fetched.notYetAvailable,
    });
    return { status: 'not-yet-available', date: request.date, reason: fetched.notYetAvailable };
  }
  logger.info('report day archived', { appid: source.appid, date: request.date, location: fetched.location });

  const clock = deps.history?.clock ?? systemClock;
  const deadline = new Date(clock().getTime() + (deps.history?.budgetMs ?? HISTORY_BUDGET_MS));
  const dates = [...new Set([...trendDates(request.date), ...anomalyDates(request.date)])]
    .filter((d) => d !== request.date)
    .sort();
  const [history, extras] = await Promise.all([
    completeHistory<IsoDate, DailyVisitTrend>({
      source,
      archive,
      api: DAILY_VISIT_TREND,
      periods: dates,
      deadline,
      toolVersion: deps.toolVersion,
      logger,
      history: deps.history,
    }),
    loadDayExtras({ source, archive, date: request.date, toolVersion: deps.toolVersion, logger, deadline }),
  ]);
  warnOfGaps(logger, source.appid, history.gaps);
  const report = buildDailyReport({
    appid: source.appid,
    appName: request.appName,
    day: fetched.day,
    history: history.values,
    summary: extras.summary,
    pages: extras.pages,
    gaps: history.gaps,
  });
  const archived = [fetched.location, ...history.fetched];
  const deliveries = await deliverToAll(deps.channels, { kind: 'daily', report }, archived, logger, deps.guard);
  return { status: 'sent', report, archived, deliveries };
}
