import { resolve } from 'node:path';
import { Command } from 'commander';
import { LocalSql, SqlQueryError } from '../../lambda/sql/duckdb/local-sql.js';
import { SQL_TABLES } from '../../lambda/sql/tables.js';
import { archiveRoot } from '../archive-folder.js';
import { CliError, type CliIo, EXIT_OK } from '../cli-io.js';
import { DEFAULT_ARCHIVE } from '../report-options.js';

const cell = (value: unknown) =>
  value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);

/** Rows as an aligned text table (numbers right-aligned). */
function table(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = columns.map(
    (c) => rows.length > 0 && rows.every((row) => row[c] === null || typeof row[c] === 'number'),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

const TABLE_NAMES = SQL_TABLES.map((t) => t.name).join(', ');

/** DuckDB's words, with the tables listed when the query names one that is not there. */
function explain(message: string): string {
  const missing = /Table with name (\S+) does not exist/.exec(message)?.[1];
  return missing ? `there is no table "${missing}"; the tables are ${TABLE_NAMES} (columns: see the README)` : message;
}

/**
 * `wxa-report query "SQL"`: SQL over the local archive with DuckDB, with the tables and columns
 * Athena has over the same layout in S3.
 */
export function queryCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('query')
    .description('SQL over the local archive (DuckDB), with the same tables and columns as Athena')
    .argument('<sql>', 'the query, e.g. "SELECT dt, visit_uv FROM daily_visit_trend ORDER BY dt"')
    .option('--archive <dir>', `the local archive (default: ./${DEFAULT_ARCHIVE})`)
    .option('--json', 'print the rows as a JSON array of objects')
    .addHelpText('after', `\nTables: ${SQL_TABLES.map((t) => t.name).join(', ')} (see the README for their columns).`)
    .action(async (sql: string, options: { archive?: string; json?: boolean }) => {
      const archive = options.archive ?? DEFAULT_ARCHIVE;
      if (archive.startsWith('s3://'))
        throw new CliError(
          'query reads a local archive; over S3 use Athena (see the README), or "aws s3 sync" it here first',
        );
      const root = await archiveRoot(resolve(io.cwd, archive), options.archive === undefined);
      const local = await LocalSql.open(root, {
        warn: (message) => io.stderr.write(`wxa-report: warning: ${message}\n`),
      });
      try {
        const { columns, rows } = await local.query(sql);
        io.stdout.write(
          options.json
            ? `${JSON.stringify(rows)}\n`
            : `${table(columns, rows)}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`,
        );
        setExit(EXIT_OK);
      } catch (error) {
        if (error instanceof SqlQueryError) throw new CliError(`the query failed: ${explain(error.message)}`);
        throw error;
      } finally {
        local.close();
      }
    });
}
