import type { IsoDate } from '../calendar/beijing-calendar.js';
import type { Delivery } from '../notify/report-channel.js';
import {
  anomalyDates,
  buildDailyReport,
  comparisonDates,
  type DailyReport,
  trendDates,
} from '../report/daily-report.js';
import { silentLogger } from '../shared/logger.js';
import type { DatacubeSource } from './backfill.js';
import { type DailyVisitSource, fetchAndArchiveDay, loadDailyHistory } from './daily-history.js';
import { loadDayExtras } from './day-extras.js';
import { deliverToAll, type ReportRunDependencies } from './deliver.js';

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
      /** Locations written by this run: the report day first, then any comparison day fetched. */
      readonly archived: readonly string[];
      readonly deliveries: readonly Delivery[];
    }
  | { readonly status: 'not-yet-available'; readonly date: IsoDate; readonly reason: string };

/**
 * fetch → archive → history → build → render and send. The report day is archived before anything
 * else can fail; a failed delivery throws DeliveryError naming what is archived.
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

  const { previousDay, previousWeek } = comparisonDates(request.date);
  // The trend window and the anomaly baseline come from the archive; only D-1 and D-7 are fetched.
  const dates = [...new Set([...trendDates(request.date), ...anomalyDates(request.date)])].filter(
    (d) => d !== request.date,
  );
  const [{ history, fetched: comparisonLocations }, extras] = await Promise.all([
    loadDailyHistory({
      source,
      archive,
      dates,
      fetchIfMissing: new Set([previousDay, previousWeek]),
      toolVersion: deps.toolVersion,
      logger,
    }),
    source.call
      ? loadDayExtras({
          source: source as DatacubeSource,
          archive,
          date: request.date,
          toolVersion: deps.toolVersion,
          logger,
        })
      : undefined,
  ]);
  const report = buildDailyReport({
    appid: source.appid,
    appName: request.appName,
    day: fetched.day,
    history,
    summary: extras?.summary,
    pages: extras?.pages,
  });
  const archived = [fetched.location, ...comparisonLocations];
  const deliveries = await deliverToAll(deps.channels, { kind: 'daily', report }, archived, logger, deps.guard);
  return { status: 'sent', report, archived, deliveries };
}
