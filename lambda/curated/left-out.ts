import { join } from 'node:path';
import { addDays, type IsoDate, lastDayOfMonth } from '../calendar/beijing-calendar.js';
import { printable } from '../shared/printable.js';
import { SQL_TABLES } from '../sql/tables.js';
import { ARCHIVED_APIS } from '../wechat/datacube-apis.js';
import { parseRawKey, type StrayFolder } from './curated-layout.js';

// The lines that name what the curated layer (and `wxa-report query`) leave out of the raw archive,
// one per object, the same for `compact`, `run`, `query` and the compaction function's log: where it
// is, whose and which period it is, why, and what to do.

/** `path` is where the key is (a local path, an s3:// URL). */
export type Locate = (key: string) => string;

/** Where a key of the archive at `archive` (a local folder, absolute; `s3://bucket/prefix`) is. */
export function locateIn(archive: string): Locate {
  const root = archive.replace(/\/+$/, '');
  return archive.startsWith('s3://') ? (key) => `${root}/${key}` : (key) => join(archive, key);
}

/**
 * How to get a damaged answer again: the backfill, on the same archive, that fetches exactly its
 * period (backfill replaces a body that cannot be an answer), or, when WeChat no longer has the
 * period, the command that removes it. `archive` is the archive as the command was given it
 * (a local folder, absolute; `s3://bucket/prefix`).
 */
export function refetchFix(key: string, archive: string): string {
  const parsed = parseRawKey(key);
  const api = ARCHIVED_APIS.find((a) => a.folder === parsed?.folder);
  const range = parsed ? periodDays(parsed.partition) : undefined;
  const where = locateIn(archive)(key);
  const remove = removeCommand(where);
  const backfill = `wxa-report backfill --archive ${shellWord(archive)}`;
  return api && range && parsed
    ? `fetch it again with "${backfill} --apis ${api.cli} --from ${range[0]} --to ${range[1]}" and app ${parsed.appid}'s credentials (backfill replaces it); if WeChat no longer has that period, remove it: ${remove}`
    : `remove it (${remove}), then fetch that period again with "${backfill}"`;
}

/** The command that removes one object: `rm` locally, `aws s3 rm` in S3. */
export const removeCommand = (where: string) =>
  where.startsWith('s3://') ? `aws s3 rm ${shellWord(where)}` : `rm ${shellWord(where)}`;

/** One line for a raw body that cannot be an answer: left out, and how to fetch it again. */
export function damagedLine(key: string, reason: string, archive: string, leftOutOf = 'the curated layer'): string {
  return printable(
    `${locateIn(archive)(key)}${whose(key)} is ${reason}: left out of ${leftOutOf}; ${refetchFix(key, archive)}`,
  );
}

/** A word for a POSIX shell: as it is when it holds nothing the shell reads, else single-quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** What to do about a folder that is not an archive partition. */
export const STRAY_FIX =
  'remove it, or rename it to the period it holds if it is a real answer (the folders "wxa-report backfill" writes)';

/** One line for a folder that is not an archive partition: skipped, and what to do. */
export function strayLine(stray: StrayFolder, locate: Locate): string {
  return printable(
    `${locate(stray.key.replace(/\/response\.json$/, ''))} is not an archive partition (${stray.reason}): skipped by compact and query; ${STRAY_FIX}`,
  );
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
