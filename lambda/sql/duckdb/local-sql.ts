import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { tableLayers } from '../../curated/curated-layers.js';
import { PROVENANCE_COLUMNS } from '../../curated/curated-layout.js';
import { LocalCuratedStore } from '../../curated/local/local-curated-store.js';
import { partitionColumns, SQL_TABLES, type SqlTable } from '../tables.js';
import { curatedColumns, emptyRaw, flattened, HIVE_TYPES, rawGlob, readRawJson, viewColumns } from './raw-relation.js';

/** The DuckDB types of the curated columns, in order. */
const curatedTypes = (table: SqlTable) => [
  ...partitionColumns(table).map((p) => HIVE_TYPES[p] ?? 'VARCHAR'),
  ...table.columns.map(([, type]) => type.toUpperCase()),
  ...PROVENANCE_COLUMNS.map(() => 'VARCHAR'),
];

/** A query's answer: column names and JSON-safe rows. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

export class SqlQueryError extends Error {
  override name = 'SqlQueryError';
}

/**
 * Past this many raw objects still to read beside the curated files, a table is read from raw/ as a
 * whole instead (one glob rather than a list of paths): the same rows, and the curated layer would
 * save little.
 */
const MOST_PENDING = 50_000;

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function hasFiles(root: string, table: SqlTable): Promise<boolean> {
  return readdir(join(root, 'raw', table.folder)).then(
    (entries) => entries.some((e) => e.startsWith('appid=')),
    () => false,
  );
}

/** The files a table's rows come from when queried: the curated month files and the raw objects beside them. */
export interface TableFiles {
  readonly curated: number;
  /** Raw objects read, or `all` (the table's every raw object: nothing, or too little, is compacted). */
  readonly raw: number | 'all';
}

/** Whether a query names a view (a word of its own, in any case, quoted or not). */
const names = (sql: string, view: string) => new RegExp(`(^|[^A-Za-z0-9_])${view}($|[^A-Za-z0-9_])`, 'i').test(sql);

const jsonSafe = (value: unknown): unknown => {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
};

/**
 * SQL over a local archive with DuckDB, in memory: every table of SQL_TABLES as a view with the
 * names and columns Athena has. A table reads its compacted months from the curated Parquet files
 * and only the rest from the raw JSON (see curated-layers.ts): never a day missed, never one counted
 * twice. Beside it, `<table>_raw` (every raw body, as Athena's raw table) and `<table>_curated` (the
 * Parquet rows with their provenance: source_key, fetched_at, shape). Views are made when a query
 * first names them, so a query pays only for the tables it reads; nothing is copied.
 */
export class LocalSql {
  private readonly made = new Set<string>();
  private readonly files = new Map<string, TableFiles>();

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly root: string,
    private readonly warn: (message: string) => void,
  ) {}

  static async open(archiveRoot: string, options: { warn?: (message: string) => void } = {}): Promise<LocalSql> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    return new LocalSql(connection, resolve(archiveRoot), options.warn ?? (() => undefined));
  }

  async query(sql: string): Promise<QueryResult> {
    await this.prepare(sql);
    try {
      const reader = await this.connection.runAndReadAll(sql);
      const columns = reader.columnNames();
      const rows = reader.getRowObjects().map((row) => jsonSafe(row) as Record<string, unknown>);
      return { columns, rows };
    } catch (error) {
      throw new SqlQueryError((error as Error).message.split('\n')[0] ?? 'the query failed', { cause: error });
    }
  }

  /** How many files each table a query named read (after the query). */
  filesRead(): ReadonlyMap<string, TableFiles> {
    return this.files;
  }

  /** The views a query names (all of them when it names none: information_schema, SHOW TABLES…). */
  private async prepare(sql: string): Promise<void> {
    const named = SQL_TABLES.flatMap((t) =>
      [t.name, `${t.name}_raw`, `${t.name}_curated`].filter((view) => names(sql, view)),
    );
    const views = named.length ? named : SQL_TABLES.flatMap((t) => [t.name, `${t.name}_raw`, `${t.name}_curated`]);
    for (const view of views) {
      if (this.made.has(view)) continue;
      const table = SQL_TABLES.find((t) => view === t.name || view === `${t.name}_raw` || view === `${t.name}_curated`);
      if (!table) continue;
      await this.connection.run(`CREATE VIEW "${view}" AS ${await this.definition(table, view)}`);
      this.made.add(view);
    }
  }

  private async definition(table: SqlTable, view: string): Promise<string> {
    const store = new LocalCuratedStore(this.root);
    const present = await hasFiles(this.root, table);
    const wholeRaw = present ? readRawJson(table, rawGlob(this.root, table)) : emptyRaw(table);
    if (view === `${table.name}_raw`) return `SELECT * FROM ${wholeRaw}`;
    const layers = await tableLayers(store, table, this.warn);
    const files = (layers?.files ?? []).map((key) => join(this.root, key));
    const curated = files.length
      ? `read_parquet([${files.map(quote).join(', ')}], hive_partitioning = false)`
      : `(SELECT ${curatedColumns(table)
          .map((c, i) => `CAST(NULL AS ${curatedTypes(table)[i]}) AS "${c}"`)
          .join(', ')} WHERE false)`;
    if (view === `${table.name}_curated`) return `SELECT * FROM ${curated}`;
    if (!layers || layers.pending.length > MOST_PENDING) {
      this.files.set(table.name, { curated: 0, raw: present ? 'all' : 0 });
      return flattened(table, wholeRaw);
    }
    this.files.set(table.name, { curated: files.length, raw: layers.pending.length });
    const columns = viewColumns(table)
      .map((c) => `"${c}"`)
      .join(', ');
    const stale = layers.stale.length ? ` WHERE source_key NOT IN (${layers.stale.map(quote).join(', ')})` : '';
    const fromCurated = `SELECT ${columns} FROM ${curated}${stale}`;
    if (layers.pending.length === 0) return fromCurated;
    const pending = readRawJson(
      table,
      layers.pending.map((key) => join(this.root, key)),
    );
    return `${fromCurated} UNION ALL ${flattened(table, pending)}`;
  }

  close(): void {
    this.connection.closeSync();
  }
}
