import type { SqlTable } from '../sql/tables.js';
import type { StagedRaw } from './curated-store.js';

/** One month file to write: the previous file's rows but those of `drop`, and the rows of `sources`. */
export interface MonthFileRequest {
  readonly table: SqlTable;
  /** The month's current file, if there is one (a local path). */
  readonly previous?: string;
  /** Raw keys whose rows in `previous` are left out (replaced answers, objects read again). */
  readonly drop: readonly string[];
  /** The raw objects whose rows are added. */
  readonly sources: readonly StagedRaw[];
  /** Where to write the new file (a local path). */
  readonly out: string;
}

export interface MonthFile {
  readonly rows: number;
  readonly bytes: number;
  /** Raw objects that cannot be answers (empty, not JSON, WeChat's error, a field of the wrong type): left out of the file (they stay in raw/), with why. */
  readonly unreadable: readonly { readonly key: string; readonly reason: string }[];
}

/** The month's previous file cannot be read through (damaged since it was written): the month is to be written from raw/. */
export class DamagedMonthFileError extends Error {
  override name = 'DamagedMonthFileError';

  constructor(
    /** Why, in the reader's words (DuckDB's). */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`the month's previous file is damaged (${reason})`, options);
  }
}

/** What writes a month file of the curated layer (DuckDB: sql/duckdb/duckdb-compactor.ts). */
export interface CompactionEngine {
  /** @throws DamagedMonthFileError when `previous` cannot be read. */
  build(request: MonthFileRequest): Promise<MonthFile>;
  close(): void;
}

/**
 * Athena's views of the tables (Glue: sql/glue/glue-views.ts): each reads the curated table for the
 * periods compacted and the raw table for the rest.
 */
export interface CompactionViews {
  /** Points a table's view at the curated rows for `periods` (partition paths: `dt=…`, `days=7/dt=…`). */
  update(table: SqlTable, periods: ReadonlySet<string>): Promise<'updated' | 'unchanged'>;
}
