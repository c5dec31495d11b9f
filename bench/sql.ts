/**
 * SQL over a year of a thousand Mini Programs, raw and compacted (issue 19). Synthetic archives
 * written through the archive's own writer (1,000 apps × 365 days of getDailyVisitTrend; 100 apps ×
 * 365 days of all ten APIs); the README's daily-trend and 7-day-average queries timed as
 * `wxa-report query` runs them (the views made, then the query), raw before compaction and curated
 * after, each checked to give the same rows; the compaction of the year but its last day, then of
 * that day alone (what a daily compaction does). `sql …` and `compact …` lines as the issue has
 * them, each `sql` line after a `query` line naming its query.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalArchive } from '../lambda/archive/local/local-archive.js';
import { addDays } from '../lambda/calendar/beijing-calendar.js';
import { LocalCuratedStore } from '../lambda/curated/local/local-curated-store.js';
import { compactArchive } from '../lambda/pipeline/compact-archive.js';
import { silentLogger } from '../lambda/shared/logger.js';
import { writeSyntheticArchive } from '../lambda/simulator/synthetic-archive.js';
import { DuckDbCompactor } from '../lambda/sql/duckdb/duckdb-compactor.js';
import { LocalSql } from '../lambda/sql/duckdb/local-sql.js';
import { ARCHIVED_APIS, type ArchivedApi, archivedApi } from '../lambda/wechat/datacube-apis.js';

type Record = (name: string, value: number, unit: string, target: number) => void;

const NOW = new Date('2026-11-23T02:00:00Z');
const LAST = '2026-11-22';
const FIRST = addDays(LAST, -364);
const appidOf = (i: number) => `wx${(0xc0000000 + i).toString(16).padStart(16, '0')}`;
const seconds = (since: number) => (performance.now() - since) / 1000;

/** The README's daily trend (the named query "Daily visitors trend": its last 30 days) and 7-day average, for one app. */
const queries = (appid: string) =>
  [
    [
      'daily-trend',
      `SELECT dt, visit_uv, visit_uv_new, visit_pv FROM daily_visit_trend WHERE appid = '${appid}' AND dt >= '${addDays(LAST, -30)}' ORDER BY dt`,
    ],
    [
      '7-day-average',
      `SELECT dt, visit_uv, round(avg(visit_uv) OVER (ORDER BY dt ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)) AS visit_uv_7d FROM daily_visit_trend WHERE appid = '${appid}' ORDER BY dt`,
    ],
  ] as const;

/** One query as a fresh `wxa-report query` answers it: its rows, its time, the files it read. */
async function timed(root: string, sql: string) {
  const started = performance.now();
  const local = await LocalSql.open(root);
  const { rows } = await local.query(sql);
  const wall = seconds(started);
  const files = local.filesRead().get('daily_visit_trend');
  local.close();
  return { rows, wall, read: (files?.curated ?? 0) + (files?.raw === 'all' ? 0 : (files?.raw ?? 0)) };
}

/** One compaction of a local archive, as `wxa-report compact` runs it. */
async function compact(root: string, to?: string) {
  const engine = await DuckDbCompactor.open();
  const workDir = await mkdtemp(join(root, 'curated-work-'));
  const started = performance.now();
  try {
    const result = await compactArchive(
      {
        store: new LocalCuratedStore(root),
        engine,
        workDir,
        clock: () => new Date(),
        logger: silentLogger,
        toolVersion: 'bench',
        owner: 'bench',
      },
      { to },
    );
    return { result, wall: seconds(started) };
  } finally {
    engine.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

const monthsOf = async (root: string, table: string) =>
  (await readdir(join(root, 'curated', table)).catch(() => [] as string[])).filter((f) => f.startsWith('month='));

async function benchArchive(
  record: Record,
  print: (line: string) => void,
  apps: number,
  apis: readonly ArchivedApi[],
  targets: boolean,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `wxa-bench-sql-${apps}-`));
  try {
    const started = performance.now();
    const appids = Array.from({ length: apps }, (_, i) => appidOf(i));
    const written = await writeSyntheticArchive(new LocalArchive(dir), {
      appids,
      from: FIRST,
      to: LAST,
      apis,
      now: NOW,
    });
    print(
      `archive apps=${apps} days=365 apis=${apis.length} answers=${written} written_s=${seconds(started).toFixed(1)}`,
    );
    const rawFiles = (await readdir(join(dir, 'raw', 'daily-visit-trend'), { recursive: true })).filter((f) =>
      f.endsWith('response.json'),
    ).length;
    const asked = queries(appidOf(Math.min(7, apps - 1)));
    const raw = [];
    for (const [, sql] of asked) raw.push(await timed(dir, sql));
    const year = await compact(dir, addDays(LAST, -1));
    const compacted = year.result.months.reduce((n, m) => n + m.read, 0);
    print(
      `compact apps=${apps} days=364 wall_s=${year.wall.toFixed(1)} files=${year.result.files} answers=${compacted}`,
    );
    const day = await compact(dir);
    print(`compact apps=${apps} days=1 wall_s=${day.wall.toFixed(1)}`);
    const tableMonths = (await monthsOf(dir, 'daily_visit_trend')).length;
    for (const [i, [name, sql]] of asked.entries()) {
      const before = raw[i] as Awaited<ReturnType<typeof timed>>;
      const curated = await timed(dir, sql);
      print(`query ${name}: ${sql}`);
      print(
        `sql apps=${apps} days=365 files_raw=${rawFiles} files_curated=${curated.read} raw_s=${before.wall.toFixed(2)} curated_s=${curated.wall.toFixed(3)} ratio=${(before.wall / curated.wall).toFixed(0)}`,
      );
      record(
        `sql ${name}, ${apps} apps: rows raw ≠ curated`,
        JSON.stringify(before.rows) === JSON.stringify(curated.rows) ? 0 : 1,
        '',
        0,
      );
      record(`sql ${name}, ${apps} apps: files per table-month`, curated.read / tableMonths, '', 1);
      if (!targets) continue;
      record(`sql ${name}, ${apps} apps × 365 days, curated`, curated.wall, 's', 1);
      record(`sql ${name}, ${apps} apps: curated ÷ raw`, curated.wall / before.wall, '×', 0.01);
    }
    if (targets) record(`compact one day of ${apps} apps`, day.wall, 's', 30);
    let months = 0;
    for (const table of await readdir(join(dir, 'curated'))) months += (await monthsOf(dir, table)).length;
    record(`curated files per table-month, ${apps} apps`, day.result.files / Math.max(1, months), '', 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchSql(
  record: Record,
  print: (line: string) => void,
  sizes: { readonly daily: number; readonly all: number } = { daily: 1_000, all: 100 },
): Promise<void> {
  const daily = archivedApi('daily') as ArchivedApi;
  await benchArchive(record, print, sizes.daily, [daily], true);
  await benchArchive(record, print, sizes.all, ARCHIVED_APIS, false);
}
