import { archiveKeys } from '../archive/archive.js';
import { lastDayOfMonth, type YearMonth } from '../calendar/beijing-calendar.js';
import type { SqlTable } from '../sql/tables.js';
import {
  Coverage,
  curatedKeys,
  DamagedManifestError,
  type Manifest,
  manifestMonth,
  parseManifest,
  rawKeyOf,
  validPartitions,
} from './curated-layout.js';
import type { CuratedStore } from './curated-store.js';
import { locateIn, shellWord, strayLine } from './left-out.js';

/**
 * What becomes of a month whose file cannot be read, as the end of the line naming the file ("is
 * read from raw/ …"); `location` is the archive (a folder, `s3://bucket/prefix`).
 */
export type MonthFallback = (month: YearMonth, location: string) => string;

/** A reader's: the month is read from raw/ until a compaction writes it again. */
export const readFromRaw: MonthFallback = (_month, location) =>
  `is read from raw/ until "wxa-report compact --archive ${shellWord(location)}" writes it again`;

/**
 * The current manifests of a table whose files are there and whole; a damaged manifest, or one whose
 * file is gone or of another length than it records, is named through `warn` with `fallback` and
 * left out (its month is then read from raw/, and compacted again); so is one whose file a reader
 * met damaged (`damaged`: file key → why), with the rebuild that replaces it. The lengths come from
 * the table's listing (one stat or one LIST, not a read of each file).
 */
export async function readManifests(
  store: CuratedStore,
  table: SqlTable,
  warn: (message: string) => void,
  options: { readonly damaged?: ReadonlyMap<string, string>; readonly fallback?: MonthFallback } = {},
): Promise<Manifest[]> {
  const fallback = (month: YearMonth) => (options.fallback ?? readFromRaw)(month, store.location);
  const locate = locateIn(store.location);
  const manifests: Manifest[] = [];
  const listed = await store.list(curatedKeys.table(table.name));
  const sizes = new Map(listed.map((o) => [o.key, o.size]));
  const etags = new Map(listed.map((o) => [o.key, o.etag]));
  for (const { key } of listed) {
    const month = manifestMonth(key);
    if (!month) continue;
    const text = await store.readText(key);
    if (text === undefined) continue;
    let manifest: Manifest;
    try {
      manifest = parseManifest(text, locate(key), table.name, month);
    } catch (error) {
      if (!(error instanceof DamagedManifestError)) throw error;
      warn(`${error.message}: that month ${fallback(month)}`);
      continue;
    }
    const file = `${curatedKeys.month(table.name, month)}${manifest.file}`;
    // A file written after the listing (a compaction switching meanwhile) is asked for on its own.
    const size = sizes.get(file) ?? (await store.sizeOf(file));
    const met = options.damaged?.get(file);
    const etag = etags.get(file);
    if (size === undefined || size !== manifest.bytes)
      warn(`${locate(file)} ${fileProblem(manifest, size)}: ${table.name} ${month} ${fallback(month)}`);
    // Overwritten since it was written (S3 keeps an ETag per write): damaged, whatever its length.
    else if (manifest.etag !== undefined && etag !== undefined && etag !== manifest.etag)
      warn(
        `${locate(file)} is damaged (written again since its manifest: ETag ${etag}, not ${manifest.etag}): ${table.name} ${month} ${fallback(month)}`,
      );
    // Of the right length: a compaction reads it only when its month changes, so only a rebuild (which never reads it) is sure to replace it.
    else if (met !== undefined)
      warn(`${locate(file)} is damaged (${met}): ${table.name} ${month} ${rebuildFallback(store.location, month)}`);
    else manifests.push(manifest);
  }
  return manifests;
}

/** What is wrong with a manifest's file that is gone or of another length than it records. */
const fileProblem = (manifest: Manifest, size: number | undefined) =>
  size === undefined ? 'is missing' : `is damaged (${size} bytes, its manifest records ${manifest.bytes})`;

/** A month whose file a reader met damaged: read from raw/ until a rebuild of the month writes it again. */
const rebuildFallback = (location: string, month: YearMonth) =>
  `is read from raw/ until "wxa-report compact --archive ${shellWord(location)} --rebuild --from ${month}-01 --to ${lastDayOfMonth(month)}" writes it again`;

/** Where a table's rows are, right now, for a reader that must miss none and count none twice. */
export interface TableLayers {
  /** The current month files (keys), each holding the rows of the raw objects its manifest names. */
  readonly files: readonly string[];
  /** Raw keys whose rows in those files are stale (their answers were replaced, or removed, since): left out of them. */
  readonly stale: readonly string[];
  /** Raw keys to read from raw/: not compacted yet, or replaced since. */
  readonly pending: readonly string[];
}

/**
 * The curated files of a table, and exactly the raw objects they do not hold: every raw object is
 * listed (see CuratedStore.listRaw), those the manifests name are read from the files, the rest
 * from raw/, an object noted as replaced from raw/ with its rows left out of the files, and one no
 * longer in raw/ (removed by hand) left out of them too: the table is what raw/ holds now.
 * Undefined when nothing of the table is compacted (read raw/ as a whole).
 */
export async function tableLayers(
  store: CuratedStore,
  table: SqlTable,
  warn: (message: string) => void,
  /** Month files met damaged (key → why): their months are read from raw/. */
  damaged?: ReadonlyMap<string, string>,
): Promise<TableLayers | undefined> {
  // Each is there and whole: readManifests leaves out (and names) those whose file is gone or damaged.
  const manifests = await readManifests(store, table, warn, { damaged });
  if (manifests.length === 0) return undefined;
  const coverage = new Coverage(manifests);
  const { listing, strays } = validPartitions(table, await store.listRaw(table, coverage, { settledOnly: true }));
  for (const stray of strays) warn(strayLine(stray, (key) => `${store.location}/${key}`));
  const noted = new Set((await store.listReplaced(table)).map((n) => archiveKeys.replacedKey(n.key)));
  const pending: string[] = [];
  const stale: string[] = [];
  // A year of 1,000 apps is 365,000 partitions: only those not covered, noted or removed become keys.
  for (const [appid, partitions] of listing)
    sortApp(table, appid, partitions, coverage.held(appid), noted, pending, stale);
  for (const appid of coverage.appids())
    if (!listing.has(appid)) stale.push(...removed(table, appid, coverage.held(appid), []));
  return {
    files: manifests.map((m) => `${curatedKeys.month(table.name, m.month)}${m.file}`),
    stale,
    pending,
  };
}

/** The keys of held partitions no longer listed. */
function removed(table: SqlTable, appid: string, held: ReadonlySet<string>, listed: readonly string[]): string[] {
  const present = new Set(listed);
  return [...held].filter((p) => !present.has(p)).map((p) => rawKeyOf(table, appid, p));
}

/** One app's listed partitions: those to read from raw/ go to `pending`, rows to leave out of the files to `stale`. */
function sortApp(
  table: SqlTable,
  appid: string,
  partitions: readonly string[],
  held: ReadonlySet<string>,
  noted: ReadonlySet<string>,
  pending: string[],
  stale: string[],
): void {
  let listedHeld = 0;
  for (const partition of partitions) {
    const covered = held.has(partition);
    if (covered) listedHeld += 1;
    if (covered && noted.size === 0) continue;
    const key = rawKeyOf(table, appid, partition);
    if (covered && noted.has(key)) stale.push(key);
    if (!covered || noted.has(key)) pending.push(key);
  }
  // Listed partitions are distinct: as many held ones listed as held means none was removed.
  if (listedHeld < held.size) stale.push(...removed(table, appid, held, partitions));
}
