import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseS3Url } from '../lambda/archive/s3/s3-archive.js';
import type { IsoDate } from '../lambda/calendar/beijing-calendar.js';
import { damagedLine, strayLine } from '../lambda/curated/left-out.js';
import { CompactionLockedError, type CuratedStore } from '../lambda/curated/curated-store.js';
import type { CompactionProgress, CompactionResult } from '../lambda/pipeline/compact-archive.js';
import type { Logger } from '../lambda/shared/logger.js';
import { TOOL_VERSION } from '../lambda/shared/version.js';
import { CliError, type CliIo, EXIT_NOT_YET_AVAILABLE } from './cli-io.js';
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
  const [{ compactArchive }, { DuckDbCompactor }] = await Promise.all([
    import('../lambda/pipeline/compact-archive.js'),
    import('../lambda/sql/duckdb/duckdb-compactor.js'),
  ]);
  const { store, workDir } = await storeFor(io, location);
  const engine = await DuckDbCompactor.open();
  const progress = options.progress ? await progressReporter(io) : undefined;
  try {
    return await compactArchive(
      {
        store,
        engine,
        workDir,
        clock: io.clock,
        logger,
        toolVersion: TOOL_VERSION,
        owner: `${hostname()}:${process.pid}`,
      },
      { from: options.from, to: options.to, rebuild: options.rebuild, onProgress: progress?.update },
    );
  } catch (error) {
    if (error instanceof CompactionLockedError) throw new CliError(error.message, EXIT_NOT_YET_AVAILABLE);
    throw error;
  } finally {
    progress?.stop();
    engine.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function storeFor(io: CliIo, location: string): Promise<{ store: CuratedStore; workDir: string }> {
  if (location.startsWith('s3://')) {
    const { bucket, prefix } = parseS3Url(location);
    const { S3CuratedStore } = await import('../lambda/curated/s3/s3-curated-store.js');
    return {
      store: new S3CuratedStore(s3ClientFrom(io), bucket, prefix),
      workDir: await mkdtemp(join(tmpdir(), 'wxa-compact-')),
    };
  }
  const { LocalCuratedStore } = await import('../lambda/curated/local/local-curated-store.js');
  const root = resolve(io.cwd, location);
  const workDir = join(root, 'curated', `.work-${randomUUID()}`);
  await mkdir(workDir, { recursive: true });
  return { store: new LocalCuratedStore(root), workDir };
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

/** One line: what the run did, or that nothing was new. */
export function compactionSummary(result: CompactionResult, seconds: number): string {
  const read = result.months.reduce((sum, m) => sum + m.read, 0);
  const replaced = result.months.reduce((sum, m) => sum + m.replaced, 0);
  const removed = result.removed ? `; ${result.removed} superseded file(s) removed` : '';
  if (result.months.length === 0)
    return `Nothing new to compact: the curated layer holds every raw answer asked for (${result.files} month file(s))${removed}`;
  const tables = new Set(result.months.map((m) => m.table)).size;
  return `Compacted ${read} answer(s)${replaced ? ` (${replaced} replaced)` : ''} into ${result.months.length} month file(s) of ${tables} table(s) in ${seconds.toFixed(1)} s; the curated layer has ${result.files} month file(s)${removed}`;
}

/** A line per raw body that cannot be an answer, and per folder that is not a partition: where, and what to do. */
export function leftOutLines(result: CompactionResult, locate: (key: string) => string): string[] {
  return [
    ...result.strays.map((stray) => strayLine(stray, locate)),
    ...result.unreadable.map(({ key, reason }) => damagedLine(key, reason, locate)),
  ];
}

/** Where a key of the archive is, for messages. */
export function locateIn(location: string, io: CliIo): (key: string) => string {
  if (location.startsWith('s3://')) return (key) => `${location.replace(/\/+$/, '')}/${key}`;
  return (key) => join(resolve(io.cwd, location), key);
}
