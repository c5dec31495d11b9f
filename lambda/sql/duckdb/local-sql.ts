import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import pLimit from 'p-limit';
import { tableLayers } from '../../curated/curated-layers.js';
import { PROVENANCE_COLUMNS, parseRawKey, partitionProblem } from '../../curated/curated-layout.js';
import { bodyProblem } from '../../curated/damaged-body.js';
import { damagedLine, shellWord, strayLine } from '../../curated/left-out.js';
import { LocalCuratedStore } from '../../curated/local/local-curated-store.js';
import { printable } from '../../shared/printable.js';
import { partitionColumns, SQL_TABLES, type SqlTable } from '../tables.js';
import { failedBeforeReading, parquetProblem, parquetReason } from './damaged-parquet.js';
import { wrongTypeReason } from './duckdb-compactor.js';
import { curatedColumns, emptyRaw, flattened, HIVE_TYPES, rawGlob, readRawJson, viewColumns } from './raw-relation.js';
import { readableValue } from './readable-values.js';

/** The DuckDB types of the curated columns, in order. */
const curatedTypes = (table: SqlTable) => [
  ...partitionColumns(table).map((p) => HIVE_TYPES[p] ?? 'VARCHAR'),
  ...table.columns.map(([, type]) => type.toUpperCase()),
  ...PROVENANCE_COLUMNS.map(() => 'VARCHAR'),
];

/** A query's answer: column names and rows of JSON values (see readable-values.ts). */
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
 * save little. Past it too, a table read from raw/ as a whole has its bodies read by DuckDB alone,
 * unchecked.
 */
const MOST_PENDING = 50_000;

/** How `LocalSql.open` is told to work. */
export interface LocalSqlOptions {
  /** Where each thing the query leaves out is named, once. @default nowhere */
  readonly warn?: (message: string) => void;
  /** Raw files a table reads checked one by one, at most (tests lower it). @default 50,000 */
  readonly mostPending?: number;
}

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

/**
 * The line for a table read from raw/ as a whole past `most` files: its bodies are not
 * checked one by one, so one that cannot be an answer is not named (the compaction names it).
 */
const uncheckedLine = (table: SqlTable, files: number, most: number, root: string) =>
  `${table.name} is read from its ${files.toLocaleString('en-US')} raw files as a whole (over ${most.toLocaleString('en-US')} not compacted), so a body among them that cannot be an answer (empty, WeChat's error answer, a JSON array) is not named; "wxa-report compact --archive ${shellWord(root)}" names each one (and makes this table's queries fast)`;

/** Whether a query names a view (a word of its own, in any case, quoted or not). */
const names = (sql: string, view: string) => new RegExp(`(^|[^A-Za-z0-9_])${view}($|[^A-Za-z0-9_])`, 'i').test(sql);

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
  /** Raw files DuckDB could not read (a field of the wrong type, not JSON): left out of every view since. */
  private readonly damaged = new Set<string>();
  /** Raw files whose body cannot be an answer (bodyProblem): left out of the tables, kept in `<table>_raw`. */
  private readonly notAnswers = new Set<string>();
  /** Curated month files the views read (local paths), and those met damaged (key → why): their months are read from raw/. */
  private readonly curatedRead = new Set<string>();
  private readonly damagedMonths = new Map<string, string>();
  private readonly warned = new Set<string>();
  private readonly warn: (message: string) => void;

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly root: string,
    warn: (message: string) => void,
    private readonly mostPending: number,
  ) {
    // Each thing is said once, however many views (a table, its _raw) meet it.
    this.warn = (message) => {
      if (this.warned.has(message)) return;
      this.warned.add(message);
      warn(message);
    };
  }

  static async open(archiveRoot: string, options: LocalSqlOptions = {}): Promise<LocalSql> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    return new LocalSql(
      connection,
      resolve(archiveRoot),
      options.warn ?? (() => undefined),
      options.mostPending ?? MOST_PENDING,
    );
  }

  async query(sql: string): Promise<QueryResult> {
    for (;;) {
      try {
        // Making a view reads raw files too (DuckDB samples them for their columns): a body it cannot
        // read fails there as it does in the query.
        await this.prepare(sql);
        const reader = await this.connection.runAndReadAll(sql);
        const columns = reader.columnNames();
        const rows = reader.convertRowObjects(readableValue);
        return { columns, rows };
      } catch (error) {
        // A raw body DuckDB cannot read fails the whole query: it is named, left out, and the query asked again.
        if (await this.leaveOut((error as Error).message)) continue;
        // So does a damaged month file: its month is read from raw/ instead.
        if (await this.leaveOutMonthFiles((error as Error).message)) continue;
        throw new SqlQueryError(printable((error as Error).message.split('\n')[0] ?? 'the query failed'), {
          cause: error,
        });
      }
    }
  }

  /**
   * Whether a failed read was a curated month file's fault (the one DuckDB names, else each one the
   * views read, read through on its own): then each such file is left out (named when the views are
   * made again, with its month read from raw/) and the views are made again.
   */
  private async leaveOutMonthFiles(message: string): Promise<boolean> {
    if (failedBeforeReading(message)) return false;
    const suspects = [...this.curatedRead].filter((path) => !this.damagedMonths.has(this.keyOf(path)));
    const named = suspects.filter((path) => message.includes(path));
    const found: [string, string][] = named.map((path) => [path, parquetReason(message, path)]);
    if (found.length === 0)
      for (const path of suspects) {
        const reason = await parquetProblem(this.connection, path);
        if (reason) found.push([path, reason]);
      }
    if (found.length === 0) return false;
    for (const [path, reason] of found) this.damagedMonths.set(this.keyOf(path), reason);
    await this.dropViews();
    return true;
  }

  private keyOf(path: string): string {
    return relative(this.root, path).split(sep).join('/');
  }

  private async dropViews(): Promise<void> {
    for (const view of this.made) await this.connection.run(`DROP VIEW IF EXISTS "${view}"`);
    this.made.clear();
    this.curatedRead.clear();
  }

  /** Whether DuckDB's error names a raw file of the archive not left out yet: then it is, and the views are made again. */
  private async leaveOut(message: string): Promise<boolean> {
    const file = /in file "([^"]+)"/.exec(message)?.[1];
    if (!file || this.damaged.has(file) || !file.startsWith(join(this.root, 'raw') + sep)) return false;
    const key = relative(this.root, file).split(sep).join('/');
    const table = SQL_TABLES.find((t) => t.folder === parseRawKey(key)?.folder);
    const text = await readFile(file, 'utf8').catch((e: Error) => e);
    const reason = (table && bodyProblem(table, text)) ?? wrongTypeReason(message);
    this.damaged.add(file);
    this.warn(damagedLine(key, reason, this.root, 'this query'));
    await this.dropViews();
    return true;
  }

  /**
   * The files of raw keys not compacted yet that can be answers: as the compaction does, a body that
   * cannot (empty, WeChat's error, an array) is named and left out rather than read as no data.
   */
  private async answers(table: SqlTable, keys: readonly string[]): Promise<string[]> {
    const limit = pLimit(64);
    const checked = await Promise.all(
      keys.map((key) =>
        limit(async () => {
          const file = join(this.root, key);
          if (this.damaged.has(file) || this.notAnswers.has(file)) return { key };
          const reason = bodyProblem(table, await readFile(file, 'utf8').catch((e: Error) => e));
          return reason ? { key, reason } : { key, file };
        }),
      ),
    );
    // Named in the order of their keys (app, then period), whichever read ended first.
    for (const { key, reason } of [...checked].sort((a, b) => a.key.localeCompare(b.key))) {
      if (reason === undefined) continue;
      this.notAnswers.add(join(this.root, key));
      this.warn(damagedLine(key, reason, this.root, 'this query'));
    }
    return checked.flatMap(({ file }) => (file === undefined ? [] : [file]));
  }

  /**
   * A table's raw files as DuckDB reads them: the glob, or, when some are in folders that are not
   * partitions (`dt=junk`, named) or were met damaged, the list of the others. With `answersOnly`
   * (the table's view, not `<table>_raw`), each body is checked as answers() does, up to
   * `mostPending` files; past that the glob is read unchecked (reading 365,000 bodies twice would
   * cost minutes), and that is said once.
   */
  private async rawFiles(table: SqlTable, answersOnly: boolean): Promise<string | readonly string[]> {
    const glob = rawGlob(this.root, table);
    const found = (await this.connection.runAndReadAll(`SELECT file FROM glob(${quote(glob)})`))
      .getRows()
      .map((row) => String(row[0]));
    const kept = found
      .map((file) => ({ file, key: relative(this.root, file).split(sep).join('/') }))
      .filter(({ file, key }) => {
        const reason = partitionProblem(table, parseRawKey(key)?.partition ?? '');
        if (reason) this.warn(strayLine({ key, reason }, (k) => join(this.root, k)));
        return !reason && !this.damaged.has(file);
      });
    // Decided on the files listed, not those kept: a body left out on the way does not change it.
    const checked = answersOnly && found.length <= this.mostPending;
    if (answersOnly && !checked) this.warn(uncheckedLine(table, found.length, this.mostPending, this.root));
    const files = checked
      ? await this.answers(
          table,
          kept.map(({ key }) => key),
        )
      : kept.map(({ file }) => file);
    return files.length === found.length ? glob : files;
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
    // Listed only where every raw file is read: a compacted table never walks its 365,000 raw folders.
    const wholeRaw = async (answersOnly: boolean) => {
      const files = (await hasFiles(this.root, table)) ? await this.rawFiles(table, answersOnly) : [];
      return { present: files.length > 0, relation: files.length > 0 ? readRawJson(table, files) : emptyRaw(table) };
    };
    if (view === `${table.name}_raw`) return `SELECT * FROM ${(await wholeRaw(false)).relation}`;
    const layers = await tableLayers(store, table, this.warn, this.damagedMonths);
    const parquet = (layers?.files ?? []).map((key) => join(this.root, key));
    for (const path of parquet) this.curatedRead.add(path);
    const curated = parquet.length
      ? `read_parquet([${parquet.map(quote).join(', ')}], hive_partitioning = false)`
      : `(SELECT ${curatedColumns(table)
          .map((c, i) => `CAST(NULL AS ${curatedTypes(table)[i]}) AS "${c}"`)
          .join(', ')} WHERE false)`;
    if (view === `${table.name}_curated`) return `SELECT * FROM ${curated}`;
    if (!layers || layers.pending.length > this.mostPending) {
      const raw = await wholeRaw(true);
      this.files.set(table.name, { curated: 0, raw: raw.present ? 'all' : 0 });
      return flattened(table, raw.relation);
    }
    const pendingFiles = await this.answers(table, layers.pending);
    this.files.set(table.name, { curated: parquet.length, raw: pendingFiles.length });
    const columns = viewColumns(table)
      .map((c) => `"${c}"`)
      .join(', ');
    const stale = layers.stale.length ? ` WHERE source_key NOT IN (${layers.stale.map(quote).join(', ')})` : '';
    const fromCurated = `SELECT ${columns} FROM ${curated}${stale}`;
    if (pendingFiles.length === 0) return fromCurated;
    const pending = readRawJson(table, pendingFiles);
    return `${fromCurated} UNION ALL ${flattened(table, pending)}`;
  }

  close(): void {
    this.connection.closeSync();
  }
}
