import type { CfnTable } from 'aws-cdk-lib/aws-glue';
import { hiveType, partitionColumns, type SqlTable, withCloudNames } from '../../../lambda/sql/tables.js';

// The Glue definitions of the archive's tables, in one place: what Athena reads for each API (a
// raw table over its JSON bodies, with partition projection) and the view that flattens it. The
// tables themselves (names, columns, partitions) are lambda/sql/tables.ts, shared with DuckDB.

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
export function rawTableInput(table: SqlTable, location: string): CfnTable.TableInputProperty {
  return {
    name: `${table.name}_raw`,
    description: `${table.folder}: the raw JSON bodies, as WeChat sent them`,
    tableType: 'EXTERNAL_TABLE',
    parameters: projection(table, location),
    partitionKeys: partitionColumns(table).map((p) => ({
      name: p,
      type: HIVE_TYPES[PRESTO_TYPES[p] ?? 'varchar'],
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

/** An Athena (Presto) view stored in Glue: the SQL and its columns, encoded as Athena expects. */
function prestoView(database: string, table: SqlTable) {
  const { columns, from } = table.select('athena');
  const partitions = partitionColumns(table);
  const originalSql = `SELECT ${partitions.map((p) => `raw."${p}" AS "${p}"`).join(', ')}, ${columns} FROM "${database}"."${table.name}_raw" AS raw ${from}`;
  const viewColumns = [...partitions.map((p) => [p, PRESTO_TYPES[p] ?? 'varchar'] as const), ...table.columns];
  const encoded = Buffer.from(
    JSON.stringify({
      originalSql,
      catalog: 'awsdatacatalog',
      schema: database,
      columns: viewColumns.map(([name, type]) => ({ name, type })),
    }),
  ).toString('base64');
  return { originalText: `/* Presto View: ${encoded} */`, columns: viewColumns };
}

/** The view of an API's raw table: the rows and columns `wxa-report query` has locally. */
export function viewTableInput(table: SqlTable, database: string): CfnTable.TableInputProperty {
  const view = prestoView(database, table);
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
