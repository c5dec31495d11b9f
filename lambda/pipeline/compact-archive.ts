import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { archiveKeys } from '../archive/archive.js';
import type { Clock, IsoDate, YearMonth } from '../calendar/beijing-calendar.js';
import { type CompactionEngine, type CompactionViews, DamagedMonthFileError } from '../curated/compaction-ports.js';
import { type MonthFallback, readFromRaw, readManifests } from '../curated/curated-layers.js';
import {
  Coverage,
  curatedKeys,
  GRACE_MS,
  type Manifest,
  monthOfPartition,
  parseRawKey,
  partitionWithin,
  type RawListing,
  rawKeyOf,
  type StrayFolder,
  sourceGroups,
  validPartitions,
} from '../curated/curated-layout.js';
import { CompactionLockedError, type CuratedStore, type StoredObject } from '../curated/curated-store.js';
import { locateIn, removeCommand } from '../curated/left-out.js';
import type { Logger } from '../shared/logger.js';
import { SQL_TABLES, type SqlTable } from '../sql/tables.js';

/**
 * A note of a replaced answer is consumed only once older than this: its writer notes first and
 * replaces the bytes right after, so by then the bytes read are the new ones.
 */
const NOTE_SETTLE_MS = 10 * 60 * 1000;
/** The compaction lock's lease, renewed after every month file. */
const LEASE_MS = 30 * 60 * 1000;

export interface CompactionDependencies {
  readonly store: CuratedStore;
  readonly engine: CompactionEngine;
  /** Athena's views, pointed at what is compacted (in the deployment). @default none */
  readonly views?: CompactionViews;
  /** An empty folder for the run's files (downloads, new files before they are published). */
  readonly workDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly toolVersion: string;
  /** Who runs it, in the lock (`host:pid:…`, a Lambda request id). */
  readonly owner: string;
}

export interface CompactionOptions {
  /** Only periods from this day on (a month's: those that overlap). @default all */
  readonly from?: IsoDate;
  /** Only periods up to this day. @default all */
  readonly to?: IsoDate;
  /** Read every raw object of the periods again, whatever the manifests say. @default false */
  readonly rebuild?: boolean;
  /** Stop before starting a month after this instant (a Lambda's timeout); the next run goes on. */
  readonly deadline?: Date;
  readonly onProgress?: (progress: CompactionProgress) => void;
}

export interface CompactionProgress {
  /** Raw objects compacted so far, of `total` to compact. */
  readonly done: number;
  readonly total: number;
  readonly table: string;
  readonly month: YearMonth;
}

export interface MonthCompacted {
  readonly table: string;
  readonly month: YearMonth;
  /** Raw objects read into the file this run (new ones, and replaced ones read again). */
  readonly read: number;
  /** Of those, the ones whose rows replaced rows of the previous file. */
  readonly replaced: number;
  /** Raw objects no longer in raw/ (removed by hand) whose rows left the file. */
  readonly removed: number;
  readonly rows: number;
  readonly bytes: number;
  /** The new month file's key; empty when every answer of the month left raw/ and the month with it. */
  readonly file: string;
}

export interface CompactionResult {
  /** False when the deadline came first: what is left is compacted by the next run. */
  readonly complete: boolean;
  readonly months: readonly MonthCompacted[];
  /**
   * Raw objects that cannot be answers (empty, not JSON, WeChat's error, a field of the wrong type):
   * left out of the curated layer (they stay in raw/), with why.
   */
  readonly unreadable: readonly { readonly key: string; readonly reason: string }[];
  /** Raw objects in folders that are not partitions the archive writes (`dt=junk`): left out, with why. */
  readonly strays: readonly StrayFolder[];
  /** Current month files of every table after the run. */
  readonly files: number;
  /** Superseded files deleted (older than the grace period). */
  readonly removed: number;
  /** Athena views pointed at new periods. */
  readonly viewsUpdated: number;
}

interface MonthWork {
  readonly month: YearMonth;
  /** Raw keys to read into the month. */
  readonly read: string[];
  /** Keys whose rows leave the previous file (read again, or gone from raw/). */
  readonly drop: string[];
}

interface TablePlan {
  readonly table: SqlTable;
  readonly coverage: Coverage;
  readonly months: MonthWork[];
  readonly strays: readonly StrayFolder[];
  /** Notes of replaced answers: consumed once settled and their months switched (or their keys gone, or held unchanged). */
  readonly notes: readonly {
    readonly note: StoredObject;
    readonly key: string;
    readonly settled: boolean;
    readonly gone: boolean;
    /** A month file holds the key's bytes as they are now (its manifest's `applied`): not read again. */
    readonly unchanged: boolean;
  }[];
  /** The noted keys' versions, taken before any is read (a replacement landing after is read next run). */
  readonly versions: ReadonlyMap<string, string | undefined>;
}

/**
 * Compacts the raw archive into the curated layer: for each table and month, the raw objects not in
 * its file yet (or replaced since) are read, and a new month file is written with the previous
 * file's rows and theirs; its manifest, written last, switches readers over. Idempotent (a run with
 * nothing new writes nothing), resumable (each month is switched on its own; a run that dies leaves
 * only files no manifest names, deleted later), incremental (only what changed is read).
 */
export async function compactArchive(
  deps: CompactionDependencies,
  options: CompactionOptions = {},
): Promise<CompactionResult> {
  const lock = await deps.store.lock(deps.owner, LEASE_MS);
  if (!lock.held)
    throw new CompactionLockedError(
      `another compaction of ${deps.store.location} is running (${lock.owner}, lease until ${lock.until}): wait for it to end, or try again after its lease; if you know that run is gone (its machine stopped), remove its lock: ${removeCommand(locateIn(deps.store.location)(curatedKeys.lock))}`,
    );
  try {
    return await compactUnderLock(deps, options, lock.renew);
  } finally {
    await lock.release();
  }
}

async function compactUnderLock(
  deps: CompactionDependencies,
  options: CompactionOptions,
  renew: () => Promise<void>,
): Promise<CompactionResult> {
  const started = deps.clock();
  // The tables are listed at once: in S3 a listing is a LIST a thousand keys, one after the other,
  // so a year of 1,000 apps takes as long as its largest table (~365 LISTs), not the sum (~2,400).
  const plans: TablePlan[] = await Promise.all(SQL_TABLES.map((table) => planTable(table, deps, options, started)));
  const total = plans.reduce((sum, p) => sum + p.months.reduce((s, m) => s + m.read.length, 0), 0);
  const months: MonthCompacted[] = [];
  const unreadable: { key: string; reason: string }[] = [];
  let done = 0;
  let complete = true;
  let files = 0;
  let removed = 0;
  let viewsUpdated = 0;
  for (const plan of plans) {
    const current = new Map(plan.coverage.manifests.map((m) => [m.month, m]));
    const switched = new Set<YearMonth>();
    for (const work of plan.months) {
      if (options.deadline && deps.clock() > options.deadline) {
        complete = false;
        break;
      }
      const result = await compactMonth(deps, plan, work, current.get(work.month));
      unreadable.push(...result.unreadable);
      switchMonth(current, work.month, result);
      if (result.compacted) {
        switched.add(work.month);
        months.push(result.compacted);
      }
      done += work.read.length;
      options.onProgress?.({ done, total, table: plan.table.name, month: work.month });
      await renew();
    }
    const manifests = [...current.values()];
    files += manifests.length;
    // A reader may now trust folders unchanged since this run's listing: it read them all, and the
    // layer holds what it found (every month of it, nothing left for a later run or outside a range).
    const finished = await finishTable(deps, plan, manifests, switched, complete && wholeRange(options), started);
    removed += finished.removed;
    if (finished.viewsUpdated) viewsUpdated += 1;
    if (!complete) break;
  }
  const strays = plans.flatMap((p) => p.strays);
  return { complete, months, unreadable, strays, files, removed, viewsUpdated };
}

/** The month's current manifest after its compaction: the new one, none (emptied), or as it was. */
function switchMonth(
  current: Map<YearMonth, Manifest>,
  month: YearMonth,
  result: { readonly manifest: Manifest | undefined; readonly emptied: boolean },
): void {
  if (result.manifest) current.set(month, result.manifest);
  else if (result.emptied) current.delete(month);
}

/** Whether a run was asked for every period (no --from, no --to). */
const wholeRange = (options: CompactionOptions) => !options.from && !options.to;

/** After a table's months: Athena's file list and views, the listing settled, notes consumed, superseded files removed. */
async function finishTable(
  deps: CompactionDependencies,
  plan: TablePlan,
  manifests: readonly Manifest[],
  switched: ReadonlySet<YearMonth>,
  settled: boolean,
  started: Date,
): Promise<{ removed: number; viewsUpdated: boolean }> {
  await publishFileList(deps.store, plan.table, manifests, switched.size > 0);
  const viewsUpdated =
    deps.views !== undefined && (await deps.views.update(plan.table, new Coverage(manifests).periods())) === 'updated';
  if (settled && switched.size > 0) await deps.store.listingSettled(plan.table);
  await consumeNotes(deps.store, plan, switched);
  return { removed: await removeSuperseded(deps, plan.table, manifests, started), viewsUpdated };
}

/** What a table needs: its current manifests, its raw objects, the notes of replaced ones. */
async function planTable(
  table: SqlTable,
  deps: CompactionDependencies,
  options: CompactionOptions,
  started: Date,
): Promise<TablePlan> {
  const manifests = await readManifests(deps.store, table, (message) => deps.logger.warn(message), {
    // A month this run writes is said to be written again; one outside --from/--to is read from raw/ until then.
    fallback: (month, location) =>
      monthWithin(month, options) ? compactedAgain(month, location) : readFromRaw(month, location),
  });
  const coverage = new Coverage(manifests);
  const { listing, strays } = validPartitions(
    table,
    await deps.store.listRaw(table, options.rebuild ? undefined : coverage),
  );
  const noted = (await deps.store.listReplaced(table)).map((note) => ({
    note,
    key: archiveKeys.replacedKey(note.key),
    settled: note.lastModified.getTime() < started.getTime() - NOTE_SETTLE_MS,
  }));
  const versions = new Map(
    await Promise.all(noted.map(async ({ key }) => [key, await deps.store.versionOf(key)] as const)),
  );
  // A note stays until it settles; meanwhile a run that finds the bytes it compacted unchanged
  // reads nothing again (and writes nothing).
  const notes = noted.map((n) => ({ ...n, unchanged: !options.rebuild && heldAsIs(coverage, n.key, versions) }));
  const work = new Map<YearMonth, MonthWork>();
  const monthOf = (month: YearMonth) => {
    const entry = work.get(month) ?? { month, read: [], drop: [] };
    work.set(month, entry);
    return entry;
  };
  const toRead = new Set(notes.filter((n) => !n.unchanged).map((n) => n.key));
  const listed = addReads(table, listing, coverage, toRead, options, monthOf);
  // Rows of objects no longer in raw/ (removed by hand) leave their months: the listing is whole
  // (every app's folder is read), so a held key not in it is gone.
  for (const manifest of manifests) {
    for (const key of keysOf(table, coverage.listingOf(manifest.month)))
      if (!listed.has(key) && partitionWithin(parseRawKey(key)?.partition ?? '', options.from, options.to))
        monthOf(manifest.month).drop.push(key);
  }
  const months = [...work.values()].sort((a, b) => a.month.localeCompare(b.month));
  return {
    table,
    coverage,
    months,
    strays,
    notes: notes.map((n) => ({ ...n, gone: !listed.has(n.key) })),
    versions,
  };
}

/** Whether the month file of a noted key holds its bytes as they are now. */
function heldAsIs(coverage: Coverage, key: string, versions: ReadonlyMap<string, string | undefined>): boolean {
  const parsed = parseRawKey(key);
  const version = versions.get(key);
  if (!parsed || version === undefined) return false;
  const applied = coverage.manifest(monthOfPartition(parsed.partition))?.applied ?? [];
  return applied.some((a) => a.key === key && a.version === version);
}

/** The listed objects to read (not compacted, replaced since, or all with a rebuild), by month; resolves to every key listed. */
function addReads(
  table: SqlTable,
  listing: RawListing,
  coverage: Coverage,
  noted: ReadonlySet<string>,
  options: CompactionOptions,
  monthOf: (month: YearMonth) => MonthWork,
): Set<string> {
  const listed = new Set<string>();
  for (const [appid, partitions] of listing) {
    for (const partition of partitions) {
      const key = rawKeyOf(table, appid, partition);
      listed.add(key);
      if (!partitionWithin(partition, options.from, options.to)) continue;
      const covered = coverage.covers(appid, partition);
      if (covered && !noted.has(key) && !options.rebuild) continue;
      const entry = monthOf(monthOfPartition(partition));
      entry.read.push(key);
      if (covered) entry.drop.push(key);
    }
  }
  return listed;
}

/** What this run does with a month whose file is gone or damaged. */
const compactedAgain: MonthFallback = () => 'is compacted again from raw/';

/** Whether a month overlaps --from/--to. */
const monthWithin = (month: YearMonth, options: CompactionOptions) =>
  partitionWithin(`month=${month}`, options.from, options.to);

const keysOf = (table: SqlTable, listing: RawListing) =>
  [...listing].flatMap(([appid, partitions]) => partitions.map((p) => rawKeyOf(table, appid, p)));

async function compactMonth(
  deps: CompactionDependencies,
  plan: TablePlan,
  work: MonthWork,
  manifest: Manifest | undefined,
) {
  const { table } = plan;
  const id = `${deps.clock().toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
  const previousKey = manifest && `${curatedKeys.month(table.name, work.month)}${manifest.file}`;
  let read = work.read;
  let drop = work.drop;
  let kept = manifest ? plan.coverage.listingOf(work.month) : new Map<string, string[]>();
  const leaving = new Set(drop);
  // Rows of the previous file that stay: none when each is read again or gone (a rebuild of the
  // whole month), and then that file is not read at all.
  const staying = keysOf(table, kept).filter((key) => !leaving.has(key));
  let previous =
    previousKey && staying.length > 0 ? await deps.store.stageObject(previousKey, deps.workDir) : undefined;
  /** The month written from raw/ alone: its previous file is gone or cannot be read. */
  const fromRaw = (problem: string) => {
    deps.logger.warn(
      `${locateIn(deps.store.location)(previousKey ?? '')} ${problem}: ${table.name} ${work.month} ${compactedAgain(work.month, deps.store.location)}`,
    );
    read = [...new Set([...read, ...staying])];
    drop = [];
    kept = new Map();
    previous = undefined;
  };
  if (previousKey && staying.length > 0 && previous === undefined) fromRaw('is missing');
  const out = join(deps.workDir, `${table.name}-${work.month}-${id}.parquet`);
  const build = async () => {
    const staged = await deps.store.stageRaw(read, deps.workDir);
    return deps.engine
      .build({ table, previous, drop, sources: staged, out })
      .finally(() => deps.store.discard([...staged.map((s) => s.path), ...(previous ? [previous] : [])]));
  };
  const built = await build().catch((error: unknown) => {
    if (!(error instanceof DamagedMonthFileError)) throw error;
    fromRaw(`is damaged (${error.reason})`);
    return build();
  });
  const unreadable = new Set(built.unreadable.map((u) => u.key));
  if (drop.length === 0 && read.every((key) => unreadable.has(key)) && (manifest === undefined || previous)) {
    // Nothing but bodies that cannot be answers: the month stays as it is (a re-run changes nothing).
    // Its file, unswitched, goes with the work folder.
    return { manifest: undefined, emptied: false, unreadable: built.unreadable, compacted: undefined };
  }
  const listing = new Map([...kept].map(([appid, partitions]) => [appid, [...partitions]]));
  const dropped = new Set(drop);
  const reread = new Set(read);
  for (const [appid, partitions] of listing)
    listing.set(
      appid,
      partitions.filter((p) => !dropped.has(rawKeyOf(table, appid, p))),
    );
  for (const key of read) {
    const parsed = parseRawKey(key);
    if (!parsed || unreadable.has(key)) continue;
    const partitions = listing.get(parsed.appid) ?? [];
    if (!partitions.includes(parsed.partition)) partitions.push(parsed.partition);
    listing.set(parsed.appid, partitions);
  }
  const counts = {
    read: read.length - unreadable.size,
    replaced: read.filter((k) => dropped.has(k) && !unreadable.has(k)).length,
    removed: drop.filter((k) => !reread.has(k)).length,
  };
  if (![...listing.values()].some((partitions) => partitions.length > 0)) {
    // Every answer of the month left raw/ (removed by hand): no file holds nothing. Its manifest
    // goes, the switch back to "not compacted" (raw/ has nothing for it either); its file is
    // superseded, deleted after the grace period.
    await deps.store.delete([curatedKeys.manifest(table.name, work.month)]);
    return {
      manifest: undefined,
      emptied: true,
      unreadable: built.unreadable,
      compacted: { table: table.name, month: work.month, ...counts, rows: 0, bytes: 0, file: '' },
    };
  }
  const file = `part-${id}.parquet`;
  const etag = await deps.store.putFile(curatedKeys.file(table.name, work.month, id), out);
  const next: Manifest = {
    version: 1,
    table: table.name,
    month: work.month,
    file,
    rows: built.rows,
    bytes: built.bytes,
    ...(etag ? { etag } : {}),
    compactedAt: deps.clock().toISOString(),
    toolVersion: deps.toolVersion,
    sources: sourceGroups(listing),
    ...appliedNotes(plan, manifest, read, dropped, unreadable),
  };
  // The switch: from here on, readers find the new file.
  await deps.store.putText(curatedKeys.manifest(table.name, work.month), `${JSON.stringify(next)}\n`);
  return {
    manifest: next,
    emptied: false,
    unreadable: built.unreadable,
    compacted: {
      table: table.name,
      month: work.month,
      ...counts,
      rows: built.rows,
      bytes: built.bytes,
      file: curatedKeys.file(table.name, work.month, id),
    } satisfies MonthCompacted,
  };
}

/** The noted keys whose bytes the new file holds: those read now, and those the previous file held unchanged. */
function appliedNotes(
  plan: TablePlan,
  previous: Manifest | undefined,
  read: readonly string[],
  dropped: ReadonlySet<string>,
  unreadable: ReadonlySet<string>,
): Pick<Manifest, 'applied'> {
  const noted = new Set(plan.notes.map((n) => n.key));
  const reread = new Set(read);
  const applied = [
    ...(previous?.applied ?? []).filter((a) => noted.has(a.key) && !reread.has(a.key) && !dropped.has(a.key)),
    ...read.flatMap((key) => {
      const version = plan.versions.get(key);
      return noted.has(key) && !unreadable.has(key) && version !== undefined ? [{ key, version }] : [];
    }),
  ];
  return applied.length ? { applied } : {};
}

/**
 * The symlink list Athena's curated table reads: every current file, one S3 URL a line. Written when
 * a month switched, or when the list differs from the current files (never written yet, or naming a
 * file left out since as missing or damaged, whose month Athena then reads from raw).
 */
async function publishFileList(
  store: CuratedStore,
  table: SqlTable,
  manifests: readonly Manifest[],
  switched: boolean,
) {
  const key = curatedKeys.symlink(table.name);
  // A store Athena cannot read (a local folder) has no symlink list.
  if (store.athenaLocation(key) === undefined) return;
  const lines = manifests
    .map((m) => store.athenaLocation(`${curatedKeys.month(table.name, m.month)}${m.file}`))
    .filter((line): line is string => line !== undefined)
    .sort();
  if (lines.length !== manifests.length) return;
  const text = lines.length ? `${lines.join('\n')}\n` : '';
  if (!switched && (await store.readText(key)) === text) return;
  await store.putText(key, text);
}

/** Notes whose keys were read again into a switched month (or are gone from raw/) are done with. */
async function consumeNotes(store: CuratedStore, plan: TablePlan, switched: ReadonlySet<YearMonth>) {
  const done = plan.notes.filter(({ key, settled, gone, unchanged }) => {
    const parsed = parseRawKey(key);
    return settled && (gone || unchanged || !parsed || switched.has(monthOfPartition(parsed.partition)));
  });
  if (done.length) await store.delete(done.map((n) => n.note.key));
}

/** Files no manifest names, older than the grace period: superseded months, runs that died before their switch. */
async function removeSuperseded(
  deps: CompactionDependencies,
  table: SqlTable,
  manifests: readonly Manifest[],
  started: Date,
): Promise<number> {
  const current = new Set(manifests.map((m) => `${curatedKeys.month(table.name, m.month)}${m.file}`));
  const stale = (await deps.store.list(curatedKeys.table(table.name))).filter(
    (o) =>
      impossibleMonth(o.key) ||
      (/\/part-[^/]+\.parquet$/.test(o.key) &&
        !current.has(o.key) &&
        o.lastModified.getTime() < started.getTime() - GRACE_MS),
  );
  if (stale.length) await deps.store.delete(stale.map((o) => o.key));
  return stale.length;
}

/** A month folder's object no valid partition leads to (`month=2026-13/…`, written before partitions were checked): no reader reads it. */
const impossibleMonth = (key: string) => {
  const month = /\/month=([^/]+)\/[^/]+$/.exec(key)?.[1];
  return month !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(month);
};
