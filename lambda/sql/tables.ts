/**
 * The SQL tables over the raw archive, in one place: the same names and columns in Athena (a Glue
 * table over each API's raw JSON with partition projection, and a view that flattens it) and in
 * `wxa-report query` (DuckDB views over the local archive). Each table is one API's folder; its
 * rows are what users ask about (one row per day, per page, per retention key…).
 */

export type Dialect = 'athena' | 'duckdb';
type Scalar = 'string' | 'bigint' | 'double' | 'int';
type FieldType = Scalar | { readonly struct: Fields } | { readonly array: FieldType };
type Fields = readonly (readonly [string, FieldType])[];

export interface Partition {
  readonly name: string;
  /** How Athena projects it: a date (yyyy-MM-dd), a month (yyyy-MM), a week (its Monday), or a few integers. */
  readonly projection: 'date' | 'month' | 'week' | { readonly values: readonly number[] };
}

export interface SqlTable {
  readonly name: string;
  readonly folder: string;
  readonly partitions: readonly Partition[];
  /**
   * The top-level fields of the raw JSON body, as typed columns of the raw table (each also under
   * its cloud-call spelling: see withCloudNames).
   */
  readonly body: Fields;
  /** The flattening view's select list and joins; `raw` is the raw table's alias. */
  select(dialect: Dialect): { readonly columns: string; readonly from: string };
  /** The view's columns, for Athena's view definition: name and Presto type. */
  readonly columns: readonly (readonly [string, string])[];
}

const trendFields: Fields = [
  ['ref_date', 'string'],
  ['session_cnt', 'bigint'],
  ['visit_pv', 'bigint'],
  ['visit_uv', 'bigint'],
  ['visit_uv_new', 'bigint'],
  ['stay_time_uv', 'double'],
  ['stay_time_session', 'double'],
  ['visit_depth', 'double'],
];
const keyValues: FieldType = {
  array: {
    struct: [
      ['key', 'int'],
      ['value', 'bigint'],
    ],
  },
};
const dt: Partition = { name: 'dt', projection: 'date' };

const camel = (name: string) => name.replace(/_([a-z])/g, (_m, letter: string) => letter.toUpperCase());

/**
 * A field's name in the cloud call's answer (camelCase), as each engine matches JSON keys: DuckDB's
 * read_json exactly, Athena's JSON SerDe case-insensitively (Glue columns are lower case).
 * Undefined when both shapes spell it the same (`list`, `key`, `value`, `province`…).
 */
export function cloudName(name: string, dialect: Dialect): string | undefined {
  const spelled = camel(name);
  if (spelled === name) return undefined;
  return dialect === 'athena' ? spelled.toLowerCase() : spelled;
}

/** The fields under both spellings, so a file in either shape fills one of them (the other is NULL). */
export function withCloudNames(fields: Fields, dialect: Dialect): Fields {
  return fields.flatMap(([name, type]) => {
    const alias = cloudName(name, dialect);
    return alias ? [[name, type] as const, [alias, type] as const] : [[name, type] as const];
  });
}

/** A field of a row or struct, read from whichever spelling the file has. */
export function field(of: string, name: string, dialect: Dialect): string {
  const alias = cloudName(name, dialect);
  const plain = name === 'index' ? `${of}."index"` : `${of}.${name}`;
  return alias ? `COALESCE(${plain}, ${of}."${alias}")` : plain;
}

/** One row per element of `list`. */
function listRows(fields: Fields): Pick<SqlTable, 'select' | 'columns'> {
  return {
    select: (dialect) => ({
      columns: fields.map(([name]) => `${field('l', name, dialect)} AS ${name}`).join(', '),
      from: 'CROSS JOIN UNNEST(raw.list) AS t(l)',
    }),
    columns: fields.map(([name, type]) => [name, type === 'string' ? 'varchar' : (type as string)] as const),
  };
}

/** One row per retention key: the period's users at key 0, those still there k periods later. */
const retentionRows: Pick<SqlTable, 'select' | 'columns'> = {
  select: (dialect) => {
    const first = (list: string) => (dialect === 'athena' ? `element_at(${list}, 1)` : `(${list})[1]`);
    return {
      columns: `${field('raw', 'ref_date', dialect)} AS ref_date, n.key AS key, n.value AS visit_uv_new, ${first(`filter(${field('raw', 'visit_uv', dialect)}, v -> v.key = n.key)`)}.value AS visit_uv`,
      from: `CROSS JOIN UNNEST(${field('raw', 'visit_uv_new', dialect)}) AS t(n)`,
    };
  },
  columns: [
    ['ref_date', 'varchar'],
    ['key', 'integer'],
    ['visit_uv_new', 'bigint'],
    ['visit_uv', 'bigint'],
  ],
};

const pageFields: Fields = [
  ['page_path', 'string'],
  ['page_visit_pv', 'bigint'],
  ['page_visit_uv', 'bigint'],
  ['page_staytime_pv', 'double'],
  ['entrypage_pv', 'bigint'],
  ['exitpage_pv', 'bigint'],
  ['page_share_pv', 'bigint'],
  ['page_share_uv', 'bigint'],
];

// Older answers carry a portrait item's number as access_source_visit_uv instead of value.
const portraitItemFields: Fields = [
  ['id', 'int'],
  ['name', 'string'],
  ['value', 'bigint'],
  ['access_source_visit_uv', 'bigint'],
];
const portraitItem: FieldType = { array: { struct: portraitItemFields } };
const PORTRAIT_DIMENSIONS = ['province', 'city', 'genders', 'platforms', 'devices', 'ages'] as const;
const portraitFields: Fields = PORTRAIT_DIMENSIONS.map((d) => [d, portraitItem] as const);

export const SQL_TABLES: readonly SqlTable[] = [
  {
    name: 'daily_visit_trend',
    folder: 'daily-visit-trend',
    partitions: [dt],
    body: [['list', { array: { struct: trendFields } }]],
    ...listRows(trendFields),
  },
  {
    name: 'weekly_visit_trend',
    folder: 'weekly-visit-trend',
    partitions: [{ name: 'week', projection: 'week' }],
    body: [['list', { array: { struct: trendFields } }]],
    ...listRows(trendFields),
  },
  {
    name: 'monthly_visit_trend',
    folder: 'monthly-visit-trend',
    partitions: [{ name: 'month', projection: 'month' }],
    body: [['list', { array: { struct: trendFields } }]],
    ...listRows(trendFields),
  },
  {
    name: 'daily_summary',
    folder: 'daily-summary',
    partitions: [dt],
    body: [
      [
        'list',
        {
          array: {
            struct: [
              ['ref_date', 'string'],
              ['visit_total', 'bigint'],
              ['share_pv', 'bigint'],
              ['share_uv', 'bigint'],
            ],
          },
        },
      ],
    ],
    ...listRows([
      ['ref_date', 'string'],
      ['visit_total', 'bigint'],
      ['share_pv', 'bigint'],
      ['share_uv', 'bigint'],
    ]),
  },
  {
    name: 'monthly_retain',
    folder: 'monthly-retain',
    partitions: [{ name: 'month', projection: 'month' }],
    body: [
      ['ref_date', 'string'],
      ['visit_uv_new', keyValues],
      ['visit_uv', keyValues],
    ],
    ...retentionRows,
  },
  {
    name: 'daily_retain',
    folder: 'daily-retain',
    partitions: [dt],
    body: [
      ['ref_date', 'string'],
      ['visit_uv_new', keyValues],
      ['visit_uv', keyValues],
    ],
    ...retentionRows,
  },
  {
    name: 'weekly_retain',
    folder: 'weekly-retain',
    partitions: [{ name: 'week', projection: 'week' }],
    body: [
      ['ref_date', 'string'],
      ['visit_uv_new', keyValues],
      ['visit_uv', keyValues],
    ],
    ...retentionRows,
  },
  {
    name: 'visit_distribution',
    folder: 'visit-distribution',
    partitions: [dt],
    body: [
      ['ref_date', 'string'],
      [
        'list',
        {
          array: {
            struct: [
              ['index', 'string'],
              [
                'item_list',
                {
                  // Some real items carry access_source_visit_uv beside value.
                  array: {
                    struct: [
                      ['key', 'int'],
                      ['value', 'bigint'],
                      ['access_source_visit_uv', 'bigint'],
                    ],
                  },
                },
              ],
            ],
          },
        },
      ],
    ],
    select: (dialect) => ({
      columns: `${field('raw', 'ref_date', dialect)} AS ref_date, l."index" AS distribution, i.key AS key, i.value AS value, ${field('i', 'access_source_visit_uv', dialect)} AS access_source_visit_uv`,
      from: `CROSS JOIN UNNEST(raw.list) AS t(l) CROSS JOIN UNNEST(${field('l', 'item_list', dialect)}) AS u(i)`,
    }),
    columns: [
      ['ref_date', 'varchar'],
      ['distribution', 'varchar'],
      ['key', 'integer'],
      ['value', 'bigint'],
      ['access_source_visit_uv', 'bigint'],
    ],
  },
  {
    name: 'visit_page',
    folder: 'visit-page',
    partitions: [dt],
    body: [
      ['ref_date', 'string'],
      ['list', { array: { struct: pageFields } }],
    ],
    select: (dialect) => ({
      columns: `${field('raw', 'ref_date', dialect)} AS ref_date, ${listRows(pageFields).select(dialect).columns}`,
      from: 'CROSS JOIN UNNEST(raw.list) AS t(l)',
    }),
    columns: [['ref_date', 'varchar'], ...listRows(pageFields).columns],
  },
  {
    name: 'user_portrait',
    folder: 'user-portrait',
    partitions: [{ name: 'days', projection: { values: [1, 7, 30] } }, dt],
    body: [
      ['ref_date', 'string'],
      ['visit_uv_new', { struct: portraitFields }],
      ['visit_uv', { struct: portraitFields }],
    ],
    // One row per user group, dimension and value: long, so every dimension is one query.
    select: (dialect) => {
      const group = (users: string, dimension: string) => {
        const items = `${field('raw', users, dialect)}.${dimension}`;
        return dialect === 'athena'
          ? `CAST(ROW('${users}', '${dimension}', ${items}) AS ROW(users varchar, dimension varchar, items ${prestoType(portraitItem)}))`
          : `{'users': '${users}', 'dimension': '${dimension}', 'items': ${items}}`;
      };
      const groups = ['visit_uv_new', 'visit_uv'].flatMap((users) => PORTRAIT_DIMENSIONS.map((d) => group(users, d)));
      // The number is under value, or (older answers) access_source_visit_uv in either spelling.
      const value = `COALESCE(i.value, i.access_source_visit_uv, i."${cloudName('access_source_visit_uv', dialect)}")`;
      return {
        columns: `${field('raw', 'ref_date', dialect)} AS ref_date, p.users AS users, p.dimension AS dimension, i.name AS name, ${value} AS value`,
        from: `CROSS JOIN UNNEST(ARRAY[${groups.join(', ')}]) AS q(p) CROSS JOIN UNNEST(p.items) AS u(i)`,
      };
    },
    columns: [
      ['ref_date', 'varchar'],
      ['users', 'varchar'],
      ['dimension', 'varchar'],
      ['name', 'varchar'],
      ['value', 'bigint'],
    ],
  },
];

/** Hive/Glue type of a raw field (what the JSON SerDe reads). */
export function hiveType(type: FieldType): string {
  if (typeof type === 'string') return type;
  if ('array' in type) return `array<${hiveType(type.array)}>`;
  return `struct<${withCloudNames(type.struct, 'athena')
    .map(([n, t]) => `${n}:${hiveType(t)}`)
    .join(',')}>`;
}

/** Presto (Athena) type of a raw field, for a CAST in a view. */
export function prestoType(type: FieldType): string {
  if (typeof type === 'string') return { string: 'varchar', bigint: 'bigint', double: 'double', int: 'integer' }[type];
  if ('array' in type) return `array(${prestoType(type.array)})`;
  return `row(${withCloudNames(type.struct, 'athena')
    .map(([n, t]) => `${n} ${prestoType(t)}`)
    .join(', ')})`;
}

/** DuckDB type of a raw field (what read_json is told to expect). */
export function duckType(type: FieldType): string {
  if (typeof type === 'string') return { string: 'VARCHAR', bigint: 'BIGINT', double: 'DOUBLE', int: 'INTEGER' }[type];
  if ('array' in type) return `${duckType(type.array)}[]`;
  return `STRUCT(${withCloudNames(type.struct, 'duckdb')
    .map(([n, t]) => `"${n}" ${duckType(t)}`)
    .join(', ')})`;
}

/** The partition columns of a table, in order: appid first. */
export const partitionColumns = (table: SqlTable) => ['appid', ...table.partitions.map((p) => p.name)];
