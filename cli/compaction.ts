import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseS3Url } from '../lambda/archive/s3/s3-archive.js';
import type { IsoDate } from '../lambda/calendar/beijing-calendar.js';
import { GRACE_MS } from '../lambda/curated/curated-layout.js';
import { CompactionLockedError, type CuratedStore } from '../lambda/curated/curated-store.js';
import { damagedLine, locateIn, strayLine } from '../lambda/curated/left-out.js';
import type { CompactionProgress, CompactionResult } from '../lambda/pipeline/compact-archive.js';
import type { Logger } from '../lambda/shared/logger.js';
import { TOOL_VERSION } from '../lambda/shared/version.js';
import { CliError, type CliIo, EXIT_INTERRUPTED, EXIT_NOT_YET_AVAILABLE } from './cli-io.js';
import { s3ClientFrom } from './report-options.js';

export interface CliCompaction {
  readonly from?: IsoDate;
  readonly to?: IsoDate;
  readonly rebuild?: boolean;
  /** A bar (terminal) or lines at every tenth on stderr. @default none */
  readonly progress?: boolean;
}

/**
 * The compaction of a local or S3 archive with DuckDB, as the CLI runs it (`compact`, and `run` when
 * its config asks): a work folder of its own (inside a local archive, so new files are moved into
 * place, not copied), removed afterwards. Another compaction running is exit 75 (try later).
 */
export async function compactFromCli(
  io: CliIo,
  location: string,
  options: CliCompaction,
  logger: Logger,
): Promise<CompactionResult> {
  // Ctrl-C while DuckDB and the store are still being opened: nothing is started (no lock taken), but
  // it is said, and a work folder already made is removed.
  let opened: string | undefined;
  const early = (signal: NodeJS.Signals) => {
    if (opened) rmSync(opened, { recursive: true, force: true });
    io.stderr.write(`wxa-report: compact stopped (${signal}) before it began; nothing was written\n`);
    process.exit(EXIT_INTERRUPTED);
  };
  for (const signal of STOPPING_SIGNALS) process.once(signal, early);
  const [{ compactArchive }, { DuckDbCompactor }] = await Promise.all([
    import('../lambda/pipeline/compact-archive.js'),
    import('../lambda/sql/duckdb/duckdb-compactor.js'),
  ]);
  const { store, workDir } = await storeFor(io, location, logger).catch((error: unknown) => {
    for (const signal of STOPPING_SIGNALS) process.off(signal, early);
    throw error;
  });
  opened = workDir;
  const owner = `${hostname()}:${process.pid}`;
  const engine = await DuckDbCompactor.open().catch(async (error: unknown) => {
    for (const signal of STOPPING_SIGNALS) process.off(signal, early);
    await rm(workDir, { recursive: true, force: true });
    throw error;
  });
  const progress = options.progress ? await progressReporter(io) : undefined;
  // Ctrl-C or kill: the lock is given back at once (a later run, or the deployment's function, need
  // not wait for its lease) and the work folder removed. What is switched stays switched; a file
  // written but not switched is no manifest's, so no reader sees it (a later run deletes it).
  const onSignal = (signal: NodeJS.Signals) => {
    detach();
    progress?.stop();
    void store.unlock(owner).then(
      () => stopped(signal),
      () => stopped(signal),
    );
  };
  const stopped = (signal: NodeJS.Signals) => {
    // Downloads still in flight write into the work folder until the process ends: it is removed in
    // the same tick as the exit, so nothing can recreate it.
    rmSync(workDir, { recursive: true, force: true });
    io.stderr.write(
      `wxa-report: compact stopped (${signal}); nothing half-written is visible: ${
        options.rebuild
          ? 'run the same command again to rebuild what is left (a plain "wxa-report compact" does not go on with a rebuild)'
          : 'run it again to go on from where it stopped'
      }\n`,
    );
    process.exit(EXIT_INTERRUPTED);
  };
  const detach = () => {
    for (const signal of STOPPING_SIGNALS) process.off(signal, onSignal);
  };
  for (const signal of STOPPING_SIGNALS) {
    process.off(signal, early);
    process.once(signal, onSignal);
  }
  try {
    return await compactArchive(
      {
        store,
        engine,
        workDir,
        clock: io.clock,
        logger,
        toolVersion: TOOL_VERSION,
        owner,
      },
      { from: options.from, to: options.to, rebuild: options.rebuild, onProgress: progress?.update },
    );
  } catch (error) {
    if (error instanceof CompactionLockedError) throw new CliError(error.message, EXIT_NOT_YET_AVAILABLE);
    throw error;
  } finally {
    detach();
    progress?.stop();
    engine.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Signals that stop a compaction from its terminal or its supervisor: Ctrl-C, kill. */
const STOPPING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

async function storeFor(
  io: CliIo,
  location: string,
  logger: Logger,
): Promise<{ store: CuratedStore; workDir: string }> {
  if (location.startsWith('s3://')) {
    const { bucket, prefix } = parseS3Url(location);
    const { S3CuratedStore } = await import('../lambda/curated/s3/s3-curated-store.js');
    const store = new S3CuratedStore(s3ClientFrom(io), bucket, prefix);
    // As a local folder without raw/: an empty or mistyped prefix is said, not "nothing new".
    if (!(await store.hasRaw()))
      throw new CliError(
        `there is no archive at --archive ${location}: nothing is under ${location.replace(/\/+$/, '')}/raw/; give the s3://bucket/prefix the deployment (or "wxa-report daily --archive s3://…") archives into`,
      );
    return { store, workDir: await mkdtemp(join(tmpdir(), 'wxa-compact-')) };
  }
  const { LocalCuratedStore } = await import('../lambda/curated/local/local-curated-store.js');
  const root = resolve(io.cwd, location);
  await removeStaleWorkDirs(join(root, 'curated'), io.clock(), logger);
  const workDir = join(root, 'curated', `.work-${randomUUID()}`);
  await mkdir(workDir, { recursive: true });
  return { store: new LocalCuratedStore(root), workDir };
}

/**
 * Work folders of runs that were stopped hard (kill -9, a power cut) before they could remove their
 * own: removed once a day old, when no run can still be using one (a run renews its lease every month
 * file, and no month takes a day).
 */
async function removeStaleWorkDirs(curated: string, now: Date, logger: Logger): Promise<void> {
  const names = await readdir(curated).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith('.work-'))) {
    const path = join(curated, name);
    const modified = await stat(path).then(
      (s) => s.mtime.getTime(),
      () => Number.POSITIVE_INFINITY,
    );
    if (modified >= now.getTime() - GRACE_MS) continue;
    await rm(path, { recursive: true, force: true }).catch((error: Error) =>
      logger.warn(`${path} (a stopped compaction's work folder) could not be removed: ${error.message}`),
    );
  }
}

/** A bar on a terminal; elsewhere (cron, CI, a pipe) a plain line at every tenth. */
async function progressReporter(io: CliIo): Promise<{ update(p: CompactionProgress): void; stop(): void }> {
  if (io.terminal) {
    const { SingleBar, Presets } = await import('cli-progress');
    const bar = new SingleBar(
      {
        stream: io.terminal,
        format: 'compact [{bar}] {value}/{total} answers · {table} {month} · ETA {eta_formatted}',
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update: (p) => {
        if (!started) bar.start(p.total, 0, { table: p.table, month: p.month });
        started = true;
        bar.update(p.done, { table: p.table, month: p.month });
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let shown = 0;
  return {
    update(p) {
      const tenth = Math.floor((p.done * 10) / Math.max(1, p.total));
      if (p.total < 50 || tenth <= shown) return;
      shown = tenth;
      io.stderr.write(
        `compact: ${p.done}/${p.total} (${Math.round((p.done * 100) / p.total)}%) answers: ${p.table} ${p.month} written\n`,
      );
    },
    stop() {},
  };
}

/** One line: what the run did, or that nothing was new. `rebuild`: every answer was read again (said "rebuilt", not "replaced"). */
export function compactionSummary(result: CompactionResult, seconds: number, rebuild = false): string {
  const read = result.months.reduce((sum, m) => sum + m.read, 0);
  const replaced = result.months.reduce((sum, m) => sum + m.replaced, 0);
  const removed = result.removed ? `; ${result.removed} superseded file(s) removed` : '';
  const leftOut = result.unreadable.length + result.strays.length;
  if (result.months.length === 0)
    return leftOut
      ? `Nothing new to compact: the curated layer holds every raw answer that can be read; ${leftOut} left out (named above) (${result.files} month file(s))${removed}`
      : `Nothing new to compact: the curated layer holds every raw answer asked for (${result.files} month file(s))${removed}`;
  const written = result.months.filter((m) => m.file !== '');
  const tables = new Set(written.map((m) => m.table)).size;
  const gone = result.months.reduce((sum, m) => sum + m.removed, 0);
  const emptied = result.months.length - written.length;
  const notes = [
    replaced ? `${replaced} ${rebuild ? 'rebuilt' : 'replaced'}` : '',
    gone ? `${gone} removed from raw/ left out` : '',
  ].filter(Boolean);
  const left = emptied ? `; ${emptied} month(s) left the curated layer (every answer removed from raw/)` : '';
  return `Compacted ${read} answer(s)${notes.length ? ` (${notes.join(', ')})` : ''} into ${written.length} month file(s) of ${tables} table(s) in ${seconds.toFixed(1)} s${left}; the curated layer has ${result.files} month file(s)${removed}`;
}

/** In the order of their keys (table, app, period), whichever was met first. */
const byKey = (a: { readonly key: string }, b: { readonly key: string }) => a.key.localeCompare(b.key);

/**
 * A line per raw body that cannot be an answer, and per folder that is not a partition: where, and
 * what to do. `archive`: the archive as the command was given it (see archiveAt).
 */
export function leftOutLines(result: CompactionResult, archive: string): string[] {
  return [
    ...[...result.strays].sort(byKey).map((stray) => strayLine(stray, locateIn(archive))),
    ...[...result.unreadable].sort(byKey).map(({ key, reason }) => damagedLine(key, reason, archive)),
  ];
}

/** The archive, for messages and the commands they suggest: an s3:// URL, or the local folder's absolute path. */
export function archiveAt(location: string, io: CliIo): string {
  return location.startsWith('s3://') ? location.replace(/\/+$/, '') : resolve(io.cwd, location);
}
