import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalArchive } from '../../../lambda/archive/local/local-archive.js';
import { backfillPlan, runBackfill } from '../../../lambda/pipeline/backfill.js';
import { simulatedDailyVisitTrend, simulatedMonthlyRetain } from '../../../lambda/simulator/simulated-data.js';
import {
  simulatedUserPortrait,
  simulatedVisitDistribution,
  simulatedVisitPage,
  simulatedWeeklyVisitTrend,
} from '../../../lambda/simulator/simulated-datacube.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { LocalSql } from '../../../lambda/sql/duckdb/local-sql.js';
import { SQL_TABLES } from '../../../lambda/sql/tables.js';
import { ARCHIVED_APIS, type ArchivedApi, archivedApi, archiveKey } from '../../../lambda/wechat/datacube-apis.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP, clientFor, NOW, startSimulator } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

let sim: WechatSimulator;
let dir: Awaited<ReturnType<typeof tempDir>>;
let sql: LocalSql;
let archive: string;
beforeAll(async () => {
  [sim, dir] = await Promise.all([startSimulator(), tempDir()]);
  archive = join(dir.path, 'archive');
  // Two months of every API, through the real client and the backfill use case.
  const items = backfillPlan(ARCHIVED_APIS, APP.appid, '2026-09-01', '2026-10-31');
  await runBackfill(
    { source: clientFor(sim), archive: new LocalArchive(archive), toolVersion: 'test', concurrency: 8 },
    items,
  );
  sql = await LocalSql.open(archive);
}, 60_000);
afterAll(async () => {
  sql?.close();
  await Promise.all([sim?.close(), dir?.remove()]);
});

describe('SQL over the local archive (DuckDB)', () => {
  it('has every table, with the partition columns first', async () => {
    const { rows } = await sql.query(
      "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW' AND table_name NOT LIKE '%_raw' AND table_name NOT LIKE '%_curated' ORDER BY 1",
    );

    expect(rows.map((r) => r.table_name)).toEqual(SQL_TABLES.map((t) => t.name).sort());
  });

  it('gives the daily figures WeChat sent, one row per app and day', async () => {
    const { rows } = await sql.query(
      "SELECT appid, dt, visit_uv, visit_uv_new, visit_depth FROM daily_visit_trend WHERE dt BETWEEN '2026-10-01' AND '2026-10-03' ORDER BY dt",
    );

    expect(rows).toEqual(
      ['2026-10-01', '2026-10-02', '2026-10-03'].map((dt) => {
        const day = simulatedDailyVisitTrend(APP.appid, dt);
        return {
          appid: APP.appid,
          dt,
          visit_uv: day.visit_uv,
          visit_uv_new: day.visit_uv_new,
          visit_depth: day.visit_depth,
        };
      }),
    );
  });

  it('answers the 7-day average, retention by cohort, weekly visitors and top pages', async () => {
    const average = await sql.query(
      "SELECT round(avg(visit_uv)) AS avg_uv FROM daily_visit_trend WHERE dt BETWEEN '2026-10-25' AND '2026-10-31'",
    );
    const cohort = await sql.query(
      "SELECT n.visit_uv_new AS retained, c.visit_uv_new AS cohort FROM monthly_retain c JOIN monthly_retain n ON n.appid = c.appid AND n.month = c.month AND n.key = 1 WHERE c.key = 0 AND c.month = '2026-09'",
    );
    const weeks = await sql.query('SELECT week, visit_uv FROM weekly_visit_trend ORDER BY week');
    const pages = await sql.query(
      "SELECT page_path, page_visit_pv FROM visit_page WHERE dt = '2026-10-31' ORDER BY page_visit_pv DESC LIMIT 3",
    );

    const days = Array.from({ length: 7 }, (_, i) => simulatedDailyVisitTrend(APP.appid, `2026-10-${25 + i}`).visit_uv);
    expect(average.rows).toEqual([{ avg_uv: Math.round(days.reduce((a, b) => a + b, 0) / 7) }]);
    const september = simulatedMonthlyRetain(APP.appid, '2026-09', NOW);
    expect(cohort.rows).toEqual([
      { retained: september.visit_uv_new[1]?.value, cohort: september.visit_uv_new[0]?.value },
    ]);
    expect(weeks.rows[0]).toEqual({
      week: '2026-09-07',
      visit_uv: simulatedWeeklyVisitTrend(APP.appid, '2026-09-07').list[0]?.visit_uv,
    });
    expect(weeks.rows).toHaveLength(7);
    expect(pages.rows).toEqual(
      simulatedVisitPage(APP.appid, '2026-10-31')
        .list.slice(0, 3)
        .map((p) => ({ page_path: p.page_path, page_visit_pv: p.page_visit_pv })),
    );
  });

  it('flattens retention, distributions and portraits into long rows', async () => {
    const retain = await sql.query("SELECT key FROM daily_retain WHERE dt = '2026-10-01' ORDER BY key");
    const sources = await sql.query(
      "SELECT count(*) AS n FROM visit_distribution WHERE dt = '2026-10-01' AND distribution = 'access_source_session_cnt'",
    );
    const portrait = await sql.query('SELECT DISTINCT dimension FROM user_portrait WHERE days = 30 ORDER BY 1');

    expect(retain.rows.map((r) => r.key)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 14, 30]);
    expect(sources.rows[0]?.n).toBeGreaterThan(5);
    expect(portrait.rows.map((r) => r.dimension)).toEqual([
      'ages',
      'city',
      'devices',
      'genders',
      'platforms',
      'province',
    ]);
  });

  it('keeps every number of getVisitDistribution: the fourth distribution and access_source_visit_uv beside value', async () => {
    // Prepare: what the simulator sent for October (some days' source items carry visitors too).
    const days = Array.from({ length: 31 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`);
    const numbers = days.flatMap((d) =>
      simulatedVisitDistribution(APP.appid, d).list.flatMap((l) =>
        l.item_list.flatMap((i) =>
          ['value', 'access_source_visit_uv'].flatMap((k) => (k in i ? [i[k as 'value']] : [])),
        ),
      ),
    );

    // Act
    const { rows } = await sql.query(
      "SELECT distribution, sum(value) + coalesce(sum(access_source_visit_uv), 0) AS total, count(access_source_visit_uv) AS beside FROM visit_distribution WHERE dt BETWEEN '2026-10-01' AND '2026-10-31' GROUP BY ALL ORDER BY 1",
    );

    // Assess
    expect(rows.map((r) => r.distribution)).toEqual([
      'access_depth_info',
      'access_source_session_cnt',
      'access_source_visit_uv',
      'access_staytime_info',
    ]);
    expect(rows.reduce((sum, r) => sum + Number(r.total), 0)).toBe(numbers.reduce((a, b) => a + b, 0));
    expect(Number(rows.find((r) => r.distribution === 'access_source_session_cnt')?.beside)).toBeGreaterThan(0);
  });

  it("reads a portrait item's number whether it is under value or access_source_visit_uv", async () => {
    const windows = Array.from({ length: 30 }, (_, i) => `2026-10-${String(i + 2).padStart(2, '0')}`).map((end) =>
      simulatedUserPortrait(APP.appid, { end, days: 1 }),
    );
    const older = windows.filter((w) => 'access_source_visit_uv' in (w.visit_uv.province[0] ?? {}));

    const { rows } = await sql.query(
      "SELECT count(*) AS n, count(value) AS numbered, sum(value) AS users FROM user_portrait WHERE days = 1 AND dt BETWEEN '2026-10-02' AND '2026-10-31' AND users = 'visit_uv' AND dimension = 'province'",
    );

    expect(older.length).toBeGreaterThan(0);
    // Each item's number, wherever it is.
    const expected = windows.flatMap((w) =>
      w.visit_uv.province.map((p: Record<string, unknown>) => Number(p.value ?? p.access_source_visit_uv)),
    );
    expect(rows).toEqual([
      { n: expected.length, numbered: expected.length, users: expected.reduce((a, b) => a + b, 0) },
    ]);
  });

  it("reads bodies in the cloud call's shape (camelCase, errMsg) into the same rows, for every table", async () => {
    // Prepare: the same archive, every body as the CloudBase relay would have archived it.
    const cloudArchive = join(dir.path, 'cloud-archive');
    const camel = (key: string) => key.replace(/_([a-z])/g, (_m, letter: string) => letter.toUpperCase());
    const camelKeys = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(camelKeys)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), camelKeys(v)]))
          : value;
    const files = (await readdir(join(archive, 'raw'), { recursive: true })).filter((f) => f.endsWith('.json'));
    for (const file of files) {
      const body = JSON.parse(await readFile(join(archive, 'raw', file), 'utf8'));
      await mkdir(dirname(join(cloudArchive, 'raw', file)), { recursive: true });
      await writeFile(
        join(cloudArchive, 'raw', file),
        JSON.stringify({ ...(camelKeys(body) as object), errMsg: 'openapi.analysis.x:ok' }),
      );
    }
    const cloud = await LocalSql.open(cloudArchive);

    // Act
    const everything = async (db: LocalSql) =>
      Promise.all(SQL_TABLES.map(async (t) => (await db.query(`SELECT * FROM ${t.name} ORDER BY ALL`)).rows));
    const [https, cloudCall] = await Promise.all([everything(sql), everything(cloud)]);
    cloud.close();

    // Assess: not one NULL where the HTTPS shape has a value, and the same rows.
    expect(files.length).toBeGreaterThan(100);
    expect(https.every((rows) => rows.length > 0)).toBe(true);
    expect(cloudCall.map((rows) => rows.length)).toEqual(https.map((rows) => rows.length));
    expect(cloudCall).toEqual(https);
  });

  it('works on an archive with nothing in it yet', async () => {
    const empty = await LocalSql.open(join(dir.path, 'nothing-here'));

    expect((await empty.query('SELECT count(*) AS n FROM visit_page')).rows).toEqual([{ n: 0 }]);
    empty.close();
  });
});

describe('raw bodies that cannot be answers, in an archive never compacted', () => {
  const damaged = [
    ['2026-10-01', '', 'is empty (0 bytes)'],
    [
      '2026-10-02',
      '{"errcode":-1,"errmsg":"system error"}',
      "is WeChat's error answer, not data (errcode -1: system error)",
    ],
    ['2026-10-03', '[]', 'is not an answer (a JSON array, not an object)'],
    [
      '2026-10-04',
      '{"list":[{"ref_date":"20261004","visit_uv":"abc"}]}',
      'is not an answer of this API: a field has the wrong type (Failed to cast value to numerical: "abc")',
    ],
  ] as const;
  const daily = archivedApi('daily') as ArchivedApi;
  let root: string;
  const keyOf = (dt: string) => archiveKey(daily, APP.appid, dt);
  beforeAll(async () => {
    // Six days of the daily trend, backfilled from the simulator, then four of them damaged; never compacted.
    root = join(dir.path, 'never-compacted');
    const items = backfillPlan([daily], APP.appid, '2026-10-01', '2026-10-06');
    await runBackfill(
      { source: clientFor(sim), archive: new LocalArchive(root), toolVersion: 'test', concurrency: 4 },
      items,
    );
    for (const [dt, body] of damaged) await writeFile(join(root, keyOf(dt)), body);
  }, 60_000);

  it('leaves out and names each one in the table, as once compacted, and keeps them in <table>_raw', async () => {
    // Act
    const query = await runCliInProcess([
      'query',
      'SELECT dt FROM daily_visit_trend ORDER BY dt',
      '--archive',
      root,
      '--json',
    ]);
    const raw = await runCliInProcess([
      'query',
      'SELECT DISTINCT dt FROM daily_visit_trend_raw ORDER BY dt',
      '--archive',
      root,
      '--json',
    ]);

    // Assess: each named once, with what to do; the other days' rows as they are.
    expect(query.code).toBe(0);
    expect(JSON.parse(query.stdout)).toEqual([{ dt: '2026-10-05' }, { dt: '2026-10-06' }]);
    const lines = query.stderr.trim().split('\n');
    expect(lines).toHaveLength(damaged.length);
    for (const [dt, , reason] of damaged) {
      const path = join(root, keyOf(dt));
      expect(lines).toContain(
        `wxa-report: warning: ${path} (daily_visit_trend, app ${APP.appid}, ${dt}) ${reason}: left out of this query; fetch it again with "wxa-report backfill --archive ${root} --apis daily --from ${dt} --to ${dt}" and app ${APP.appid}'s credentials (backfill replaces it); if WeChat no longer has that period, remove it: rm ${path}`,
      );
    }
    // The raw view is every body as it is (WeChat's error answer too; the wrong-typed field is not read here).
    expect(raw).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(raw.stdout).map((r: { dt: string }) => r.dt)).toEqual([
      '2026-10-02',
      '2026-10-04',
      '2026-10-05',
      '2026-10-06',
    ]);
  });

  it('past the most files it checks, reads the glob unchecked and says so once, with the compaction that names them', async () => {
    // Prepare: a limit under the table's six files.
    const warnings: string[] = [];
    const local = await LocalSql.open(root, { warn: (m) => warnings.push(m), mostPending: 5 });

    // Act
    const first = await local.query('SELECT count(*) AS n FROM daily_visit_trend');
    const again = await local.query('SELECT count(*) AS n FROM daily_visit_trend_raw');
    local.close();

    // Assess: the same rows; the body DuckDB cannot read is still named (and left out of every view since), the others are not.
    expect(first.rows).toEqual([{ n: 2 }]);
    expect(again.rows).toEqual([{ n: 3 }]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toBe(
      `daily_visit_trend is read from its 6 raw files as a whole (over 5 not compacted), so a body among them that cannot be an answer (empty, WeChat's error answer, a JSON array) is not named; "wxa-report compact --archive ${root}" names each one (and makes this table's queries fast)`,
    );
    expect(warnings[1]).toMatch(
      /dt=2026-10-04\/response\.json .+ a field has the wrong type .+: left out of this query; /,
    );
  });
});

describe('values as people and scripts read them', () => {
  it('gives dates and timestamps as text, decimals and sums as numbers, lists and structs as JSON', async () => {
    // Prepare
    const september = Array.from({ length: 30 }, (_, i) =>
      simulatedDailyVisitTrend(APP.appid, `2026-09-${String(i + 1).padStart(2, '0')}`),
    );
    const total = september.reduce((sum, day) => sum + day.visit_uv, 0);
    const day = simulatedDailyVisitTrend(APP.appid, '2026-10-01');

    // Act
    const months = await sql.query(
      "SELECT date_trunc('month', dt::DATE) AS m, dt::DATE AS first_day, avg(visit_uv)::DECIMAL(12,1) AS a, sum(visit_uv) AS s, count(*) AS n FROM daily_visit_trend WHERE dt LIKE '2026-09-%' GROUP BY 1, 2 ORDER BY 2 LIMIT 1",
    );
    const monthly = await sql.query(
      "SELECT date_trunc('month', dt::DATE) AS m, avg(visit_uv)::DECIMAL(12,1) AS a, sum(visit_uv) AS s FROM daily_visit_trend WHERE dt LIKE '2026-09-%' GROUP BY 1",
    );
    const list = await sql.query("SELECT list FROM daily_visit_trend_raw WHERE dt = '2026-10-01'");
    const literals = await sql.query(
      "SELECT TIMESTAMP '2026-10-01 09:30:00.5' AS ts, 12345678901234567890.12::DECIMAL(38,2) AS exact, 0.1::DECIMAL(3,1) AS tenth, 170141183460469231731687303715884105727::HUGEINT AS huge, 9007199254740993::BIGINT AS past_2_53, {'a': 1, 'b': [1, 2]} AS s, MAP {'k': 1} AS m, NULL AS nothing",
    );

    // Assess
    expect(months.rows).toEqual([
      { m: '2026-09-01 00:00:00', first_day: '2026-09-01', a: expect.any(Number), s: september[0]?.visit_uv, n: 1 },
    ]);
    expect(monthly.rows).toEqual([{ m: '2026-09-01 00:00:00', a: Math.round((total / 30) * 10) / 10, s: total }]);
    expect(list.rows).toEqual([
      { list: [expect.objectContaining({ ref_date: '20261001', visit_uv: day.visit_uv, visitUv: null })] },
    ]);
    expect(literals.rows).toEqual([
      {
        ts: '2026-10-01 09:30:00.5',
        exact: '12345678901234567890.12',
        tenth: 0.1,
        huge: '170141183460469231731687303715884105727',
        past_2_53: '9007199254740993',
        s: { a: 1, b: [1, 2] },
        m: [{ key: 'k', value: 1 }],
        nothing: null,
      },
    ]);
  });

  it('prints them so in the table and in --json', async () => {
    // Prepare
    const query =
      "SELECT date_trunc('month', dt::DATE) AS m, avg(visit_uv)::DECIMAL(12,1) AS a, list(dt ORDER BY dt)[1:2] AS days FROM daily_visit_trend GROUP BY 1 ORDER BY 1";

    // Act
    const text = await runCliInProcess(['query', query, '--archive', archive]);
    const json = await runCliInProcess(['query', query, '--archive', archive, '--json']);

    // Assess
    expect(text.stdout).toMatch(
      /^m {19} {2,}a {2}days\n-{19} {2}-+ {2}-+\n2026-09-01 00:00:00 {2,}\d+(\.\d)? {2}\["2026-09-01","2026-09-02"\]\n2026-10-01 00:00:00 {2,}\d+(\.\d)? {2}\["2026-10-01","2026-10-02"\]\n\(2 rows\)\n$/,
    );
    expect(JSON.parse(json.stdout)).toEqual([
      { m: '2026-09-01 00:00:00', a: expect.any(Number), days: ['2026-09-01', '2026-09-02'] },
      { m: '2026-10-01 00:00:00', a: expect.any(Number), days: ['2026-10-01', '2026-10-02'] },
    ]);
  });
});

describe('wxa-report query', () => {
  it('prints rows as JSON objects, or as a table', async () => {
    const json = await runCliInProcess([
      'query',
      "SELECT dt, visit_uv FROM daily_visit_trend WHERE dt = '2026-10-01'",
      '--archive',
      archive,
      '--json',
    ]);
    const text = await runCliInProcess([
      'query',
      "SELECT dt, visit_uv FROM daily_visit_trend WHERE dt = '2026-10-01'",
      '--archive',
      archive,
    ]);

    expect(JSON.parse(json.stdout)).toEqual([
      { dt: '2026-10-01', visit_uv: simulatedDailyVisitTrend(APP.appid, '2026-10-01').visit_uv },
    ]);
    expect(text.stdout).toMatch(/^dt +visit_uv\n-+ +-+\n2026-10-01 +\d+\n\(1 row\)\n$/);
  });

  it('says what is wrong with a query, and refuses S3', async () => {
    const bad = await runCliInProcess(['query', 'SELECT nope FROM visit_page', '--archive', archive]);
    const s3 = await runCliInProcess(['query', 'SELECT 1', '--archive', 's3://bucket/wxa']);

    expect(bad).toMatchObject({ code: 1, stderr: expect.stringMatching(/^wxa-report: the query failed: .*"nope"/) });
    expect(s3).toMatchObject({ code: 1, stderr: expect.stringMatching(/over S3 use Athena/) });
  });

  it('lists the tables when the query names one that is not there', async () => {
    const { code, stderr } = await runCliInProcess(['query', 'SELECT * FROM daily_visits', '--archive', archive]);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `wxa-report: the query failed: there is no table "daily_visits"; the tables are ${SQL_TABLES.map((t) => t.name).join(', ')} (columns: see the README)\n`,
    );
  });

  it('says there is no archive at a path that does not exist, or that holds none, instead of answering 0 rows', async () => {
    const missing = join(dir.path, 'no-such-archive');
    const sql = 'SELECT count(*) AS n FROM daily_visit_trend';

    const nowhere = await runCliInProcess(['query', sql, '--archive', missing]);
    const parent = await runCliInProcess(['query', sql, '--archive', dir.path]);
    const byDefault = await runCliInProcess(['query', sql], { cwd: dir.path });

    expect(nowhere).toEqual({
      code: 1,
      stdout: '',
      stderr: `wxa-report: there is no archive at --archive ${missing}: give --archive the folder "wxa-report daily" or "backfill" wrote (it holds raw/), or fill one first with "wxa-report backfill --from YYYY-MM-DD"\n`,
    });
    expect(parent).toMatchObject({
      code: 1,
      stderr: `wxa-report: --archive ${dir.path} is not an archive (no raw/ in it), but ${archive} is: give --archive ${archive}\n`,
    });
    expect(byDefault).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^wxa-report: there is no archive at the default archive .*wxa-data\/archive: /),
    });
  });
});

describe('backfill over every API', () => {
  it('plans days, whole weeks, whole months and the portrait windows of a range', () => {
    const plan = backfillPlan(ARCHIVED_APIS, APP.appid, '2026-10-01', '2026-10-31');
    const count = (cli: string) => plan.filter((i) => i.api.cli === cli).length;

    expect([count('daily'), count('weekly-trend'), count('monthly'), count('user-portrait')]).toEqual([
      31,
      3,
      1,
      31 + 3 + 1,
    ]); // October 2026 starts on a Thursday: three whole weeks
  });

  it('plans 7-day portraits to the weekday asked, or to every day', () => {
    const portraits = (portraitWeekEnds: 3 | 'daily') =>
      backfillPlan(ARCHIVED_APIS, APP.appid, '2026-10-01', '2026-10-31', { portraitWeekEnds })
        .filter((i) => i.api.cli === 'user-portrait' && (i.period as { days: number }).days === 7)
        .map((i) => (i.period as { end: string }).end);

    expect(portraits(3)).toEqual(['2026-10-07', '2026-10-14', '2026-10-21', '2026-10-28']);
    expect(portraits('daily')).toHaveLength(25); // every day from the 7th, the first with six days before it
  });

  it('archives portraits ending on a Wednesday with --portrait-week-ends, whichever ref_date form WeChat sends', async () => {
    // Prepare
    const sim = await startSimulator();
    const dir = await tempDir();
    try {
      // Act
      const { code, stdout } = await runCliInProcess(
        [
          'backfill',
          '--from',
          '2026-10-01',
          '--to',
          '2026-10-31',
          '--apis',
          'user-portrait',
          '--portrait-week-ends',
          'wednesday',
          '--archive',
          dir.path,
        ],
        { env: { WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret, WECHAT_API_BASE: sim.url } },
      );

      // Assess: 31 one-day windows, four 7-day windows to each Wednesday, one 30-day window.
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Archived 36 answer\(s\) of 36 /);
      const forms = (['2026-10-07', '2026-10-14', '2026-10-21', '2026-10-28'] as const).map((end) =>
        simulatedUserPortrait(APP.appid, { end, days: 7 }).ref_date.includes('-'),
      );
      expect(new Set(forms).size).toBe(2);
      const week = await new LocalArchive(dir.path).get(
        archiveKey(archivedApi('user-portrait') as ArchivedApi, APP.appid, { end: '2026-10-14', days: 7 }),
      );
      expect(week).toBeDefined();
      const bad = await runCliInProcess(['backfill', '--from', '2026-10-01', '--portrait-week-ends', 'weekend'], {
        env: { WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret, WECHAT_API_BASE: sim.url },
      });
      expect(bad).toMatchObject({
        code: 1,
        stderr:
          'wxa-report: --portrait-week-ends must be a weekday (sunday, monday, tuesday, wednesday, thursday, friday, saturday) or daily, not "weekend"\n',
      });
    } finally {
      await Promise.all([sim.close(), dir.remove()]);
    }
  });
});
