import type { DuckDBConnection } from '@duckdb/node-api';

// A curated month file damaged after it was written (a disk fault, a copy cut short, a hand edit)
// fails DuckDB's read, often with words that do not name the file ("TProtocolException: Invalid
// data", "don't know what type"). When a read fails, each month file it read is read on its own
// to find which one cannot be.

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Why DuckDB cannot read a Parquet file through, or undefined when it can: every column of every
 * row is read (a count alone reads only the footer).
 */
export async function parquetProblem(connection: DuckDBConnection, path: string): Promise<string | undefined> {
  try {
    await connection.run(
      `SELECT count(*) FROM read_parquet(${quote(path)}, hive_partitioning = false) AS t WHERE hash(t) IS NULL`,
    );
    return undefined;
  } catch (error) {
    return parquetReason((error as Error).message, path);
  }
}

/** DuckDB's words for a file it cannot read, short, without the file's path (the line names the file). */
export function parquetReason(message: string, path: string): string {
  const first = (message.split('\n')[0] ?? message)
    .replace(/^[A-Za-z ]*Error: /, '')
    .replaceAll(`File '${path}' `, '')
    .replaceAll(` '${path}'`, '')
    .replaceAll(` "${path}"`, '')
    .trim();
  return first.slice(0, 200) || 'unreadable';
}

/** Whether DuckDB failed before reading any file (the SQL itself): then no file is to blame. */
export const failedBeforeReading = (message: string) => /^(Parser|Binder|Catalog) Error/.test(message);
