import { readFile, stat } from 'node:fs/promises';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import pLimit from 'p-limit';
import {
  type CompactionEngine,
  DamagedMonthFileError,
  type MonthFile,
  type MonthFileRequest,
} from '../../curated/compaction-ports.js';
import type { StagedRaw } from '../../curated/curated-store.js';
import { bodyProblem } from '../../curated/damaged-body.js';
import { printable } from '../../shared/printable.js';
import { partitionColumns } from '../tables.js';
import { parquetProblem } from './damaged-parquet.js';
import { curatedColumns, flattened, readRawJson } from './raw-relation.js';

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The compaction's engine: DuckDB, in memory, reading the raw JSON exactly as `wxa-report query`
 * does (raw-relation.ts) and writing Parquet with zstd, sorted by app and period so a query for one
 * app reads few row groups.
 */
export class DuckDbCompactor implements CompactionEngine {
  private readonly io = pLimit(64);

  private constructor(private readonly connection: DuckDBConnection) {}

  static async open(): Promise<DuckDbCompactor> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(
      'CREATE TABLE wxa_sources (source_key VARCHAR, path VARCHAR, fetched_at VARCHAR, shape VARCHAR)',
    );
    await connection.run('CREATE TABLE wxa_drop (source_key VARCHAR)');
    return new DuckDbCompactor(connection);
  }

  async build(request: MonthFileRequest): Promise<MonthFile> {
    // A body that cannot be an answer (empty, not JSON, WeChat's error, an array) is left out before
    // DuckDB reads it: it would fail the whole read, or worse, read as a day without data.
    const unreadable: { key: string; reason: string }[] = [];
    const checked = await Promise.all(
      request.sources.map((source) =>
        this.io(async () => ({
          source,
          reason: bodyProblem(request.table, await readFile(source.path, 'utf8').catch((e: Error) => e)),
        })),
      ),
    );
    let sources: StagedRaw[] = [];
    for (const { source, reason } of checked) {
      if (reason) unreadable.push({ key: source.key, reason });
      else sources.push(source);
    }
    try {
      return { ...(await this.write(request, sources)), unreadable };
    } catch (error) {
      // The previous file damaged since it was written: the caller writes the month from raw/.
      const damaged = request.previous ? await parquetProblem(this.connection, request.previous) : undefined;
      if (damaged) throw new DamagedMonthFileError(damaged, { cause: error });
      // A field of the wrong type (`"visit_uv":"abc"`) fails the whole read: find those one file at a
      // time, leave them out, write the rest.
      const wrong: { key: string; reason: string }[] = [];
      for (const source of sources) {
        const reason = await this.unreadableByDuckDb(request, source);
        if (reason) wrong.push({ key: source.key, reason });
      }
      if (wrong.length === 0) throw error;
      unreadable.push(...wrong);
      const left = new Set(wrong.map((u) => u.key));
      sources = sources.filter((s) => !left.has(s.key));
      return { ...(await this.write(request, sources)), unreadable };
    }
  }

  /** Why DuckDB cannot read one body into the table's rows, or undefined when it can. */
  private async unreadableByDuckDb(request: MonthFileRequest, source: StagedRaw): Promise<string | undefined> {
    try {
      await this.connection.run(
        `SELECT count(*) FROM (${flattened(request.table, readRawJson(request.table, [source.path]))})`,
      );
      return undefined;
    } catch (error) {
      return wrongTypeReason((error as Error).message);
    }
  }

  private async write(
    request: MonthFileRequest,
    sources: readonly StagedRaw[],
  ): Promise<Omit<MonthFile, 'unreadable'>> {
    const { table } = request;
    await this.fill(sources, request.drop);
    const columns = curatedColumns(table)
      .map((c) => `"${c}"`)
      .join(', ');
    const parts: string[] = [];
    if (request.previous)
      parts.push(
        `SELECT ${columns} FROM read_parquet(${quote(request.previous)}, hive_partitioning = false) WHERE source_key NOT IN (SELECT source_key FROM wxa_drop)`,
      );
    if (sources.length > 0) {
      const joined = `(SELECT j.*, s.source_key AS source_key, s.fetched_at AS fetched_at, s.shape AS shape FROM ${readRawJson(
        table,
        sources.map((s) => s.path),
        true,
      )} AS j JOIN wxa_sources AS s ON s.path = j.filename)`;
      parts.push(flattened(table, joined, ['source_key', 'fetched_at', 'shape']));
    }
    const order = [...partitionColumns(table).map((c) => `"${c}"`), 'source_key'].join(', ');
    const rows = parts.length
      ? await this.connection.runAndReadAll(
          `COPY (SELECT * FROM (${parts.join(' UNION ALL ')}) ORDER BY ${order}) TO ${quote(request.out)} (FORMAT parquet, COMPRESSION zstd)`,
        )
      : undefined;
    const count = Number(rows?.getRows()[0]?.[0] ?? 0);
    return { rows: count, bytes: (await stat(request.out).catch(() => ({ size: 0 }))).size };
  }

  private async fill(sources: readonly StagedRaw[], drop: readonly string[]): Promise<void> {
    await this.connection.run('DELETE FROM wxa_sources');
    await this.connection.run('DELETE FROM wxa_drop');
    const appender = await this.connection.createAppender('wxa_sources');
    for (const s of sources) {
      appender.appendVarchar(s.key);
      appender.appendVarchar(s.path);
      if (s.fetchedAt === undefined) appender.appendNull();
      else appender.appendVarchar(s.fetchedAt);
      if (s.shape === undefined) appender.appendNull();
      else appender.appendVarchar(s.shape);
      appender.endRow();
    }
    appender.closeSync();
    const dropped = await this.connection.createAppender('wxa_drop');
    for (const key of drop) {
      dropped.appendVarchar(key);
      dropped.endRow();
    }
    dropped.closeSync();
  }

  close(): void {
    this.connection.closeSync();
  }
}

/** DuckDB's words for a body it cannot read, as the rest of a line naming the file. */
export function wrongTypeReason(message: string): string {
  // "Invalid Input Error: JSON transform error in file "…", in record/value 1: Failed to cast…": the file is named by the line already.
  const first = (message.split('\n')[0] ?? message).replace(/^.*?in file "[^"]*"(, in [^:]*)?: /, '');
  return `not an answer of this API: a field has the wrong type (${printable(first, { max: 200 })})`;
}
