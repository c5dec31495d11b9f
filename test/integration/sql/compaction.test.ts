import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { LocalArchive } from '../../../lambda/archive/local/local-archive.js';
import { curatedKeys } from '../../../lambda/curated/curated-layout.js';
import { CompactionLockedError } from '../../../lambda/curated/curated-store.js';
import { LocalCuratedStore } from '../../../lambda/curated/local/local-curated-store.js';
import { LocalSql } from '../../../lambda/sql/duckdb/local-sql.js';
import { SQL_TABLES } from '../../../lambda/sql/tables.js';
import { archivedApi } from '../../../lambda/wechat/datacube-apis.js';
import {
  APPIDS,
  compactLocal,
  curatedFiles,
  damageMonthFile,
  everyAnswer,
  recordingLogger,
  syntheticArchive,
} from '../../support/compaction.js';
import { tempDir } from '../../support/temp-dir.js';

// Six weeks of the two demo apps, every API, as backfill writes them; each test works on a copy.
let dir: Awaited<ReturnType<typeof tempDir>>;
let source: string;
let before: Record<string, unknown[]>;
let copies = 0;
beforeAll(async () => {
  dir = await tempDir();
  source = join(dir.path, 'source');
  await syntheticArchive(source, '2026-09-20', '2026-10-31');
  before = await everyAnswer(source);
}, 120_000);
afterAll(() => dir?.remove());

async function copy(): Promise<string> {
  copies += 1;
  const root = join(dir.path, `archive-${copies}`);
  await cp(source, root, { recursive: true });
  return root;
}

const dailyApi = archivedApi('daily') as NonNullable<ReturnType<typeof archivedApi>>;
const countPerDay = async (root: string, where = '') => {
  const sql = await LocalSql.open(root);
  try {
    return (
      await sql.query(
        `SELECT appid, dt, count(*) AS n, sum(visit_uv) AS uv FROM daily_visit_trend ${where} GROUP BY ALL ORDER BY ALL`,
      )
    ).rows;
  } finally {
    sql.close();
  }
};

/** The files a query of daily_visit_trend reads: curated month files, raw objects beside them. */
async function dailyTrendFiles(root: string) {
  const sql = await LocalSql.open(root);
  try {
    await sql.query('SELECT count(*) FROM daily_visit_trend');
    return sql.filesRead().get('daily_visit_trend');
  } finally {
    sql.close();
  }
}

describe('the curated layer (local archive, DuckDB)', () => {
  it('answers every table and the README queries with identical rows once compacted, one file per table and month', async () => {
    // Prepare
    const root = await copy();

    // Act
    const result = await compactLocal(root);

    // Assess
    expect(result.complete).toBe(true);
    expect(await everyAnswer(root)).toEqual(before);
    const files = Object.keys(await curatedFiles(root)).filter((f) => f.endsWith('.parquet'));
    const months = new Set(files.map((f) => f.split('/').slice(0, 2).join('/')));
    expect(files.length).toBe(months.size);
    expect(files.length).toBe(result.files);
    expect(
      files
        .filter((f) => f.startsWith('daily_visit_trend/'))
        .map((f) => f.split('/')[1])
        .sort(),
    ).toEqual(['month=2026-09', 'month=2026-10']);
    expect(await dailyTrendFiles(root)).toEqual({ curated: 2, raw: 0 });
  }, 60_000);

  it('keeps the views columns and types, and each row its provenance (source key, fetched-at, shape)', async () => {
    const root = await copy();
    await compactLocal(root);
    const sql = await LocalSql.open(root);
    const key = archiveKeys.dailyVisitTrend(APPIDS[0] as string, '2026-10-01');

    const described = async (view: string) =>
      (await sql.query(`DESCRIBE SELECT * FROM ${view}`)).rows.map((r) => `${r.column_name} ${r.column_type}`);
    const provenance = await sql.query(
      `SELECT source_key, fetched_at, shape FROM daily_visit_trend_curated WHERE appid = '${APPIDS[0]}' AND dt = '2026-10-01'`,
    );
    const raw = await LocalSql.open(source);

    for (const table of SQL_TABLES) {
      expect((await described(`${table.name}_curated`)).slice(0, -3)).toEqual(
        await (async () =>
          (await raw.query(`DESCRIBE SELECT * FROM ${table.name}`)).rows.map(
            (r) => `${r.column_name} ${r.column_type}`,
          ))(),
      );
      expect((await described(`${table.name}_curated`)).slice(-3)).toEqual([
        'source_key VARCHAR',
        'fetched_at VARCHAR',
        'shape VARCHAR',
      ]);
    }
    expect(provenance.rows).toEqual([{ source_key: key, fetched_at: '2026-11-23T02:00:00.000Z', shape: 'https' }]);
    sql.close();
    raw.close();
  }, 60_000);

  it('never misses the newest day and never counts a day twice, before and after the day is compacted', async () => {
    // Prepare: everything compacted through 31 October, then 1 November arrives.
    const root = await copy();
    await compactLocal(root);
    await syntheticArchive(root, '2026-11-01', '2026-11-01');

    // Act
    const arrived = await countPerDay(root, "WHERE dt >= '2026-10-31'");
    const compacted = await compactLocal(root);
    const after = await countPerDay(root, "WHERE dt >= '2026-10-31'");

    // Assess
    expect(arrived.map((r) => [r.appid, r.dt, r.n])).toEqual(
      [...APPIDS].sort().flatMap((appid) => [
        [appid, '2026-10-31', 1],
        [appid, '2026-11-01', 1],
      ]),
    );
    expect(after).toEqual(arrived);
    expect(compacted.months.map((m) => `${m.table} ${m.month} ${m.read}`)).toContain('daily_visit_trend 2026-11 2');
    expect(await dailyTrendFiles(root)).toEqual({ curated: 3, raw: 0 });
  }, 60_000);

  it('sees a new day and a removed one at once, though the folder holds as many days as before', async () => {
    // Prepare: everything compacted; then one compacted day of an app removed by hand and a new day archived.
    // The same change to an archive never compacted gives the rows to expect. Every app's folder
    // last changed an hour ago, as a query the next morning finds it: unchanged ones are not read.
    const [root, uncompacted] = [await copy(), await copy()];
    await compactLocal(root);
    const anHourAgo = new Date(Date.now() - 3600_000);
    for (const app of APPIDS) await utimes(join(root, 'raw', dailyApi.folder, `appid=${app}`), anHourAgo, anHourAgo);
    const unchanged = await countPerDay(root);
    const [app] = [...APPIDS].sort() as [string];
    for (const archive of [root, uncompacted]) {
      await rm(join(archive, 'raw', dailyApi.folder, `appid=${app}`, 'dt=2026-10-05'), { recursive: true });
      await syntheticArchive(archive, '2026-11-01', '2026-11-01', { apis: [dailyApi] });
    }
    const raw = await countPerDay(uncompacted);

    // Act
    const arrived = await countPerDay(root);
    const compacted = await compactLocal(root);
    const after = await countPerDay(root);
    const again = await compactLocal(root);

    // Assess
    expect(unchanged).toEqual(await countPerDay(source));
    expect(arrived).toEqual(raw);
    expect(arrived.filter((r) => r.dt === '2026-11-01').map((r) => r.appid)).toEqual([...APPIDS].sort());
    expect(arrived.some((r) => r.appid === app && r.dt === '2026-10-05')).toBe(false);
    expect(compacted.months.map((m) => `${m.table} ${m.month}`)).toEqual(
      expect.arrayContaining(['daily_visit_trend 2026-10', 'daily_visit_trend 2026-11']),
    );
    expect(after).toEqual(raw);
    expect(again.months).toEqual([]);
  }, 60_000);

  it('leaves out of every table what was removed from raw/ after compaction: a day, an app, at once and once compacted', async () => {
    // Prepare
    const [root, uncompacted] = [await copy(), await copy()];
    await compactLocal(root);
    const [kept, gone] = [...APPIDS].sort() as [string, string];
    for (const archive of [root, uncompacted]) {
      await rm(join(archive, 'raw', dailyApi.folder, `appid=${kept}`, 'dt=2026-09-21'), { recursive: true });
      for (const table of SQL_TABLES)
        await rm(join(archive, 'raw', table.folder, `appid=${gone}`), { recursive: true, force: true });
    }
    const expected = await everyAnswer(uncompacted);

    // Act
    const removed = await everyAnswer(root);
    const compacted = await compactLocal(root);
    const after = await everyAnswer(root);
    const again = await compactLocal(root);

    // Assess
    expect(removed).toEqual(expected);
    expect(compacted.months.length).toBeGreaterThan(0);
    expect(after).toEqual(expected);
    expect(again.months).toEqual([]);
  }, 90_000);

  it('takes a month out of the curated layer when every answer of it is removed from raw/', async () => {
    // Prepare: the daily trend of September (both apps) removed by hand after compaction.
    const [root, uncompacted] = [await copy(), await copy()];
    await compactLocal(root);
    for (const archive of [root, uncompacted])
      for (const app of APPIDS) {
        const folder = join(archive, 'raw', dailyApi.folder, `appid=${app}`);
        for (const day of await readdir(folder))
          if (day.startsWith('dt=2026-09-')) await rm(join(folder, day), { recursive: true });
      }

    // Act
    const compacted = await compactLocal(root);
    const again = await compactLocal(root);

    // Assess
    expect(compacted.months).toEqual([
      expect.objectContaining({ table: 'daily_visit_trend', month: '2026-09', read: 0, rows: 0, file: '' }),
    ]);
    expect(compacted.months[0]?.removed).toBe(APPIDS.length * 11);
    expect(await readdir(join(root, 'curated', 'daily_visit_trend', 'month=2026-09'))).not.toContain('manifest.json');
    expect(again.months).toEqual([]);
    expect(await everyAnswer(root)).toEqual(await everyAnswer(uncompacted));
  }, 90_000);

  it('adds a day to its open month: the month file is replaced, still one file a month', async () => {
    const root = await copy();
    await compactLocal(root, { to: '2026-10-30' });
    expect(await dailyTrendFiles(root)).toEqual({ curated: 2, raw: APPIDS.length });

    const result = await compactLocal(root);

    expect(result.months.find((m) => m.table === 'daily_visit_trend')).toMatchObject({ month: '2026-10', read: 2 });
    const current = JSON.parse(
      await readFile(join(root, curatedKeys.manifest('daily_visit_trend', '2026-10')), 'utf8'),
    );
    expect(current.sources).toEqual([
      {
        appids: [...APPIDS].sort(),
        partitions: Array.from({ length: 31 }, (_, i) => `dt=2026-10-${String(i + 1).padStart(2, '0')}`),
      },
    ]);
    expect(await everyAnswer(root)).toEqual(before);
  }, 60_000);

  it('counts each answer once when new answers arrive while their month is being compacted', async () => {
    // Prepare: October up to the 20th; the 21st arrives while October is being written.
    const root = join(dir.path, 'arriving');
    await syntheticArchive(root, '2026-10-01', '2026-10-20', { apis: [dailyApi] });
    const store = new LocalCuratedStore(root);
    let arrived = false;
    const arriving: typeof store = Object.assign(Object.create(store), {
      stageRaw: async (keys: readonly string[], work: string) => {
        if (!arrived) {
          arrived = true;
          await syntheticArchive(root, '2026-10-21', '2026-10-21', { apis: [dailyApi] });
        }
        return store.stageRaw(keys, work);
      },
    });

    // Act
    const first = await compactLocal(root, {}, { store: arriving });
    const during = await countPerDay(root);
    const second = await compactLocal(root);
    const afterwards = await countPerDay(root);

    // Assess: the 21st was read from raw until the second run put it in the month file.
    expect(first.months.map((m) => m.read)).toEqual([40]);
    expect(during.filter((r) => r.dt === '2026-10-21').map((r) => r.n)).toEqual([1, 1]);
    expect(during.every((r) => r.n === 1)).toBe(true);
    expect(during).toHaveLength(42);
    expect(second.months.map((m) => m.read)).toEqual([2]);
    expect(afterwards).toEqual(during);
  }, 60_000);

  it('changes nothing when run again with nothing new', async () => {
    const root = await copy();
    await compactLocal(root);
    const files = await curatedFiles(root);

    const again = await compactLocal(root);

    expect(again.months).toEqual([]);
    expect(await curatedFiles(root)).toEqual(files);
  }, 60_000);

  it('leaves no partial period visible when a compaction is interrupted, and the next run finishes it', async () => {
    // Prepare: the run dies at its third switch, after the month's new file is published.
    const root = await copy();
    const store = new LocalCuratedStore(root);
    let switches = 0;
    const dying: typeof store = Object.assign(Object.create(store), {
      putText: async (key: string, text: string) => {
        if (key.endsWith('manifest.json') && ++switches === 3) throw new Error('killed');
        return store.putText(key, text);
      },
    });

    // Act
    await expect(compactLocal(root, {}, { store: dying })).rejects.toThrow('killed');
    const interrupted = await everyAnswer(root);
    const lock = await readdir(join(root, 'curated')).catch(() => []);
    const resumed = await compactLocal(root);
    const later = await compactLocal(root, {}, { clock: () => new Date(Date.now() + 25 * 3600_000) });

    // Assess
    expect(interrupted).toEqual(before);
    expect(lock).not.toContain('_lock.json');
    expect(resumed.months.length).toBeGreaterThan(0);
    expect(resumed.months.map((m) => `${m.table} ${m.month}`)).not.toContain('daily_visit_trend 2026-09');
    expect(resumed.months.map((m) => `${m.table} ${m.month}`)).toContain('weekly_visit_trend 2026-09');
    expect(await everyAnswer(root)).toEqual(before);
    expect(later.removed).toBe(1);
    const parquet = Object.keys(await curatedFiles(root)).filter((f) => f.endsWith('.parquet'));
    expect(parquet.length).toBe(later.files);
  }, 90_000);

  it('reads a replaced answer from raw at once, and compacts it again', async () => {
    // Prepare
    const root = await copy();
    await compactLocal(root);
    const key = archiveKeys.dailyVisitTrend(APPIDS[0] as string, '2026-10-05');
    const body = JSON.parse((await new LocalArchive(root).get(key))?.toString() ?? '{}');
    body.list[0].visit_uv = 123_456_789;
    await new LocalArchive(root).put(key, Buffer.from(JSON.stringify(body)), {
      appid: APPIDS[0] as string,
      api: 'getDailyVisitTrend',
      request: { begin_date: '20261005', end_date: '20261005' },
      fetchedAt: '2026-11-24T02:00:00.000Z',
      toolVersion: 'test',
    });
    const day = `WHERE appid = '${APPIDS[0]}' AND dt = '2026-10-05'`;

    // Act
    const atOnce = await countPerDay(root, day);
    const recompacted = await compactLocal(root);
    const afterwards = await countPerDay(root, day);
    const files = await curatedFiles(root);
    const rightAgain = await compactLocal(root);
    const filesAgain = await curatedFiles(root);
    const notesKept = await readdir(join(root, 'replaced'), { recursive: true });
    const settled = await compactLocal(root, {}, { clock: () => new Date(Date.now() + 11 * 60_000) });
    const notesLeft = await readdir(join(root, 'replaced')).catch(() => []);

    // Assess
    expect(atOnce).toEqual([{ appid: APPIDS[0], dt: '2026-10-05', n: 1, uv: 123_456_789 }]);
    expect(recompacted.months).toMatchObject([{ table: 'daily_visit_trend', month: '2026-10', read: 1, replaced: 1 }]);
    expect(afterwards).toEqual(atOnce);
    // Run again while the note settles: the file holds the bytes as they are, nothing is written.
    expect(rightAgain.months).toEqual([]);
    expect(filesAgain).toEqual(files);
    expect(notesKept.length).toBeGreaterThan(0);
    expect(settled.months).toEqual([]);
    expect(notesLeft).toEqual([]);
    const sql = await LocalSql.open(root);
    expect((await sql.query(`SELECT visit_uv, fetched_at FROM daily_visit_trend_curated ${day}`)).rows).toEqual([
      { visit_uv: 123_456_789, fetched_at: '2026-11-24T02:00:00.000Z' },
    ]);
    sql.close();
  }, 60_000);

  it('reads a noted answer again when its new bytes land after the compaction read the old ones', async () => {
    // Prepare: the note is written, the compaction runs, and only then the new bytes land (a slow writer).
    const root = await copy();
    await compactLocal(root);
    const key = archiveKeys.dailyVisitTrend(APPIDS[0] as string, '2026-10-05');
    const body = JSON.parse((await new LocalArchive(root).get(key))?.toString() ?? '{}');
    const noteKey = archiveKeys.replacement(key, new Date(), 'slow-writer');
    await mkdir(join(root, noteKey, '..'), { recursive: true });
    await writeFile(join(root, noteKey), '{}');
    const early = await compactLocal(root);
    body.list[0].visit_uv = 987_654;
    const landed = join(root, `${key}.landing`);
    await writeFile(landed, JSON.stringify(body));
    await rename(landed, join(root, key));

    // Act
    const next = await compactLocal(root);
    const day = `WHERE appid = '${APPIDS[0]}' AND dt = '2026-10-05'`;
    const sql = await LocalSql.open(root);
    const curated = (await sql.query(`SELECT visit_uv FROM daily_visit_trend_curated ${day}`)).rows;
    sql.close();

    // Assess
    expect(early.months).toMatchObject([{ table: 'daily_visit_trend', read: 1 }]);
    expect(next.months).toMatchObject([{ table: 'daily_visit_trend', month: '2026-10', read: 1, replaced: 1 }]);
    expect(curated).toEqual([{ visit_uv: 987_654 }]);
  }, 60_000);

  it('reads a month from raw when its manifest is damaged or its file is gone, and compacts it again', async () => {
    const root = await copy();
    await compactLocal(root);
    await writeFile(join(root, curatedKeys.manifest('daily_visit_trend', '2026-10')), '{"version":1,');
    const september = JSON.parse(await readFile(join(root, curatedKeys.manifest('daily_summary', '2026-09')), 'utf8'));
    await rm(join(root, 'curated', 'daily_summary', 'month=2026-09', september.file));
    const warnings: string[] = [];

    const sql = await LocalSql.open(root, { warn: (m) => warnings.push(m) });
    const rows = (await sql.query('SELECT * FROM daily_visit_trend ORDER BY ALL')).rows;
    const summary = (await sql.query('SELECT * FROM daily_summary ORDER BY ALL')).rows;
    sql.close();
    const logger = recordingLogger();
    const again = await compactLocal(root, {}, { logger });

    expect(rows).toEqual(before.daily_visit_trend);
    expect(summary).toEqual(before.daily_summary);
    expect(warnings.sort()).toEqual([
      `${root}/curated/daily_summary/month=2026-09/${september.file} is missing: daily_summary 2026-09 is read from raw/ until "wxa-report compact --archive ${root}" writes it again`,
      expect.stringMatching(
        /^\/.+\/curated\/daily_visit_trend\/month=2026-10\/manifest\.json is not JSON \(.+\): that month is read from raw\/ until "wxa-report compact --archive \/.+" writes it again$/,
      ),
    ]);
    expect(again.months.map((m) => `${m.table} ${m.month}`).sort()).toEqual([
      'daily_summary 2026-09',
      'daily_visit_trend 2026-10',
    ]);
    expect(logger.warnings).toHaveLength(2);
    expect(await everyAnswer(root)).toEqual(before);
  }, 60_000);

  it('reads a month from raw when its file is damaged (another length, or bytes overwritten), names it once, and says what writes it again', async () => {
    // Prepare: one file cut to garbage, two of the same length with their footer or first page overwritten.
    const root = await copy();
    await compactLocal(root);
    const garbage = await damageMonthFile(root, 'daily_visit_trend', '2026-10', 'garbage');
    const footer = await damageMonthFile(root, 'daily_summary', '2026-09', 'footer');
    const pages = await damageMonthFile(root, 'visit_page', '2026-10', 'pages');
    const recorded = JSON.parse(
      await readFile(join(root, curatedKeys.manifest('daily_visit_trend', '2026-10')), 'utf8'),
    );
    const warnings: string[] = [];
    const logger = recordingLogger();

    // Act
    const sql = await LocalSql.open(root, { warn: (m) => warnings.push(m) });
    const rows = {
      trend: (await sql.query('SELECT * FROM daily_visit_trend ORDER BY ALL')).rows,
      summary: (await sql.query('SELECT * FROM daily_summary ORDER BY ALL')).rows,
      pages: (await sql.query('SELECT * FROM visit_page ORDER BY ALL')).rows,
      summaryAgain: (await sql.query('SELECT count(*) AS n FROM daily_summary')).rows,
    };
    sql.close();
    const compacted = await compactLocal(root, {}, { logger });
    // What the warnings say to run for the two of the right length.
    const rebuilt = [
      await compactLocal(root, { rebuild: true, from: '2026-09-01', to: '2026-09-30' }),
      await compactLocal(root, { rebuild: true, from: '2026-10-01', to: '2026-10-31' }),
    ];
    const thenNothing = await compactLocal(root);
    const afterwards: string[] = [];
    const check = await LocalSql.open(root, { warn: (m) => afterwards.push(m) });
    await check.query('SELECT count(*) FROM daily_summary, visit_page');
    check.close();

    // Assess
    expect(rows).toEqual({
      trend: before.daily_visit_trend,
      summary: before.daily_summary,
      pages: before.visit_page,
      summaryAgain: [{ n: before.daily_summary?.length }],
    });
    const rebuild = (month: string, last: string) =>
      `is read from raw/ until "wxa-report compact --archive ${root} --rebuild --from ${month}-01 --to ${last}" writes it again`;
    // Sorted by file: daily_summary, daily_visit_trend, visit_page.
    expect(warnings.sort()).toEqual([
      expect.stringMatching(new RegExp(`^${root}/${footer} is damaged \\([^)]+\\): daily_summary 2026-09 `)),
      `${root}/${garbage} is damaged (8 bytes, its manifest records ${recorded.bytes}): daily_visit_trend 2026-10 is read from raw/ until "wxa-report compact --archive ${root}" writes it again`,
      expect.stringMatching(new RegExp(`^${root}/${pages} is damaged \\([^)]+\\): visit_page 2026-10 `)),
    ]);
    expect(warnings[0]?.endsWith(`daily_summary 2026-09 ${rebuild('2026-09', '2026-09-30')}`)).toBe(true);
    expect(warnings[2]?.endsWith(`visit_page 2026-10 ${rebuild('2026-10', '2026-10-31')}`)).toBe(true);
    expect(compacted.months.map((m) => `${m.table} ${m.month}`)).toEqual(['daily_visit_trend 2026-10']);
    expect(logger.warnings).toEqual([
      `${root}/${garbage} is damaged (8 bytes, its manifest records ${recorded.bytes}): daily_visit_trend 2026-10 is compacted again from raw/`,
    ]);
    expect(rebuilt.every((r) => r.complete)).toBe(true);
    expect(thenNothing.months).toEqual([]);
    expect(afterwards).toEqual([]);
    expect(await everyAnswer(root)).toEqual(before);
  }, 90_000);

  it('writes a month from raw when its previous file cannot be read, says so once, and then writes nothing', async () => {
    // Prepare: a new app's answers of 2026-10-15 make the compaction read October's files, two of them damaged.
    const root = await copy();
    await compactLocal(root);
    const footer = await damageMonthFile(root, 'daily_visit_trend', '2026-10', 'footer');
    const pages = await damageMonthFile(root, 'visit_page', '2026-10', 'pages');
    const newcomer = { appids: ['wx1234567890abcdef'] };
    await syntheticArchive(root, '2026-10-15', '2026-10-15', newcomer);
    const reference = join(dir.path, `reference-${copies}`);
    await cp(source, reference, { recursive: true });
    await syntheticArchive(reference, '2026-10-15', '2026-10-15', newcomer);
    const logger = recordingLogger();

    // Act
    const result = await compactLocal(root, {}, { logger });
    const again = await compactLocal(root);

    // Assess
    expect(result.complete).toBe(true);
    expect(result.months.map((m) => `${m.table} ${m.month}`)).toEqual(
      expect.arrayContaining(['daily_visit_trend 2026-10', 'visit_page 2026-10']),
    );
    expect(logger.warnings.sort()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${root}/${footer} is damaged \\([^)]+\\): daily_visit_trend 2026-10 is compacted again from raw/$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^${root}/${pages} is damaged \\([^)]+\\): visit_page 2026-10 is compacted again from raw/$`),
      ),
    ]);
    expect(again.months).toEqual([]);
    expect(await everyAnswer(root)).toEqual(await everyAnswer(reference));
  }, 90_000);

  it('rebuilds a damaged month without reading its previous file', async () => {
    const root = await copy();
    await compactLocal(root);
    await damageMonthFile(root, 'daily_visit_trend', '2026-10', 'footer');
    const garbage = await damageMonthFile(root, 'visit_page', '2026-10', 'garbage');
    const logger = recordingLogger();

    const rebuilt = await compactLocal(root, { rebuild: true, from: '2026-10-01', to: '2026-10-31' }, { logger });

    expect(rebuilt.complete).toBe(true);
    expect(rebuilt.months.map((m) => `${m.table} ${m.month}`)).toEqual(
      expect.arrayContaining(['daily_visit_trend 2026-10', 'visit_page 2026-10']),
    );
    // The file of the same length is never read (reading it would have named it damaged).
    expect(logger.warnings).toEqual([expect.stringMatching(new RegExp(`^${root}/${garbage} is damaged \\(8 bytes, `))]);
    expect(await everyAnswer(root)).toEqual(before);
  }, 60_000);

  it('compacts only the periods of --from and --to, and the rest on a later run', async () => {
    const root = await copy();

    const october = await compactLocal(root, { from: '2026-10-01', to: '2026-10-31' });

    expect(new Set(october.months.map((m) => m.month))).toEqual(new Set(['2026-10']));
    expect(await everyAnswer(root)).toEqual(before);
    const rest = await compactLocal(root);
    expect(new Set(rest.months.map((m) => m.month))).toEqual(new Set(['2026-09']));
  }, 60_000);

  it('leaves a raw body that is not JSON out of the month file, says which, and compacts the rest', async () => {
    const root = join(dir.path, 'damaged');
    await syntheticArchive(root, '2026-10-01', '2026-10-03', { apis: [dailyApi] });
    const key = archiveKeys.dailyVisitTrend(APPIDS[1] as string, '2026-10-02');
    await writeFile(join(root, key), '{"list":[{"ref_date":');
    const logger = recordingLogger();

    const result = await compactLocal(root, {}, { logger });

    expect(result.unreadable.map((u) => u.key)).toEqual([key]);
    expect(result.months).toMatchObject([{ table: 'daily_visit_trend', month: '2026-10', read: 5, rows: 5 }]);
    expect(result.unreadable[0]?.reason).toMatch(/^not JSON \(.+\)$/);
    expect(logger.warnings).toEqual([]);
  }, 60_000);

  it('reads everything again with a rebuild, with the same rows', async () => {
    const root = await copy();
    await compactLocal(root);

    const rebuilt = await compactLocal(root, { rebuild: true, from: '2026-10-01', to: '2026-10-31' });

    expect(rebuilt.months.every((m) => m.month === '2026-10' && m.replaced === m.read)).toBe(true);
    expect(await everyAnswer(root)).toEqual(before);
  }, 60_000);

  it('stops at its deadline between two months, and the next run goes on from there', async () => {
    const root = await copy();
    let now = Date.parse('2026-11-23T02:00:00Z');
    // Every look at this clock moves it on 20 s; the deadline comes after a few month files.
    const clock = () => {
      now += 20_000;
      return new Date(now);
    };

    const first = await compactLocal(root, { deadline: new Date(now + 180_000) }, { clock });
    const rest = await compactLocal(root);

    expect(first.complete).toBe(false);
    expect(first.months.length).toBeGreaterThan(0);
    expect(rest.complete).toBe(true);
    expect(rest.months.map((m) => `${m.table} ${m.month}`)).not.toContain(
      `${first.months[0]?.table} ${first.months[0]?.month}`,
    );
    expect(await everyAnswer(root)).toEqual(before);
  }, 60_000);

  it('runs one compaction at a time', async () => {
    const root = await copy();
    const held = await new LocalCuratedStore(root).lock('someone-else', 60_000);

    await expect(compactLocal(root)).rejects.toThrow(CompactionLockedError);
    await expect(compactLocal(root)).rejects.toThrow(
      /another compaction of .* is running \(someone-else, lease until /,
    );
    if (held.held) await held.release();
    expect((await compactLocal(root)).complete).toBe(true);
  }, 60_000);

  it('gives its lock back for good when Ctrl-C comes while a renewal is in flight', async () => {
    // Prepare
    const root = await copy();
    const store = new LocalCuratedStore(root);
    const held = await store.lock('stopped-by-ctrl-c', 60_000);
    if (!held.held) throw new Error('the lock was not taken');

    // Act: the compaction renews (a month switched) as the signal handler gives the lock back.
    await Promise.all([held.renew(), store.unlock('stopped-by-ctrl-c'), held.renew()]);
    await held.renew();

    // Assess
    expect(await store.readText(curatedKeys.lock)).toBeUndefined();
    expect((await compactLocal(root)).complete).toBe(true);
  }, 60_000);

  it('takes over the lock of a compaction on this machine that was stopped (Ctrl-C) before its lease ran out', async () => {
    const root = await copy();
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    await mkdir(join(root, 'curated'), { recursive: true });
    await writeFile(
      join(root, curatedKeys.lock),
      JSON.stringify({
        owner: 'stopped',
        host: hostname(),
        pid: gone,
        until: new Date(Date.now() + 600_000).toISOString(),
      }),
    );

    expect((await compactLocal(root)).complete).toBe(true);
  }, 60_000);
});
