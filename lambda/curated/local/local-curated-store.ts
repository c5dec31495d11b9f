import { copyFile, mkdir, readdir, readFile, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import pLimit from 'p-limit';
import { writeAtomically, writeOnce } from '../../shared/atomic-write.js';
import type { SqlTable } from '../../sql/tables.js';
import { type Coverage, curatedKeys, type RawListing } from '../curated-layout.js';
import type { CuratedStore, LockResult, StagedRaw, StoredObject } from '../curated-store.js';
import { diedHere, type LockHolder, lockHolderOf } from '../lock-holder.js';

const PARTITION = /^[a-z]+=[^/]+$/;
/** The coarsest mtime step of a file system an archive may sit on (FAT, some network shares: 2 s). */
const COARSEST_MTIME_MS = 2_000;

/**
 * The archive in a local folder, as the compaction and `wxa-report query` see it. Raw objects are
 * read in place, their provenance from the sidecars under `provenance/`.
 *
 * Listing a table's raw objects is one directory read per app. A partition the curated layer holds
 * is taken as listed without looking for its response.json (365,000 looks take seconds): an answer
 * removed by hand with its folder leaves every table at once; one removed from a folder that stays
 * is noticed by a `--rebuild` (which looks). Any other partition needs its response.json, else it
 * is a write in flight. A query (`settledOnly`) skips reading an app's folder whose entries have not changed
 * since the last whole listing the curated layer settled on (its mtime is older, by more than a
 * coarse file system's step) and that holds as many partitions as the layer (its link count is two
 * plus its subfolders): the same partitions. A count alone cannot tell one day removed and one
 * added from nothing changed; the mtime can. The compaction always reads every folder.
 */
export class LocalCuratedStore implements CuratedStore {
  readonly root: string;
  readonly location: string;
  private readonly io = pLimit(64);
  /** Owners whose lock this store gave back: not renewed since. */
  private readonly given = new Set<string>();
  private lockTurn: Promise<unknown> = Promise.resolve();
  /** When this store's last whole listing of each table began (ms since the epoch, the file system's clock). */
  private readonly wholeListingStarted = new Map<string, number>();

  constructor(root: string) {
    this.root = resolve(root);
    this.location = this.root;
  }

  async listRaw(
    table: SqlTable,
    known?: Coverage,
    options: { readonly settledOnly?: boolean } = {},
  ): Promise<RawListing> {
    const since = options.settledOnly && known ? await this.settledAt(table) : undefined;
    if (since === undefined) this.wholeListingStarted.set(table.name, Date.now());
    const base = join(this.root, 'raw', table.folder);
    const apps = (await readdirOrEmpty(base)).filter((name) => name.startsWith('appid='));
    const listing = new Map<string, string[]>();
    await Promise.all(
      apps.map((name) =>
        this.io(async () => {
          const appid = name.slice('appid='.length);
          const folder = join(base, name);
          const list = (path: string, under?: string) => this.partitions(path, appid, under, known, since);
          if (table.partitions.length === 1) {
            listing.set(appid, await list(folder));
            return;
          }
          const all: string[] = [];
          for (const level of (await readdirOrEmpty(folder)).filter((n) => PARTITION.test(n)))
            all.push(...(await list(join(folder, level), level)));
          listing.set(appid, all);
        }),
      ),
    );
    return listing;
  }

  async listingSettled(table: SqlTable): Promise<void> {
    const started = this.wholeListingStarted.get(table.name);
    if (started === undefined) return;
    await writeAtomically(
      this.pathOf(curatedKeys.settled(table.name)),
      `${JSON.stringify({ listingStartedAt: new Date(started).toISOString() })}
`,
    );
  }

  /** When the whole listing the curated layer of a table settled on began; undefined when unknown. */
  private async settledAt(table: SqlTable): Promise<number | undefined> {
    const text = await this.readText(curatedKeys.settled(table.name)).catch(() => undefined);
    try {
      const at = Date.parse((JSON.parse(text ?? '') as { listingStartedAt?: unknown }).listingStartedAt as string);
      return Number.isFinite(at) ? at : undefined;
    } catch {
      return undefined;
    }
  }

  /** The partitions of one app's folder (under a first level such as `days=7`, if given). */
  private async partitions(
    folder: string,
    appid: string,
    under: string | undefined,
    known: Coverage | undefined,
    settledSince: number | undefined,
  ) {
    const prefix = under === undefined ? '' : `${under}/`;
    if (known && settledSince !== undefined) {
      const expected = known.count(appid, under);
      const unchanged = await stat(folder).then(
        (s) => s.mtimeMs < settledSince - COARSEST_MTIME_MS && s.nlink - 2 === expected,
        () => false,
      );
      if (expected > 0 && unchanged) return [...known.held(appid)].filter((p) => p.startsWith(prefix));
    }
    const names = (await readdirOrEmpty(folder)).filter((n) => PARTITION.test(n));
    const present = await Promise.all(
      names.map((name) => known?.covers(appid, `${prefix}${name}`) || exists(join(folder, name, 'response.json'))),
    );
    return names.filter((_, i) => present[i]).map((name) => `${prefix}${name}`);
  }

  async listReplaced(table: SqlTable): Promise<readonly StoredObject[]> {
    return this.list(`replaced/${table.folder}/`);
  }

  async stageRaw(keys: readonly string[], _workDir?: string): Promise<StagedRaw[]> {
    return Promise.all(
      keys.map((key) =>
        this.io(async () => {
          const sidecar = this.pathOf(`provenance/${key.replace(/^raw\//, '')}.provenance.json`);
          const provenance = await readFile(sidecar, 'utf8').then(
            (text) => JSON.parse(text) as { fetchedAt?: unknown; shape?: unknown },
            () => ({}) as { fetchedAt?: unknown; shape?: unknown },
          );
          return {
            key,
            path: this.pathOf(key),
            ...(typeof provenance.fetchedAt === 'string' ? { fetchedAt: provenance.fetchedAt } : {}),
            // Sidecars written before the shape was recorded are WeChat's HTTPS answers.
            ...(typeof provenance.fetchedAt === 'string'
              ? { shape: typeof provenance.shape === 'string' ? provenance.shape : 'https' }
              : {}),
          };
        }),
      ),
    );
  }

  async discard(): Promise<void> {
    // Staged objects are the archive's own files: nothing was downloaded.
  }

  async readText(key: string): Promise<string | undefined> {
    return readFile(this.pathOf(key), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
  }

  sizeOf(key: string): Promise<number | undefined> {
    return stat(this.pathOf(key)).then(
      (s) => (s.isFile() ? s.size : undefined),
      () => undefined,
    );
  }

  versionOf(key: string): Promise<string | undefined> {
    // The archive replaces an answer by renaming a new file over it: a new inode, whatever the clock.
    return stat(this.pathOf(key), { bigint: true }).then(
      (s) => (s.isFile() ? `${s.ino}-${s.size}-${s.mtimeNs}` : undefined),
      () => undefined,
    );
  }

  async stageObject(key: string): Promise<string | undefined> {
    const path = this.pathOf(key);
    return (await exists(path)) ? path : undefined;
  }

  async putFile(key: string, path: string): Promise<undefined> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    await rename(path, target).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EXDEV') throw error;
      // Another file system (the work folder elsewhere): a copy, then a rename into place.
      await copyFile(path, `${target}.tmp`);
      await rename(`${target}.tmp`, target);
    });
    // A local file has no ETag: a damaged one of the right length is met by the reader that reads it.
    return undefined;
  }

  async putText(key: string, text: string): Promise<void> {
    await writeAtomically(this.pathOf(key), text);
  }

  async list(prefix: string): Promise<readonly StoredObject[]> {
    const folder = this.pathOf(prefix.replace(/\/$/, ''));
    const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
        throw error;
      },
    );
    const files = entries.filter((e) => e.isFile() && !e.name.endsWith('.tmp'));
    return Promise.all(
      files.map((e) =>
        this.io(async () => {
          const path = join(e.parentPath, e.name);
          const stats = await stat(path).catch(() => undefined);
          return {
            key: relative(this.root, path).split(sep).join('/'),
            lastModified: stats?.mtime ?? new Date(0),
            ...(stats ? { size: stats.size } : {}),
          };
        }),
      ),
    );
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const path = this.pathOf(key);
      await unlink(path).catch(() => undefined);
      // Notes live one per folder: leave no empty folders behind them.
      let folder = dirname(path);
      while (folder.startsWith(join(this.root, 'replaced') + sep)) {
        if (
          !(await rmdir(folder).then(
            () => true,
            () => false,
          ))
        )
          break;
        folder = dirname(folder);
      }
    }
  }

  athenaLocation(): string | undefined {
    return undefined;
  }

  async lock(owner: string, leaseMs: number): Promise<LockResult> {
    const path = this.pathOf(curatedKeys.lock);
    const holder = (until: number) =>
      `${JSON.stringify({ owner, host: hostname(), pid: process.pid, until: new Date(until).toISOString() })}\n`;
    let taken = await writeOnce(path, holder(Date.now() + leaseMs));
    if (!taken) {
      const current = await readLock(path);
      if (current && Date.parse(current.until) > Date.now() && !diedHere(current))
        return { held: false, owner: current.owner, until: current.until };
      // Its holder died (or overran its lease): take it over, then make sure no one else did at once.
      await writeAtomically(path, holder(Date.now() + leaseMs));
      taken = (await readLock(path))?.owner === owner;
      if (!taken) {
        const winner = await readLock(path);
        return { held: false, owner: winner?.owner ?? 'another compaction', until: winner?.until ?? '' };
      }
    }
    this.given.delete(owner);
    const ours = async () => !this.given.has(owner) && (await readLock(path))?.owner === owner;
    return {
      held: true,
      renew: () =>
        this.inTurn(async () => {
          if (await ours()) await writeAtomically(path, holder(Date.now() + leaseMs));
        }),
      release: () => this.unlock(owner),
    };
  }

  async unlock(owner: string): Promise<void> {
    const path = this.pathOf(curatedKeys.lock);
    // A renewal in flight (the compaction goes on while Ctrl-C gives the lock back) would write the
    // lock again after its removal: renewals and the removal take turns, and none renews after it.
    await this.inTurn(async () => {
      this.given.add(owner);
      if ((await readLock(path))?.owner === owner) await unlink(path).catch(() => undefined);
    });
  }

  /** Runs lock writes one after the other. */
  private inTurn(work: () => Promise<void>): Promise<void> {
    const turn = this.lockTurn.then(work, work);
    this.lockTurn = turn.catch(() => undefined);
    return turn;
  }

  private pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (path !== this.root && !path.startsWith(this.root + sep)) throw new Error(`"${key}" escapes ${this.root}`);
    return path;
  }
}

async function readLock(path: string): Promise<LockHolder | undefined> {
  try {
    return lockHolderOf(JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

async function readdirOrEmpty(folder: string): Promise<string[]> {
  return readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
