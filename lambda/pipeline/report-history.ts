import pLimit from 'p-limit';
import type { Archive } from '../archive/archive.js';
import { addDays, beijingToday, type Clock, lastDayOfMonth, systemClock } from '../calendar/beijing-calendar.js';
import { type HistoryGaps, historyGapLines, type MissingBecause } from '../report/history-gaps.js';
import type { Logger } from '../shared/logger.js';
import type { NoDataMemory } from '../state/ledger.js';
import { type ArchivedApi, archiveKey } from '../wechat/datacube-apis.js';
import type { DatacubeEndpoint } from '../wechat/datacube-endpoints.js';
import { readArchived } from './archived-datacube.js';
import { type BackfillItem, type DatacubeSource, runBackfill } from './backfill.js';

/**
 * How long a report may spend fetching the history it lacks (a first report: its trend, comparison
 * days and usual range; the months and days a monthly report shows). Well inside the worker's
 * 3-minute timeout, with the report day before it and the sending after it; what is not fetched
 * by then is said in the report and fetched by the next one.
 */
export const HISTORY_BUDGET_MS = 45_000;

/** Calls at once for a report's history, as for a backfill: WeChat limits calls per minute. */
const HISTORY_CONCURRENCY = 4;

/** How a report completes its history. */
export interface HistoryOptions {
  /** Periods WeChat has no data for, so they are asked once. @default none: asked on every run */
  readonly memory?: NoDataMemory;
  /** @default HISTORY_BUDGET_MS */
  readonly budgetMs?: number;
  /** @default the system clock */
  readonly clock?: Clock;
}

/** The history of one API a report shows: what it has, what WeChat has not, what is missing. */
export interface CompletedHistory<Period extends string, Value> {
  readonly values: Map<Period, Value>;
  /** Where this run archived what it fetched, oldest period first. */
  readonly fetched: readonly string[];
  readonly gaps: HistoryGaps;
}

/**
 * An empty answer is final once WeChat has surely computed the period: two days after a day ends
 * (it publishes a day on the morning after), the same for a month's last day. Before that it may be
 * "not yet", and it is asked again.
 */
function settled(period: string, today: string): boolean {
  const end = period.length === 7 ? lastDayOfMonth(period) : period;
  return end <= addDays(today, -2);
}

/**
 * The periods of one API a report shows: read from the archive; what it lacks (or `stale` says is
 * incomplete) fetched from WeChat and archived, through the run's call gate, a few at a time, until
 * `deadline`, leaving out what WeChat is known to have no data for; a new empty answer of a settled
 * period is remembered so it is not asked again. Never throws for history: what could not be had is
 * in `gaps.missing`, with why (the quota, the time, WeChat failing).
 */
export async function completeHistory<Period extends string, Value>(input: {
  readonly source: DatacubeSource;
  readonly archive: Archive;
  readonly api: ArchivedApi;
  readonly periods: readonly Period[];
  /** An archived answer to fetch again (a month without its key 1 yet). @default none */
  readonly stale?: (value: Value) => boolean;
  readonly deadline: Date;
  readonly toolVersion: string;
  readonly logger: Logger;
  readonly history?: HistoryOptions;
}): Promise<CompletedHistory<Period, Value>> {
  const { source, archive, api, logger } = input;
  const endpoint = api.endpoint as unknown as DatacubeEndpoint<Period, Value>;
  const keyOf = (period: Period) => archiveKey(api, source.appid, period);
  const values = new Map<Period, Value>();
  const read = pLimit(8);
  await Promise.all(
    input.periods.map((period) =>
      read(async () => {
        // History is never a reason to hold the report back: an archive that cannot be read is asked of WeChat.
        const value = await readArchived(archive, keyOf(period), endpoint, period, logger).catch((error: unknown) => {
          logger.warn('could not read the archive; asking WeChat instead', {
            location: archive.locate(keyOf(period)),
            error: (error as Error).message,
          });
          return undefined;
        });
        if (value !== undefined) values.set(period, value);
      }),
    ),
  );
  const lacking = input.periods.filter((p) => {
    const value = values.get(p);
    return value === undefined || input.stale?.(value) === true;
  });
  if (lacking.length === 0) return { values, fetched: [], gaps: { noData: [], missing: [], missingBecause: null } };

  const memory = input.history?.memory;
  const known = memory
    ? await memory.noDataPeriods(source.appid, endpoint.name).catch((error: unknown) => {
        logger.warn('could not read which periods WeChat has no data for; asking again', {
          api: endpoint.name,
          error: (error as Error).message,
        });
        return new Set<string>();
      })
    : new Set<string>();
  // The newest first: if the quota or the time runs out, what is missing is the oldest of the usual
  // range, not the day before or the trend.
  const toAsk = lacking.filter((p) => !known.has(p)).sort((a, b) => b.localeCompare(a));
  const today = beijingToday((input.history?.clock ?? systemClock)());
  const noData = new Set<string>(lacking.filter((p) => known.has(p)));
  const answeredEmpty: string[] = [];
  const fetched: string[] = [];
  // Looked up already (and a stale body is to be replaced): no second read of the archive.
  const items: BackfillItem[] = toAsk.map((period) => ({ api, period, key: keyOf(period), always: true }));
  const result = await runBackfill(
    {
      source,
      archive,
      toolVersion: input.toolVersion,
      concurrency: HISTORY_CONCURRENCY,
      deadline: input.deadline,
      onAnswer: (item, answer) => {
        const period = item.period as Period;
        if ('location' in answer) {
          values.set(period, answer.value as Value);
          fetched.push(answer.location);
        } else if (answer.empty) {
          noData.add(period);
          if (settled(period, today)) answeredEmpty.push(period);
        }
      },
    },
    items,
  );
  // One line for the report says what is missing (its caller's); each failure is for --verbose.
  for (const { item, error } of result.failures)
    logger.info('history left out of the report', { api: endpoint.name, period: item.period, error });

  if (memory && answeredEmpty.length) {
    await memory.rememberNoData(source.appid, endpoint.name, answeredEmpty).catch((error: unknown) =>
      logger.warn('could not remember which periods WeChat has no data for', {
        api: endpoint.name,
        error: (error as Error).message,
      }),
    );
  }
  const missing = input.periods.filter((p) => !values.has(p) && !noData.has(p));
  const because: MissingBecause | null = !missing.length
    ? null
    : result.quotaReached.length
      ? 'quota'
      : result.outOfTime
        ? 'time'
        : 'unavailable';
  return {
    values,
    fetched: fetched.sort(),
    gaps: { noData: input.periods.filter((p) => noData.has(p) && !values.has(p)), missing, missingBecause: because },
  };
}

/** One warning when a report goes out without part of its history: what, why, and that the next report fetches it. */
export function warnOfGaps(logger: Logger, appid: string, gaps: HistoryGaps): void {
  for (const line of historyGapLines(gaps, 'en')) logger.warn(line, { appid });
}
