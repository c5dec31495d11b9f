import pLimit from 'p-limit';
import type { Archive } from '../archive/archive.js';
import { beijingYesterday, fromCompactDate, type IsoDate } from '../calendar/beijing-calendar.js';
import { backfillPlan } from '../pipeline/backfill.js';
import { ARCHIVED_APIS, type ArchivedApi } from '../wechat/datacube-apis.js';
import type { SimulatorEndpoint } from './faults.js';
import { simulatedDailyVisitTrendAnswer, simulatedMonthlyRetain } from './simulated-data.js';
import { SIMULATED_DATACUBE } from './simulated-datacube.js';

export interface SyntheticArchiveOptions {
  readonly appids: readonly string[];
  readonly from: IsoDate;
  readonly to: IsoDate;
  /** @default all ten */
  readonly apis?: readonly ArchivedApi[];
  /** When the answers were "fetched": the periods must have ended by then. */
  readonly now: Date;
  /** Puts in flight at once. @default 64 */
  readonly concurrency?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * What `backfill` would archive for these apps over [from, to], with the simulator's answers made
 * directly (no HTTP, so a year of a thousand apps takes a minute, not hours) and archived through
 * the archive's own writer, with provenance. For the benchmarks and tests of SQL at scale.
 * Resolves to the number of answers archived.
 */
export async function writeSyntheticArchive(archive: Archive, options: SyntheticArchiveOptions): Promise<number> {
  const limit = pLimit(options.concurrency ?? 64);
  const yesterday = beijingYesterday(options.now);
  const fetchedAt = options.now.toISOString();
  let done = 0;
  let total = 0;
  const writes: Promise<void>[] = [];
  for (const appid of options.appids) {
    const items = backfillPlan(options.apis ?? ARCHIVED_APIS, appid, options.from, options.to);
    total += items.length;
    for (const item of items)
      writes.push(
        limit(async () => {
          const request = item.api.endpoint.request(item.period as never, options.now);
          const begin = fromCompactDate(request.begin_date);
          const end = fromCompactDate(request.end_date);
          const name = item.api.endpoint.name as SimulatorEndpoint;
          const body =
            name === 'getDailyVisitTrend'
              ? { list: [simulatedDailyVisitTrendAnswer(appid, begin)] }
              : name === 'getMonthlyRetain'
                ? simulatedMonthlyRetain(appid, begin.slice(0, 7), options.now)
                : SIMULATED_DATACUBE[name]?.answer(appid, begin, end, yesterday);
          await archive.put(item.key, Buffer.from(JSON.stringify(body)), {
            appid,
            api: name,
            request: { ...request },
            fetchedAt,
            toolVersion: 'synthetic',
            shape: 'https',
          });
          done += 1;
          options.onProgress?.(done, total);
        }),
      );
  }
  await Promise.all(writes);
  return writes.length;
}
