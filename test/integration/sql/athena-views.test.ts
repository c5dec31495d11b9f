import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifests } from '../../../lambda/curated/curated-layers.js';
import { Coverage, curatedKeys } from '../../../lambda/curated/curated-layout.js';
import { LocalCuratedStore } from '../../../lambda/curated/local/local-curated-store.js';
import { compactedPeriods, viewSql, viewTableInput } from '../../../lambda/sql/athena/glue-tables.js';
import { flattened, rawGlob, readRawJson, viewColumns } from '../../../lambda/sql/duckdb/raw-relation.js';
import { SQL_TABLES, type SqlTable } from '../../../lambda/sql/tables.js';
import { compactLocal, syntheticArchive } from '../../support/compaction.js';
import { tempDir } from '../../support/temp-dir.js';

const table = (name: string) => SQL_TABLES.find((t) => t.name === name) as SqlTable;

describe('the compacted periods of an Athena view', () => {
  it('are ranges of consecutive periods, and lists of the rest', () => {
    const days = new Set(['dt=2026-10-01', 'dt=2026-10-02', 'dt=2026-10-03', 'dt=2026-10-05', 'dt=2026-10-07']);
    const weeks = new Set(['week=2026-09-28', 'week=2026-10-05', 'week=2026-10-12']);
    const months = new Set(['month=2026-09', 'month=2026-10']);

    expect(compactedPeriods(table('daily_visit_trend'), days, 'raw')).toBe(
      `(raw."dt" BETWEEN '2026-10-01' AND '2026-10-03' OR raw."dt" IN ('2026-10-05', '2026-10-07'))`,
    );
    expect(compactedPeriods(table('weekly_retain'), weeks, 'c')).toBe(`c."week" BETWEEN '2026-09-28' AND '2026-10-12'`);
    expect(compactedPeriods(table('monthly_retain'), months, 'c')).toBe(`c."month" IN ('2026-09', '2026-10')`);
    expect(compactedPeriods(table('daily_summary'), new Set(), 'c')).toBe('false');
  });

  it('leave the template view reading raw only', () => {
    const sql = viewSql(viewTableInput(table('visit_page'), 'wxa_reporter'));

    expect(sql).not.toContain('_curated');
    expect(sql).toMatch(
      /^SELECT raw\."appid" AS "appid", raw\."dt" AS "dt", .* FROM "wxa_reporter"\."visit_page_raw" AS raw /,
    );
  });
});

describe("Athena's split of a table, evaluated by DuckDB on the same files", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  beforeAll(async () => {
    dir = await tempDir();
    root = join(dir.path, 'archive');
    // Compacted up to 28 October; the 29th to the 31st arrive after it (the newest days).
    await syntheticArchive(root, '2026-09-01', '2026-10-28');
    await compactLocal(root);
    await syntheticArchive(root, '2026-10-29', '2026-10-31');
  }, 120_000);
  afterAll(() => dir?.remove());

  it.each(SQL_TABLES.map((t) => [t.name, t] as const))(
    '%s: the curated rows of the compacted periods and the raw rows of the others are the raw rows, each once',
    async (_name, t) => {
      // Prepare: the periods the compaction would point the view at, and both sides of the view.
      const store = new LocalCuratedStore(root);
      const manifests = await readManifests(store, t, () => undefined);
      const periods = new Coverage(manifests).periods();
      const files = manifests.map((m) => `'${join(root, curatedKeys.month(t.name, m.month), m.file)}'`);
      const columns = viewColumns(t).map((c) => `"${c}"`);
      const everyRaw = readRawJson(t, rawGlob(root, t));
      const connection = await (await DuckDBInstance.create(':memory:')).connect();
      const rows = async (sql: string) =>
        (await connection.runAndReadAll(`SELECT ${columns.join(', ')} FROM (${sql}) ORDER BY ALL`)).getRowObjectsJson();

      // Act
      const split = await rows(
        `${files.length ? `SELECT ${columns.map((c) => `c.${c}`).join(', ')} FROM read_parquet([${files.join(', ')}], hive_partitioning = false) AS c WHERE ${compactedPeriods(t, periods, 'c')} UNION ALL ` : ''}${flattened(t, everyRaw)} WHERE NOT ${compactedPeriods(t, periods, 'raw')}`,
      );
      const raw = await rows(flattened(t, everyRaw));
      connection.closeSync();

      // Assess
      expect(split).toEqual(raw);
      expect(raw.length).toBeGreaterThan(0);
      if (t.partitions[0]?.projection === 'date') expect([...periods].sort().at(-1)).toMatch(/2026-10-28$/);
    },
    60_000,
  );
});
