import { join } from 'node:path';
import { PROVENANCE_COLUMNS } from '../../curated/curated-layout.js';
import { duckType, partitionColumns, type SqlTable, withCloudNames } from '../tables.js';

// How DuckDB reads the archive's raw JSON bodies: the same for `wxa-report query` (a view over the
// files) and the compaction (the same rows, written to Parquet), so both give one table the same rows.

/** The partition columns' types, as Athena's partition projection has them. */
export const HIVE_TYPES: Record<string, string> = {
  appid: 'VARCHAR',
  dt: 'VARCHAR',
  week: 'VARCHAR',
  month: 'VARCHAR',
  days: 'INTEGER',
};

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Every `response.json` of a table under an archive root, as a glob. */
export function rawGlob(root: string, table: SqlTable): string {
  return join(root, 'raw', table.folder, 'appid=*', ...table.partitions.map((p) => `${p.name}=*`), 'response.json');
}

/**
 * The raw table of one API over some of its files (a glob or a list of paths): its JSON bodies with
 * the partitions from the path, as Athena reads them. Both spellings of each field: a body in the
 * cloud call's shape (camelCase) fills the other half. `filename` adds the path of each row's file.
 */
export function readRawJson(table: SqlTable, files: string | readonly string[], filename = false): string {
  const columns = withCloudNames(table.body, 'duckdb')
    .map(([name, type]) => `'${name}': '${duckType(type)}'`)
    .join(', ');
  const hiveTypes = partitionColumns(table)
    .map((p) => `'${p}': '${HIVE_TYPES[p] ?? 'VARCHAR'}'`)
    .join(', ');
  const source = typeof files === 'string' ? quote(files) : `[${files.map(quote).join(', ')}]`;
  return `read_json(${source}, format = 'auto', hive_partitioning = true, hive_types = {${hiveTypes}}, columns = {${columns}}${filename ? ', filename = true' : ''})`;
}

/** The raw table of an API with no file yet: the same columns, no rows (so queries work on a new archive). */
export function emptyRaw(table: SqlTable): string {
  const columns = [
    ...partitionColumns(table).map((p) => `CAST(NULL AS ${HIVE_TYPES[p] ?? 'VARCHAR'}) AS "${p}"`),
    ...withCloudNames(table.body, 'duckdb').map(([name, type]) => `CAST(NULL AS ${duckType(type)}) AS "${name}"`),
  ];
  return `(SELECT ${columns.join(', ')} WHERE false)`;
}

/** The columns users query, in order: the partitions, then the table's columns. */
export const viewColumns = (table: SqlTable) => [...partitionColumns(table), ...table.columns.map(([name]) => name)];

/**
 * The rows users query, from a raw relation (`raw`'s columns: the body and the partitions, plus
 * `extra` passed through): the partitions first, then the flattened rows.
 */
export function flattened(table: SqlTable, rawRelation: string, extra: readonly string[] = []): string {
  const { columns, from } = table.select('duckdb');
  const partitions = partitionColumns(table)
    .map((p) => `raw."${p}" AS "${p}"`)
    .join(', ');
  const passed = extra.map((name) => `, raw."${name}" AS "${name}"`).join('');
  return `SELECT ${partitions}, ${columns}${passed} FROM ${rawRelation} AS raw ${from}`;
}

/** The curated columns: the view's, then the provenance. */
export const curatedColumns = (table: SqlTable) => [...viewColumns(table), ...PROVENANCE_COLUMNS.map(([name]) => name)];
