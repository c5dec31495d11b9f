import { archiveKeys } from '../archive/archive.js';
import { addMonths, daysOfMonth, type YearMonth } from '../calendar/beijing-calendar.js';
import type { MonthlyRetention } from '../domain/monthly-retention.js';
import type { Delivery } from '../notify/report-channel.js';
import { buildMonthlyReport, HISTORY_MONTHS, type MonthlyReport } from '../report/monthly-report.js';
import { silentLogger } from '../shared/logger.js';
import type { DatacubeOutcome } from '../wechat/datacube-client.js';
import { monthlyRetainEndpoint } from '../wechat/datacube-endpoints.js';
import { fetchAndArchive, readArchived } from './archived-datacube.js';
import { readArchivedDay } from './daily-history.js';
import { deliverToAll, type ReportRunDependencies } from './deliver.js';

/** What the monthly pipeline needs of WeChat. */
export interface MonthlyRetainSource {
  readonly appid: string;
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
 * Calls WeChat for M and, unless the archive already has it complete, for M-1 (whose key 1, the
 * cohort's retention into M, only exists now). Older months and the days of M come from the archive.
 */
export async function runMonthlyReport(
  deps: MonthlyReportDependencies,
  request: MonthlyReportRequest,
): Promise<MonthlyReportResult> {
  const logger = deps.logger ?? silentLogger;
  const { source, archive } = deps;
  const { appid } = source;
  const { month } = request;
  const keyOf = (m: YearMonth) => archiveKeys.monthlyRetain(appid, m);

  const current = await fetchAndArchive(
    () => source.getMonthlyRetain(month),
    archive,
    keyOf(month),
    appid,
    deps.toolVersion,
  );
  if ('notYetAvailable' in current) {
    logger.info('monthly data not yet available', { appid, month, reason: current.notYetAvailable });
    return { status: 'not-yet-available', month, reason: current.notYetAvailable };
  }
  const archived = [current.location];
  const retention = new Map<YearMonth, MonthlyRetention>([[month, current.value]]);

  const cohortMonth = addMonths(month, -1);
  let cohort = await readArchived(archive, keyOf(cohortMonth), monthlyRetainEndpoint, cohortMonth, logger);
  if (!hasNextMonth(cohort)) {
    try {
      const fetched = await fetchAndArchive(
        () => source.getMonthlyRetain(cohortMonth),
        archive,
        keyOf(cohortMonth),
        appid,
        deps.toolVersion,
      );
      if ('value' in fetched) {
        cohort = fetched.value;
        archived.push(fetched.location);
      }
    } catch (error) {
      logger.warn('cohort month could not be fetched; using what the archive has', {
        month: cohortMonth,
        error: (error as Error).message,
      });
    }
  }
  if (cohort) retention.set(cohortMonth, cohort);

  const older = Array.from({ length: HISTORY_MONTHS - 2 }, (_, i) => addMonths(month, -2 - i));
  await Promise.all(
    older.map(async (m) => {
      const value = await readArchived(archive, keyOf(m), monthlyRetainEndpoint, m, logger);
      if (value) retention.set(m, value);
    }),
  );
  const days = new Map(
    (
      await Promise.all(
        daysOfMonth(month).map(async (d) => [d, await readArchivedDay(archive, appid, d, logger)] as const),
      )
    ).filter((entry): entry is [string, NonNullable<(typeof entry)[1]>] => entry[1] !== undefined),
  );

  const report = buildMonthlyReport({ appid, appName: request.appName, month, retention, days });
  const deliveries = await deliverToAll(deps.channels, { kind: 'monthly', report }, archived, logger, deps.guard);
  return { status: 'sent', report, archived, deliveries };
}
