import type { SqlTable } from '../sql/tables.js';
import type { Coverage, RawListing } from './curated-layout.js';

/** An object of the archive and when it was written (the store's clock: S3's, or the file system's). */
export interface StoredObject {
  readonly key: string;
  readonly lastModified: Date;
  /** Its length in bytes, as the listing gives it; undefined where the listing could not tell. */
  readonly size?: number;
  /** Its ETag, as the listing gives it (S3); undefined where the store has none (a local folder). */
  readonly etag?: string;
}

/** A raw object made readable as a local file, with the provenance recorded with it. */
export interface StagedRaw {
  readonly key: string;
  /** A local file with the object's bytes: the archive's own file, or a copy in the work folder. */
  readonly path: string;
  /** ISO 8601, as recorded with the answer; undefined when nothing was recorded. */
  readonly fetchedAt?: string;
  /** `https` or `cloud-call`; undefined when nothing was recorded. */
  readonly shape?: string;
}

/** The compaction lock: held (release it when done), or held by someone else until `until`. */
export type LockResult =
  | { readonly held: true; release(): Promise<void>; renew(): Promise<void> }
  | { readonly held: false; readonly owner: string; readonly until: string };

export class CompactionLockedError extends Error {
  override name = 'CompactionLockedError';
}

/**
 * The archive as the compaction and the local reader see it: its raw objects (listed, made readable
 * as files with their provenance), the notes of replaced answers, and the curated objects (read,
 * published, listed, deleted). A local folder, or S3.
 */
export interface CuratedStore {
  /** Where the archive is, for messages: a folder, or `s3://bucket/prefix`. */
  readonly location: string;
  /**
   * The raw objects of a table: appid → its partitions (each holds a `response.json`). `known` is
   * what the curated layer holds. With `settledOnly`, a store may skip listing what cannot have
   * changed since a whole listing it was told had settled (see `listingSettled`); without it, the
   * listing is whole.
   */
  listRaw(table: SqlTable, known?: Coverage, options?: { readonly settledOnly?: boolean }): Promise<RawListing>;
  /**
   * Says that the curated layer now holds exactly what the table's last whole listing found (every
   * month of it switched, none left for later): a later reader may trust folders unchanged since.
   */
  listingSettled(table: SqlTable): Promise<void>;
  /** The notes of replaced answers of a table's folder (`replaced/<folder>/…`). */
  listReplaced(table: SqlTable): Promise<readonly StoredObject[]>;
  /** Raw objects as local files with their provenance: in place, or downloaded into `workDir`. */
  stageRaw(keys: readonly string[], workDir: string): Promise<StagedRaw[]>;
  /** Removes what stageRaw or stageObject downloaded (never the archive's own files). */
  discard(paths: readonly string[]): Promise<void>;
  /** A small object's text (a manifest), or undefined when there is none. */
  readText(key: string): Promise<string | undefined>;
  /** An object's length in bytes (a stat, a HEAD), or undefined when it is not there. */
  sizeOf(key: string): Promise<number | undefined>;
  /**
   * What changes whenever an object's bytes are written again (its ETag; locally its inode, size and
   * mtime), or undefined when it is not there.
   */
  versionOf(key: string): Promise<string | undefined>;
  /** An object as a local file (in place, or downloaded into `workDir`); undefined when there is none. */
  stageObject(key: string, workDir: string): Promise<string | undefined>;
  /** Publishes a local file under a new key (never one that exists); resolves to its ETag where the store has one (S3). */
  putFile(key: string, path: string): Promise<string | undefined>;
  /** Replaces a small object at once: readers see the old one or the new one (a manifest is the switch). */
  putText(key: string, text: string): Promise<void>;
  /** The objects under a prefix (recursively). */
  list(prefix: string): Promise<readonly StoredObject[]>;
  delete(keys: readonly string[]): Promise<void>;
  /** How Athena names a curated file in a symlink list (`s3://…`), or undefined where Athena cannot read it. */
  athenaLocation(key: string): string | undefined;
  /** Takes the archive's compaction lock for `leaseMs`, unless another holder's lease is still running. */
  lock(owner: string, leaseMs: number): Promise<LockResult>;
  /** Releases the lock if `owner` holds it (a run stopped by a signal, before its own release). */
  unlock(owner: string): Promise<void>;
}
