import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckType, partitionColumns, SQL_TABLES, type SqlTable, withCloudNames } from '../tables.js';

/** A query's answer: column names and JSON-safe rows. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

export class SqlQueryError extends Error {
  override name = 'SqlQueryError';
}

const HIVE_TYPES: Record<string, string> = {
  appid: 'VARCHAR',
  dt: 'VARCHAR',
  week: 'VARCHAR',
  month: 'VARCHAR',
  days: 'INTEGER',
};

/** The files of one table: every `response.json` under its partitions. */
function glob(root: string, table: SqlTable): string {
  return join(root, 'raw', table.folder, 'appid=*', ...table.partitions.map((p) => `${p.name}=*`), 'response.json');
}

async function hasFiles(root: string, table: SqlTable): Promise<boolean> {
  return readdir(join(root, 'raw', table.folder)).then(
    (entries) => entries.some((e) => e.startsWith('appid=')),
    () => false,
  );
}

/** The raw table of one API: its JSON bodies with the partitions from the path, as Athena reads them. */
function rawView(root: string, table: SqlTable, present: boolean): string {
  const partitions = partitionColumns(table);
  if (!present) {
    // No file yet: an empty table with the same columns, so queries work on a new archive too.
    const columns = [
      ...partitions.map((p) => `CAST(NULL AS ${HIVE_TYPES[p] ?? 'VARCHAR'}) AS "${p}"`),
      ...withCloudNames(table.body, 'duckdb').map(([name, type]) => `CAST(NULL AS ${duckType(type)}) AS "${name}"`),
    ];
    return `CREATE VIEW "${table.name}_raw" AS SELECT ${columns.join(', ')} WHERE false`;
  }
  // Both spellings: a body in the cloud call's shape (camelCase) fills the other half.
  const columns = withCloudNames(table.body, 'duckdb')
    .map(([name, type]) => `'${name}': '${duckType(type)}'`)
    .join(', ');
  const hiveTypes = partitions.map((p) => `'${p}': '${HIVE_TYPES[p] ?? 'VARCHAR'}'`).join(', ');
  const path = glob(root, table).replaceAll("'", "''");
  return `CREATE VIEW "${table.name}_raw" AS SELECT * FROM read_json('${path}', format = 'auto', hive_partitioning = true, hive_types = {${hiveTypes}}, columns = {${columns}})`;
}

/** The table users query: partitions first, then the flattened rows. */
function flatView(table: SqlTable): string {
  const { columns, from } = table.select('duckdb');
  const partitions = partitionColumns(table)
    .map((p) => `raw."${p}" AS "${p}"`)
    .join(', ');
  return `CREATE VIEW "${table.name}" AS SELECT ${partitions}, ${columns} FROM "${table.name}_raw" AS raw ${from}`;
}

const jsonSafe = (value: unknown): unknown => {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
};

/**
 * SQL over a local archive with DuckDB, in memory: every table of SQL_TABLES as a view over the
 * raw files, with the names and columns Athena has. Nothing is copied; the files are read per query.
 */
export class LocalSql {
  private constructor(private readonly connection: DuckDBConnection) {}

  static async open(archiveRoot: string): Promise<LocalSql> {
    const root = resolve(archiveRoot);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    for (const table of SQL_TABLES) {
      await connection.run(rawView(root, table, await hasFiles(root, table)));
      await connection.run(flatView(table));
    }
    return new LocalSql(connection);
  }

  async query(sql: string): Promise<QueryResult> {
    try {
      const reader = await this.connection.runAndReadAll(sql);
      const columns = reader.columnNames();
      const rows = reader.getRowObjects().map((row) => jsonSafe(row) as Record<string, unknown>);
      return { columns, rows };
    } catch (error) {
      throw new SqlQueryError((error as Error).message.split('\n')[0] ?? 'the query failed', { cause: error });
    }
  }

  close(): void {
    this.connection.closeSync();
  }
}
