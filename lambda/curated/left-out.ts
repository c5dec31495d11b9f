import { addDays, type IsoDate, lastDayOfMonth } from '../calendar/beijing-calendar.js';
import { SQL_TABLES } from '../sql/tables.js';
import { ARCHIVED_APIS } from '../wechat/datacube-apis.js';
import { parseRawKey, type StrayFolder } from './curated-layout.js';

// The lines that name what the curated layer (and `wxa-report query`) leave out of the raw archive,
// one per object, the same for `compact`, `run`, `query` and the compaction function's log: where it
// is, whose and which period it is, why, and what to do.

/** `path` is where the key is (a local path, an s3:// URL). */
export type Locate = (key: string) => string;

/** How to get a damaged answer again: the backfill that fetches exactly its period. */
export function refetchFix(key: string): string {
  const parsed = parseRawKey(key);
  const api = ARCHIVED_APIS.find((a) => a.folder === parsed?.folder);
  const range = parsed ? periodDays(parsed.partition) : undefined;
  return api && range && parsed
    ? `delete it, then fetch it again with "wxa-report backfill --apis ${api.cli} --from ${range[0]} --to ${range[1]}" and app ${parsed.appid}'s credentials`
    : 'delete it and fetch that period again with "wxa-report backfill"';
}

/** One line for a raw body that cannot be an answer: left out, and how to fetch it again. */
export function damagedLine(key: string, reason: string, locate: Locate, leftOutOf = 'the curated layer'): string {
  return `${locate(key)}${whose(key)} is ${reason}: left out of ${leftOutOf}; ${refetchFix(key)}`;
}

/** What to do about a folder that is not an archive partition. */
export const STRAY_FIX =
  'remove it, or rename it to the period it holds if it is a real answer (the folders "wxa-report backfill" writes)';

/** One line for a folder that is not an archive partition: skipped, and what to do. */
export function strayLine(stray: StrayFolder, locate: Locate): string {
  return `${locate(stray.key.replace(/\/response\.json$/, ''))} is not an archive partition (${stray.reason}): skipped by compact and query; ${STRAY_FIX}`;
}

/** " (table, app, period)" of a raw key. */
function whose(key: string): string {
  const parsed = parseRawKey(key);
  if (!parsed) return '';
  const table = SQL_TABLES.find((t) => t.folder === parsed.folder)?.name ?? parsed.folder;
  const range = periodDays(parsed.partition);
  const period = range ? (range[0] === range[1] ? range[0] : `${range[0]}…${range[1]}`) : parsed.partition;
  return ` (${table}, app ${parsed.appid}, ${period})`;
}

/** The first and last day of a partition's period. */
function periodDays(partition: string): readonly [IsoDate, IsoDate] | undefined {
  const value = /=([^/]+)$/.exec(partition)?.[1] ?? '';
  if (partition.startsWith('week=')) return [value, addDays(value, 6)];
  if (partition.startsWith('month=')) return [`${value}-01`, lastDayOfMonth(value)];
  const days = Number(/^days=(\d+)\//.exec(partition)?.[1] ?? 1);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? [addDays(value, 1 - days), value] : undefined;
}
