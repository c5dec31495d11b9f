import { addDays, addMonths } from '../../calendar/beijing-calendar.js';
import { PROVENANCE_COLUMNS } from '../../curated/curated-layout.js';
import { hiveType, type Partition, partitionColumns, type SqlTable, withCloudNames } from '../tables.js';

// The Glue definitions of the archive's tables, in one place, for the CDK construct (the template)
// and the compaction function (which points each view at what is compacted): what Athena reads for
// each API (a raw table over its JSON bodies, with partition projection; a curated table over its
// Parquet files, through a symlink list), and the view that joins them. The tables themselves
// (names, columns, partitions) are lambda/sql/tables.ts, shared with DuckDB.

/** A Glue table definition, in CloudFormation's (CDK's) spelling; `toGlueApi` gives the SDK's. */
export interface GlueTableInput {
  readonly name: string;
  readonly description: string;
  readonly tableType: 'EXTERNAL_TABLE' | 'VIRTUAL_VIEW';
  readonly parameters: Record<string, string>;
  // Mutable arrays, as CDK's CfnTable types them.
  readonly partitionKeys?: { name: string; type: string }[];
  readonly storageDescriptor: {
    readonly location?: string;
    readonly columns: { name: string; type: string }[];
    readonly inputFormat?: string;
    readonly outputFormat?: string;
    readonly serdeInfo?: { readonly serializationLibrary: string };
  };
  readonly viewOriginalText?: string;
  readonly viewExpandedText?: string;
}

const PRESTO_TYPES: Record<string, string> = {
  appid: 'varchar',
  dt: 'varchar',
  week: 'varchar',
  month: 'varchar',
  days: 'integer',
};
const HIVE_TYPES: Record<string, string> = { varchar: 'string', integer: 'int', bigint: 'bigint', double: 'double' };

/** The partition projection of a table: Athena computes partitions from these, no crawler or MSCK REPAIR. */
function projection(table: SqlTable, location: string): Record<string, string> {
  const parameters: Record<string, string> = {
    'projection.enabled': 'true',
    // The AppID comes from the query: `WHERE appid = 'wx…'` or `appid IN (…)`.
    'projection.appid.type': 'injected',
    'storage.location.template': `${location}${partitionColumns(table)
      .map((p) => `${p}=\${${p}}`)
      .join('/')}`,
    classification: 'json',
  };
  for (const { name, projection: p } of table.partitions) {
    if (typeof p === 'object') {
      parameters[`projection.${name}.type`] = 'enum';
      parameters[`projection.${name}.values`] = p.values.join(',');
    } else {
      parameters[`projection.${name}.type`] = 'date';
      parameters[`projection.${name}.format`] = p === 'month' ? 'yyyy-MM' : 'yyyy-MM-dd';
      // Weeks are named by their Monday: 2020-01-06 was one.
      parameters[`projection.${name}.range`] =
        p === 'month' ? '2020-01,NOW' : p === 'week' ? '2020-01-06,NOW' : '2020-01-01,NOW';
      parameters[`projection.${name}.interval`] = p === 'week' ? '7' : '1';
      parameters[`projection.${name}.interval.unit`] = p === 'month' ? 'MONTHS' : 'DAYS';
    }
  }
  return parameters;
}

/**
 * The raw table of an API: its JSON bodies under `location` (`s3://bucket/<prefix>raw/<folder>/`),
 * each field under both spellings (the cloud call's camelCase too, matched case-insensitively).
 */
export function rawTableInput(table: SqlTable, location: string): GlueTableInput {
  return {
    name: `${table.name}_raw`,
    description: `${table.folder}: the raw JSON bodies, as WeChat sent them`,
    tableType: 'EXTERNAL_TABLE',
    parameters: projection(table, location),
    partitionKeys: partitionColumns(table).map((p) => ({
      name: p,
      type: HIVE_TYPES[PRESTO_TYPES[p] ?? 'varchar'] as string,
    })),
    storageDescriptor: {
      location,
      columns: withCloudNames(table.body, 'athena').map(([name, type]) => ({ name, type: hiveType(type) })),
      inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
    },
  };
}

/** The view's columns: the partitions, then the table's, with their Presto types. */
const viewColumns = (table: SqlTable) => [
  ...partitionColumns(table).map((p) => [p, PRESTO_TYPES[p] ?? 'varchar'] as const),
  ...table.columns,
];

/**
 * The curated table of an API: its Parquet month files, as the symlink list under `location`
 * (`s3://bucket/<prefix>curated/<table>/_symlink/`) names them (Hive's SymlinkTextInputFormat, as
 * Athena reads Delta Lake's manifests): the compaction replaces that one object to switch files.
 * The view's columns, then the provenance (source_key, fetched_at, shape).
 */
export function curatedTableInput(table: SqlTable, location: string): GlueTableInput {
  return {
    name: `${table.name}_curated`,
    description: `${table.name}, compacted: Parquet month files with each row's raw object, fetch time and shape`,
    tableType: 'EXTERNAL_TABLE',
    parameters: { classification: 'parquet' },
    storageDescriptor: {
      location,
      columns: [...viewColumns(table), ...PROVENANCE_COLUMNS].map(([name, type]) => ({
        name,
        type: HIVE_TYPES[type] ?? 'string',
      })),
      inputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    },
  };
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The next period of a projection (the day after, the week after, the month after). */
function nextPeriod(kind: Partition['projection'], value: string): string | undefined {
  if (kind === 'date') return addDays(value, 1);
  if (kind === 'week') return addDays(value, 7);
  if (kind === 'month') return addMonths(value, 1);
  return undefined;
}

/** `column` is one of `values`: runs of consecutive periods as ranges, the rest listed. */
function oneOf(column: string, partition: Partition, values: readonly string[]): string {
  const sorted = [...new Set(values)].sort();
  const terms: string[] = [];
  const single: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && nextPeriod(partition.projection, sorted[j] as string) === sorted[j + 1]) j += 1;
    if (j - i >= 2) terms.push(`${column} BETWEEN ${quote(sorted[i] as string)} AND ${quote(sorted[j] as string)}`);
    else single.push(...sorted.slice(i, j + 1));
    i = j + 1;
  }
  const integers = typeof partition.projection === 'object';
  if (single.length) terms.push(`${column} IN (${single.map((v) => (integers ? v : quote(v))).join(', ')})`);
  return terms.length > 1 ? `(${terms.join(' OR ')})` : (terms[0] ?? 'false');
}

/**
 * Whether a row's period is compacted, as SQL over its partition columns (prefixed with `alias.`),
 * from the compacted partitions (`dt=2026-10-01`, `days=7/dt=2026-10-07`): ranges of consecutive
 * periods, so a year is a clause or two. Valid in Athena and DuckDB alike; `false` for none.
 */
export function compactedPeriods(table: SqlTable, periods: ReadonlySet<string>, alias: string): string {
  if (periods.size === 0) return 'false';
  const column = (p: Partition) => `${alias}."${p.name}"`;
  const [first, second] = table.partitions as [Partition, Partition | undefined];
  if (!second)
    return oneOf(
      column(first),
      first,
      [...periods].map((p) => p.slice(first.name.length + 1)),
    );
  // Two levels (the portrait's window length, then its last day): one clause per first-level value.
  const byFirst = new Map<string, string[]>();
  for (const period of periods) {
    const [outer, inner] = period.split('/') as [string, string];
    const values = byFirst.get(outer.slice(first.name.length + 1)) ?? [];
    values.push(inner.slice(second.name.length + 1));
    byFirst.set(outer.slice(first.name.length + 1), values);
  }
  const clauses = [...byFirst]
    .sort(([a], [b]) => (typeof first.projection === 'object' ? Number(a) - Number(b) : a.localeCompare(b)))
    .map(
      ([value, values]) =>
        `(${column(first)} = ${typeof first.projection === 'object' ? value : quote(value)} AND ${oneOf(column(second), second, values)})`,
    );
  return clauses.length > 1 ? `(${clauses.join(' OR ')})` : (clauses[0] as string);
}

/** An Athena (Presto) view stored in Glue: the SQL and its columns, encoded as Athena expects. */
function prestoView(database: string, table: SqlTable, periods: ReadonlySet<string>) {
  const { columns, from } = table.select('athena');
  const partitions = partitionColumns(table);
  const fromRaw = `SELECT ${partitions.map((p) => `raw."${p}" AS "${p}"`).join(', ')}, ${columns} FROM "${database}"."${table.name}_raw" AS raw ${from}`;
  const viewColumnsOf = viewColumns(table);
  // Compacted periods from the Parquet files, the rest from the raw JSON: each period from one side only.
  const originalSql =
    periods.size === 0
      ? fromRaw
      : `SELECT ${viewColumnsOf.map(([c]) => `c."${c}"`).join(', ')} FROM "${database}"."${table.name}_curated" AS c WHERE ${compactedPeriods(table, periods, 'c')} UNION ALL ${fromRaw} WHERE NOT ${compactedPeriods(table, periods, 'raw')}`;
  const encoded = Buffer.from(
    JSON.stringify({
      originalSql,
      catalog: 'awsdatacatalog',
      schema: database,
      columns: viewColumnsOf.map(([name, type]) => ({ name, type })),
    }),
  ).toString('base64');
  return { originalText: `/* Presto View: ${encoded} */`, columns: viewColumnsOf };
}

/**
 * The view of an API: the rows and columns `wxa-report query` has locally. Without compacted periods
 * (the template's), it reads the raw table alone; the compaction function points it at the curated
 * table for the periods compacted.
 */
export function viewTableInput(
  table: SqlTable,
  database: string,
  periods: ReadonlySet<string> = new Set(),
): GlueTableInput {
  const view = prestoView(database, table, periods);
  return {
    name: table.name,
    description: `${table.folder}: one row per ${table.name.endsWith('retain') ? 'retention key' : 'item'} (the same columns as wxa-report query)`,
    tableType: 'VIRTUAL_VIEW',
    parameters: { presto_view: 'true', comment: 'Presto View' },
    viewOriginalText: view.originalText,
    viewExpandedText: '/* Presto View */',
    storageDescriptor: {
      columns: view.columns.map(([name, type]) => ({ name, type: HIVE_TYPES[type] ?? 'string' })),
    },
  };
}

/** The SQL a view's Glue definition holds (decoded from its Presto View comment). */
export function viewSql(input: Pick<GlueTableInput, 'viewOriginalText'>): string {
  const encoded = /\/\* Presto View: (\S+) \*\//.exec(input.viewOriginalText ?? '')?.[1] ?? '';
  return (JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as { originalSql: string }).originalSql;
}
