import * as z from 'zod/mini';
import { archiveKeys } from '../archive/archive.js';
import { type IsoDate, isValidIsoDate, type YearMonth } from '../calendar/beijing-calendar.js';
import type { SqlTable } from '../sql/tables.js';

/**
 * The curated layer: the rows of every SQL table as Parquet (zstd), one file per table and month,
 * beside the raw archive and derived from it only.
 *
 *   curated/<table>/month=YYYY-MM/part-<id>.parquet   the month's rows (the views' columns, plus
 *                                                      source_key, fetched_at, shape)
 *   curated/<table>/month=YYYY-MM/manifest.json       which file is current and which raw objects
 *                                                      it holds; written last, so replacing it is
 *                                                      the switch (readers see the old month or
 *                                                      the new one, never half of either)
 *   curated/<table>/_symlink/symlink.txt              the current files, for Athena
 *                                                      (SymlinkTextInputFormat)
 *   curated/_lock.json                                 one compaction at a time
 *
 * A file no manifest names (a superseded month, a run that died before its switch) is deleted by a
 * later compaction once it is older than GRACE_MS, never under a reader.
 */

/** How long a superseded file stays readable for a query that started before the switch. */
export const GRACE_MS = 24 * 60 * 60 * 1000;

export const curatedKeys = {
  table: (table: string) => `curated/${table}/`,
  month: (table: string, month: YearMonth) => `curated/${table}/month=${month}/`,
  file: (table: string, month: YearMonth, id: string) => `curated/${table}/month=${month}/part-${id}.parquet`,
  manifest: (table: string, month: YearMonth) => `curated/${table}/month=${month}/manifest.json`,
  symlink: (table: string) => `curated/${table}/_symlink/symlink.txt`,
  lock: 'curated/_lock.json',
  /** When the table's last whole listing began, once the curated layer held all it found (local archives). */
  settled: (table: string) => `curated/${table}/_settled.json`,
};

/** `curated/<table>/month=YYYY-MM/manifest.json` → the month, or undefined for any other key. */
export function manifestMonth(key: string): YearMonth | undefined {
  // An impossible month (month=2026-13, from a dt=2026-13-45 folder) holds nothing a reader wants.
  return /\/month=(\d{4}-(?:0[1-9]|1[0-2]))\/manifest\.json$/.exec(key)?.[1];
}

/** The provenance columns every curated row carries after the views' columns. */
export const PROVENANCE_COLUMNS = [
  // The raw object the row came from: `raw/<folder>/appid=…/<partition>/response.json`.
  ['source_key', 'varchar'],
  // When WeChat's answer arrived (ISO 8601, as recorded with it); NULL when nothing was recorded.
  ['fetched_at', 'varchar'],
  // `https` or `cloud-call` (the CloudBase relay); NULL when nothing was recorded.
  ['shape', 'varchar'],
] as const;

/** Raw objects of one month file: apps with the same partitions share a group (most apps have every day). */
const sourceGroup = z.object({
  partitions: z.array(z.string()),
  appids: z.array(z.string()),
});

export const manifestSchema = z.object({
  version: z.literal(1),
  table: z.string(),
  month: z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/)),
  /** The current file's name, in the month's folder. */
  file: z.string().check(z.regex(/^part-[A-Za-z0-9_-]+\.parquet$/)),
  rows: z.number(),
  bytes: z.number(),
  /** The file's ETag when written (S3): another one in a listing means the file was overwritten since. */
  etag: z.optional(z.string()),
  compactedAt: z.string(),
  toolVersion: z.string(),
  sources: z.array(sourceGroup),
  /**
   * Raw objects noted as replaced (`replaced/…`) whose bytes this file holds, with their version
   * (CuratedStore.versionOf) when read: while the note settles, a run finds them unchanged and
   * writes nothing. Absent in manifests of earlier versions.
   */
  applied: z.optional(z.array(z.object({ key: z.string(), version: z.string() }))),
});

export type Manifest = z.infer<typeof manifestSchema>;

export class DamagedManifestError extends Error {
  override name = 'DamagedManifestError';
}

/** A manifest's text, checked; a damaged one is named, and the month is then read from raw. */
export function parseManifest(text: string, key: string, table: string, month: YearMonth): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DamagedManifestError(`${key} is not JSON (${(error as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success)
    throw new DamagedManifestError(`${key} is not a manifest: ${parsed.error.issues[0]?.message ?? 'unreadable'}`);
  if (parsed.data.table !== table || parsed.data.month !== month)
    throw new DamagedManifestError(`${key} describes ${parsed.data.table} ${parsed.data.month}, not ${table} ${month}`);
  return parsed.data;
}

/** The raw objects of a table as listed: appid → its partitions (`dt=…`, `week=…`, `days=7/dt=…`). */
export type RawListing = ReadonlyMap<string, readonly string[]>;

/** Groups the apps of a listing by identical partitions, as a manifest stores them. */
export function sourceGroups(listing: RawListing): Manifest['sources'] {
  const groups = new Map<string, { partitions: string[]; appids: string[] }>();
  for (const [appid, partitions] of [...listing].sort(([a], [b]) => a.localeCompare(b))) {
    if (partitions.length === 0) continue;
    const sorted = [...partitions].sort();
    const signature = sorted.join('\n');
    const group = groups.get(signature) ?? { partitions: sorted, appids: [] };
    group.appids.push(appid);
    groups.set(signature, group);
  }
  return [...groups.values()];
}

/** The month a partition's rows go to: a day's, a week's Monday's, a month's own, a portrait window's last day's. */
export function monthOfPartition(partition: string): YearMonth {
  const value = /(?:^|\/)(?:dt|week|month)=(\d{4}-\d{2})/.exec(partition)?.[1];
  if (!value) throw new Error(`"${partition}" is not an archive partition`);
  return value;
}

/** Whether a partition's period lies within [from, to] (a month: whether it overlaps). */
export function partitionWithin(partition: string, from: IsoDate | undefined, to: IsoDate | undefined): boolean {
  const month = /(?:^|\/)month=(\d{4}-\d{2})$/.exec(partition)?.[1];
  const first = month ? `${month}-01` : (/=(\d{4}-\d{2}-\d{2})$/.exec(partition)?.[1] ?? '');
  const last = month ? `${month}-31` : first;
  return (from === undefined || last >= from) && (to === undefined || first <= to);
}

/** What each partition folder holds: a real day, a real month, a window length. */
const PARTITION_VALUES: Record<string, { readonly test: (value: string) => boolean; readonly form: string }> = {
  dt: { test: isValidIsoDate, form: 'a real day, YYYY-MM-DD' },
  week: { test: isValidIsoDate, form: "the week's Monday, YYYY-MM-DD" },
  month: { test: (v) => /^\d{4}-(0[1-9]|1[0-2])$/.test(v), form: 'a real month, YYYY-MM' },
  days: { test: (v) => /^[1-9]\d*$/.test(v), form: 'a number of days' },
};

/**
 * Why a table's partition path (`dt=2026-13-45`, `dt=junk`, `days=7/dt=…`) is not one the archive
 * writes, or undefined when it is: its folders in the table's order, each a real period. A folder
 * put there by hand (a typo, a copy) is left out of the curated layer and of queries, and named.
 */
export function partitionProblem(table: Pick<SqlTable, 'partitions'>, partition: string): string | undefined {
  const levels = partition.split('/');
  const expected = table.partitions.map((p) => p.name);
  const form = expected.map((name) => `${name}=…`).join('/');
  if (levels.length !== expected.length) return `this table's folders are ${form}`;
  for (const [i, level] of levels.entries()) {
    const [name, value = ''] = level.split(/=(.*)/s) as [string, string?];
    const rule = PARTITION_VALUES[name];
    if (name !== expected[i] || !rule) return `this table's folders are ${form}`;
    if (!rule.test(value)) return `${name}= holds ${rule.form}`;
  }
  return undefined;
}

/** A raw object whose folder is not a partition the archive writes: left out, with why. */
export interface StrayFolder {
  /** `raw/<folder>/appid=…/<partition>/response.json`. */
  readonly key: string;
  /** What the folder should be: "dt= holds a real day, YYYY-MM-DD". */
  readonly reason: string;
}

/** A listing with only the partitions the archive writes, and the others named. */
export function validPartitions(
  table: Pick<SqlTable, 'partitions' | 'folder'>,
  listing: RawListing,
): { readonly listing: RawListing; readonly strays: StrayFolder[] } {
  const strays: StrayFolder[] = [];
  let valid: Map<string, readonly string[]> | undefined;
  // Every app has the same few hundred partition names: each is judged once (a year of 1,000 apps
  // is 365,000 partitions, and judging each took a third of a second per query).
  const judged = new Map<string, string | undefined>();
  const problemOf = (partition: string) => {
    if (!judged.has(partition)) judged.set(partition, partitionProblem(table, partition));
    return judged.get(partition);
  };
  for (const [appid, partitions] of listing) {
    const kept = partitions.filter((partition) => {
      const reason = problemOf(partition);
      if (reason) strays.push({ key: rawKeyOf(table, appid, partition), reason });
      return !reason;
    });
    if (kept.length !== partitions.length) {
      valid ??= new Map(listing);
      valid.set(appid, kept);
    }
  }
  return { listing: valid ?? listing, strays };
}

/** The raw key of a table's partition. */
export const rawKeyOf = (table: Pick<SqlTable, 'folder'>, appid: string, partition: string) =>
  archiveKeys.raw(table.folder, appid, partition);

/** `raw/<folder>/appid=<id>/<partition>/response.json` → its appid and partition. */
export function parseRawKey(key: string): { folder: string; appid: string; partition: string } | undefined {
  const match = /^raw\/([^/]+)\/appid=([^/]+)\/(.+)\/response\.json$/.exec(key);
  return match ? { folder: match[1] as string, appid: match[2] as string, partition: match[3] as string } : undefined;
}

/**
 * What the current manifests of a table hold: which raw objects are compacted, in which month's
 * file. Built from the manifests' groups without expanding them (a year of 1,000 apps is 365,000
 * objects): counts per app at once, a group's partitions as a set only when asked.
 */
export class Coverage {
  private readonly counts = new Map<string, number>();
  private readonly byMonth = new Map<YearMonth, { manifest: Manifest; groupOf: Map<string, number> }>();
  private readonly heldBy = new Map<string, ReadonlySet<string>>();
  private readonly heldAlike = new Map<string, ReadonlySet<string>>();

  constructor(readonly manifests: readonly Manifest[]) {
    for (const manifest of manifests) {
      const groupOf = new Map<string, number>();
      manifest.sources.forEach((group, index) => {
        for (const appid of group.appids) {
          groupOf.set(appid, index);
          this.counts.set(appid, (this.counts.get(appid) ?? 0) + group.partitions.length);
        }
      });
      this.byMonth.set(manifest.month, { manifest, groupOf });
    }
  }

  /** How many raw objects of this app the files hold (in `under`, a first-level folder such as `days=7`, if given). */
  count(appid: string, under?: string): number {
    if (under === undefined) return this.counts.get(appid) ?? 0;
    let n = 0;
    for (const partition of this.held(appid)) if (partition.startsWith(`${under}/`)) n += 1;
    return n;
  }

  /** Every app with a raw object in the files. */
  appids(): IterableIterator<string> {
    return this.counts.keys();
  }

  covers(appid: string, partition: string): boolean {
    return this.held(appid).has(partition);
  }

  /**
   * Every partition of this app the files hold, as a set (a month's file holds only that month's
   * partitions, so one set answers for every month). Apps in the same groups every month share
   * one set: a year of 1,000 apps compacted alike is one set of 365, not 1,000.
   */
  held(appid: string): ReadonlySet<string> {
    const known = this.heldBy.get(appid);
    if (known) return known;
    const groups: number[] = [];
    for (const { groupOf } of this.byMonth.values()) groups.push(groupOf.get(appid) ?? -1);
    const alike = groups.join(',');
    let set = this.heldAlike.get(alike);
    if (!set) {
      const all = new Set<string>();
      let month = 0;
      for (const { manifest } of this.byMonth.values()) {
        const index = groups[month++] ?? -1;
        for (const partition of manifest.sources[index]?.partitions ?? []) all.add(partition);
      }
      set = all;
      this.heldAlike.set(alike, set);
    }
    this.heldBy.set(appid, set);
    return set;
  }

  /** The month's manifest, if the month is compacted. */
  manifest(month: YearMonth): Manifest | undefined {
    return this.byMonth.get(month)?.manifest;
  }

  /** The month's raw objects as a listing (appid → partitions). */
  listingOf(month: YearMonth): Map<string, string[]> {
    const entry = this.byMonth.get(month);
    const listing = new Map<string, string[]>();
    for (const group of entry?.manifest.sources ?? [])
      for (const appid of group.appids) listing.set(appid, [...group.partitions]);
    return listing;
  }

  /** Every partition any app has in a compacted file: what Athena reads from the curated table. */
  periods(): Set<string> {
    const all = new Set<string>();
    for (const { manifest } of this.byMonth.values())
      for (const group of manifest.sources) for (const p of group.partitions) all.add(p);
    return all;
  }
}
