import type { Archive } from '../archive/archive.js';
import { addDays, type IsoDate } from '../calendar/beijing-calendar.js';
import type { DaySummary, PageVisits } from '../report/daily-report.js';
import type { Logger } from '../shared/logger.js';
import { archiveKey, dailySummaryApi, visitPageApi } from '../wechat/datacube-apis.js';
import type { DatacubeEndpoint } from '../wechat/datacube-endpoints.js';
import { fetchAndArchive, readArchived } from './archived-datacube.js';
import type { DatacubeSource } from './backfill.js';

/** The archived answer, or a fresh one (archived at once); undefined when WeChat has none or fails. */
async function archivedOrFetched<Value>(
  source: DatacubeSource,
  archive: Archive,
  endpoint: DatacubeEndpoint<IsoDate, Value> & { readonly kind: 'day'; readonly folder: string },
  date: IsoDate,
  toolVersion: string,
  logger: Logger,
  deadline: Date | undefined,
): Promise<Value | undefined> {
  const key = archiveKey(endpoint, source.appid, date);
  const archived = await readArchived(archive, key, endpoint, date, logger);
  if (archived) return archived;
  try {
    const result = await fetchAndArchive(
      () => source.call(endpoint, date, deadline ? { deadline } : undefined),
      archive,
      key,
      source.appid,
      toolVersion,
    );
    return 'value' in result ? result.value : undefined;
  } catch (error) {
    logger.warn('left out of the report', { api: endpoint.name, date, error: (error as Error).message });
    return undefined;
  }
}

/**
 * The report's extras: the day's summary (shares, total users) and the visited pages of the day and
 * the day before. Never a reason to hold the report back: what is missing is left out.
 */
export async function loadDayExtras(input: {
  readonly source: DatacubeSource;
  readonly archive: Archive;
  readonly date: IsoDate;
  readonly toolVersion: string;
  readonly logger: Logger;
  /** Not fetched past it, as the report's history. @default none */
  readonly deadline?: Date;
}): Promise<{ summary: DaySummary | null; pages: { day: PageVisits[]; previousDay: PageVisits[] } }> {
  const { source, archive, date, toolVersion, logger, deadline } = input;
  const [summary, today, yesterday] = await Promise.all([
    archivedOrFetched(source, archive, dailySummaryApi, date, toolVersion, logger, deadline),
    archivedOrFetched(source, archive, visitPageApi, date, toolVersion, logger, deadline),
    archivedOrFetched(source, archive, visitPageApi, addDays(date, -1), toolVersion, logger, deadline),
  ]);
  const first = summary?.list[0];
  const pages = (body: typeof today) =>
    (body?.list ?? []).map((p) => ({ path: p.page_path, visits: p.page_visit_pv ?? 0 }));
  return {
    summary: first
      ? { visitTotal: first.visit_total ?? null, sharePv: first.share_pv ?? null, shareUv: first.share_uv ?? null }
      : null,
    pages: { day: pages(today), previousDay: pages(yesterday) },
  };
}
