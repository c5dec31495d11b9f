import type { Archive } from '../archive/archive.js';
import { archiveKeys } from '../archive/archive.js';
import type { IsoDate } from '../calendar/beijing-calendar.js';
import type { DailyVisitTrend } from '../domain/daily-visit-trend.js';
import type { Logger } from '../shared/logger.js';
import { ARCHIVED_APIS, type ArchivedApi } from '../wechat/datacube-apis.js';
import type { DatacubeOutcome } from '../wechat/datacube-client.js';
import { dailyVisitTrendEndpoint } from '../wechat/datacube-endpoints.js';
import { fetchAndArchive, readArchived } from './archived-datacube.js';
import type { DatacubeSource } from './backfill.js';

/** What the daily pipeline needs of WeChat: one day's visit trend, and any other API (history, extras). */
export interface DailyVisitSource extends DatacubeSource {
  getDailyVisitTrend(date: IsoDate): Promise<DatacubeOutcome<DailyVisitTrend>>;
}

/** getDailyVisitTrend as the archive and the backfill know it. */
export const DAILY_VISIT_TREND = ARCHIVED_APIS.find((api) => api.folder === 'daily-visit-trend') as ArchivedApi;
/** getMonthlyRetain as the archive and the backfill know it. */
export const MONTHLY_RETAIN = ARCHIVED_APIS.find((api) => api.folder === 'monthly-retain') as ArchivedApi;

/** Reads an archived day; undefined when missing or unreadable. */
export function readArchivedDay(
  archive: Archive,
  appid: string,
  date: IsoDate,
  logger: Logger,
): Promise<DailyVisitTrend | undefined> {
  return readArchived(archive, archiveKeys.dailyVisitTrend(appid, date), dailyVisitTrendEndpoint, date, logger);
}

/** Fetches one day and archives its raw body at once. */
export async function fetchAndArchiveDay(
  source: DailyVisitSource,
  archive: Archive,
  date: IsoDate,
  toolVersion: string,
): Promise<{ day: DailyVisitTrend; location: string } | { notYetAvailable: string }> {
  const key = archiveKeys.dailyVisitTrend(source.appid, date);
  const result = await fetchAndArchive(() => source.getDailyVisitTrend(date), archive, key, source.appid, toolVersion);
  return 'value' in result ? { day: result.value, location: result.location } : result;
}
