import { readFile, stat } from 'node:fs/promises';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { CompactionEngine, MonthFile, MonthFileRequest } from '../../curated/compaction-ports.js';
import type { StagedRaw } from '../../curated/curated-store.js';
import { partitionColumns } from '../tables.js';
import { curatedColumns, flattened, readRawJson } from './raw-relation.js';

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The compaction's engine: DuckDB, in memory, reading the raw JSON exactly as `wxa-report query`
 * does (raw-relation.ts) and writing Parquet with zstd, sorted by app and period so a query for one
 * app reads few row groups.
 */
export class DuckDbCompactor implements CompactionEngine {
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
    const unreadable: { key: string; reason: string }[] = [];
    let sources = request.sources;
    try {
      return { ...(await this.write(request, sources)), unreadable };
    } catch (error) {
      // One body that is not JSON fails the whole read: find those, leave them out, write the rest.
      for (const source of sources) {
        const reason = await notJson(source.path);
        if (reason) unreadable.push({ key: source.key, reason });
      }
      if (unreadable.length === 0) throw error;
      const left = new Set(unreadable.map((u) => u.key));
      sources = sources.filter((s) => !left.has(s.key));
      return { ...(await this.write(request, sources)), unreadable };
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

async function notJson(path: string): Promise<string | undefined> {
  try {
    JSON.parse(await readFile(path, 'utf8'));
    return undefined;
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
}
