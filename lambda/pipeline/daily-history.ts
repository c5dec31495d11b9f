import pLimit from 'p-limit';
import type { Archive } from '../archive/archive.js';
import { archiveKeys } from '../archive/archive.js';
import type { IsoDate } from '../calendar/beijing-calendar.js';
import type { DailyVisitTrend } from '../domain/daily-visit-trend.js';
import type { Logger } from '../shared/logger.js';
import type { DatacubeOutcome } from '../wechat/datacube-client.js';
import { type DatacubeEndpoint, dailyVisitTrendEndpoint } from '../wechat/datacube-endpoints.js';
import { fetchAndArchive, readArchived } from './archived-datacube.js';

/** What the daily pipeline needs of WeChat: one day's visit trend. */
export interface DailyVisitSource {
  readonly appid: string;
  getDailyVisitTrend(date: IsoDate): Promise<DatacubeOutcome<DailyVisitTrend>>;
  /** Any other API (the report's summary and pages); without it the report leaves them out. */
  call?<Period, Value>(endpoint: DatacubeEndpoint<Period, Value>, period: Period): Promise<DatacubeOutcome<Value>>;
}

const HISTORY_CONCURRENCY = 4;

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

/**
 * The history a report needs: every date from the archive; the dates in `fetchIfMissing` are fetched
 * (and archived) when the archive lacks them. A failed fetch leaves that day out, with a warning: a
 * comparison day must not stop the report.
 */
export async function loadDailyHistory(input: {
  readonly source: DailyVisitSource;
  readonly archive: Archive;
  readonly dates: readonly IsoDate[];
  readonly fetchIfMissing: ReadonlySet<IsoDate>;
  readonly toolVersion: string;
  readonly logger: Logger;
}): Promise<{ history: Map<IsoDate, DailyVisitTrend>; fetched: string[] }> {
  const { source, archive, logger } = input;
  const history = new Map<IsoDate, DailyVisitTrend>();
  const fetched: string[] = [];
  // A backfill of a year must not hit WeChat's per-minute limit (45011) or open hundreds of sockets.
  const limit = pLimit(HISTORY_CONCURRENCY);
  await Promise.all(
    input.dates.map((date) =>
      limit(async () => {
        const archived = await readArchivedDay(archive, source.appid, date, logger);
        if (archived) {
          history.set(date, archived);
          return;
        }
        if (!input.fetchIfMissing.has(date)) return;
        try {
          const result = await fetchAndArchiveDay(source, archive, date, input.toolVersion);
          if ('day' in result) {
            history.set(date, result.day);
            fetched.push(result.location);
          } else {
            logger.warn('comparison day not available from WeChat', { date, reason: result.notYetAvailable });
          }
        } catch (error) {
          logger.warn('comparison day could not be fetched; the report shows n/a for it', {
            date,
            error: (error as Error).message,
          });
        }
      }),
    ),
  );
  return { history, fetched: fetched.sort() };
}
