import { readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalArchive } from '../../../lambda/archive/local/local-archive.js';
import { beijingToday } from '../../../lambda/calendar/beijing-calendar.js';
import { backfillPlan, runBackfill } from '../../../lambda/pipeline/backfill.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { CallDeadlineError, CallGate, QuotaClosedError } from '../../../lambda/wechat/call-gate.js';
import { archivedApi } from '../../../lambda/wechat/datacube-apis.js';
import { WechatApiError } from '../../../lambda/wechat/errors.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP, clientFor, NOW, startSimulator } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * WeChat's limits during long work, with the simulator counting as WeChat does (a daily quota per
 * API, a per-minute limit, stable_token's forced refreshes) on a clock the test moves: a pause for
 * the next minute takes no real time.
 */
function virtualTime(start = NOW.getTime()) {
  let now = start;
  return {
    clock: () => new Date(now),
    // A wait ends at once, the clock moved to its end; the next waiter then has nothing left to wait.
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

let sim: WechatSimulator | undefined;
let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
afterEach(async () => {
  await Promise.all([sim?.close(), dir?.remove()]);
  sim = undefined;
  dir = undefined;
});

const env = () => ({ WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret, WECHAT_API_BASE: sim?.url ?? '' });
const archivedDays = async (archive: string) =>
  (await readdir(join(archive, 'raw/daily-visit-trend', `appid=${APP.appid}`)).catch(() => [])).length;

describe('the daily quota (45009) in the middle of a backfill', () => {
  it('stops calling the API, keeps what was archived, says once what is left, and the same command goes on the next days', async () => {
    // Prepare: WeChat answers 10 calls of getDailyVisitTrend a day for this app.
    const time = virtualTime();
    sim = await startSimulator({ clock: time.clock });
    sim.setLimit({ endpoint: 'getDailyVisitTrend', daily: 10 });
    dir = await tempDir();
    const args = ['backfill', '--from', '2026-10-24', '--to', '2026-11-22', '--archive', dir.path];

    // Act
    const run = () => runCliInProcess(args, { env: env(), clock: time.clock, sleep: time.sleep });
    const today = await run();
    const callsToday = sim.callCount('getDailyVisitTrend');
    time.advance(24 * 3_600_000);
    const tomorrow = await run();
    time.advance(24 * 3_600_000);
    const dayAfter = await run();

    // Assess: 10 archived, the other 20 left in one line (not 20 failures), at most the calls in flight refused.
    expect(today.code).toBe(1);
    expect(today.stdout).toBe(
      'Archived 10 missing day(s) of 30 from 2026-10-24 to 2026-11-22 (20 left for tomorrow (daily quota))\n',
    );
    expect(today.stderr).toBe(
      "wxa-report: WeChat's daily quota for getDailyVisitTrend is used up (errcode 45009): 20 period(s) left, not called again today; run the same command tomorrow to archive them (what is archived is skipped)\n",
    );
    expect(callsToday).toBeGreaterThan(10);
    expect(callsToday).toBeLessThanOrEqual(10 + 4);
    expect(tomorrow).toMatchObject({
      code: 1,
      stdout: 'Archived 10 missing day(s) of 30 from 2026-10-24 to 2026-11-22 (10 left for tomorrow (daily quota))\n',
      stderr: expect.stringContaining('(errcode 45009): 10 period(s) left'),
    });
    expect(dayAfter).toMatchObject({
      code: 0,
      stdout: 'Archived 10 missing day(s) of 30 from 2026-10-24 to 2026-11-22\n',
      stderr: '',
    });
    expect(await archivedDays(dir.path)).toBe(30);
  });

  it('with --apis, the summary counts what the quota left, so its numbers add up to the total', async () => {
    // Prepare: 10 calls a day, 30 days asked for.
    const time = virtualTime();
    sim = await startSimulator({ clock: time.clock });
    sim.setLimit({ endpoint: 'getDailyVisitTrend', daily: 10 });
    dir = await tempDir();

    // Act
    const { code, stdout } = await runCliInProcess(
      ['backfill', '--from', '2026-10-24', '--to', '2026-11-22', '--archive', dir.path, '--apis', 'daily'],
      { env: env(), clock: time.clock, sleep: time.sleep },
    );

    // Assess: 10 + 0 + 0 + 0 + 20 = 30.
    expect(code).toBe(1);
    expect(stdout).toBe(
      'Archived 10 answer(s) of 30 from 2026-10-24 to 2026-11-22 (0 already archived, 0 not yet available, 0 failed, 20 left for tomorrow (daily quota))\n',
    );
  });

  it('closes only the API whose quota ran out; the others go on', async () => {
    // Prepare
    sim = await startSimulator();
    sim.setLimit({ endpoint: 'getVisitPage', daily: 3 });
    dir = await tempDir();
    const apis = ['daily', 'visit-page'].map((name) => archivedApi(name)) as NonNullable<
      ReturnType<typeof archivedApi>
    >[];
    const items = backfillPlan(apis, APP.appid, '2026-11-13', '2026-11-22');

    // Act
    const result = await runBackfill(
      { source: clientFor(sim), archive: new LocalArchive(dir.path), toolVersion: 'test', concurrency: 1 },
      items,
    );

    // Assess
    expect(result.fetched).toBe(13);
    expect(result.failed).toBe(0);
    expect(result.quotaReached).toEqual([{ api: 'getVisitPage', left: 7 }]);
    expect(sim.callCount('getVisitPage')).toBe(4);
  });
});

describe('the per-minute limit (45011) during a backfill', () => {
  it('pauses every worker until the next minute, then goes on: every day archived', async () => {
    // Prepare: WeChat answers 5 calls a minute; 20 days, 4 workers.
    const time = virtualTime();
    sim = await startSimulator({ clock: time.clock });
    sim.setLimit({ endpoint: 'getDailyVisitTrend', perMinute: 5 });
    dir = await tempDir();

    // Act
    const { code, stdout, stderr } = await runCliInProcess(
      ['backfill', '--from', '2026-11-03', '--to', '2026-11-22', '--archive', dir.path],
      { env: env(), clock: time.clock, sleep: time.sleep },
    );

    // Assess: three pauses (5 + 5 + 5 + 5), each said once; only calls already in flight refused.
    expect(code).toBe(0);
    expect(stdout).toBe('Archived 20 missing day(s) of 20 from 2026-11-03 to 2026-11-22\n');
    expect(stderr.split('\n').filter(Boolean)).toEqual(
      ['10:01:01', '10:02:01', '10:03:01'].map(
        (until) =>
          `wxa-report: WeChat's per-minute limit for getDailyVisitTrend (errcode 45011): every call waits until ${until} (Beijing), then the backfill goes on`,
      ),
    );
    const refused = sim.callCount('getDailyVisitTrend') - 20;
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(refused).toBeLessThanOrEqual(3 * 4);
    expect(await archivedDays(dir.path)).toBe(20);
  });
});

/** The pause lines of a command's stderr, and the rest. */
function pauseLinesOf(stderr: string): { pauses: string[]; others: string[] } {
  const lines = stderr.split('\n').filter(Boolean);
  const isPause = (line: string) => line.includes("WeChat's per-minute limit");
  return { pauses: lines.filter(isPause), others: lines.filter((line) => !isPause(line)) };
}

const HISTORY_OUT_OF_TIME =
  /^wxa-report: warning: \d+ earlier days could not be fetched this time \(the report's time ran out\); the next report fetches them/;

describe('the per-minute limit (45011) during a report', () => {
  it('daily: says each pause in one line, then the report goes on and is sent', async () => {
    // Prepare: WeChat answers one call a minute; the report needs more than one day.
    const time = virtualTime();
    sim = await startSimulator({ clock: time.clock });
    sim.setLimit({ endpoint: 'getDailyVisitTrend', perMinute: 1 });
    dir = await tempDir();

    // Act
    const { code, stdout, stderr } = await runCliInProcess(
      ['daily', '--date', '2026-11-22', '--archive', join(dir.path, 'archive'), '--outbox', join(dir.path, 'outbox')],
      { env: env(), clock: time.clock, sleep: time.sleep, cwd: dir.path },
    );

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('Daily report for');
    // A first report: at one call a minute its history does not fit its time, which it says too.
    const { pauses, others } = pauseLinesOf(stderr);
    expect(pauses.length).toBeGreaterThan(0);
    for (const line of pauses)
      expect(line).toMatch(
        /^wxa-report: WeChat's per-minute limit for getDailyVisitTrend \(errcode 45011\): every call waits until 10:\d\d:01 \(Beijing\), then the report goes on$/,
      );
    expect(others).toEqual([expect.stringMatching(HISTORY_OUT_OF_TIME)]);
  });

  it('run: names the app whose calls pause, once per pause, and every report is sent', async () => {
    const time = virtualTime();
    sim = await startSimulator({ clock: time.clock });
    sim.setLimit({ endpoint: 'getDailyVisitTrend', perMinute: 1 });
    dir = await tempDir();
    await writeFile(
      join(dir.path, 'wxa.config.json'),
      JSON.stringify({
        apps: [{ name: 'shop', appid: APP.appid, recipients: ['ops@example.com'] }],
        email: { transport: 'smtp', from: 'r@example.com' },
      }),
    );

    const { code, stdout, stderr } = await runCliInProcess(['run', 'daily', '--config', 'wxa.config.json'], {
      env: { WXA_APP_SHOP_SECRET: APP.secret, WECHAT_API_BASE: sim.url },
      clock: time.clock,
      sleep: time.sleep,
      cwd: dir.path,
    });

    expect(code).toBe(0);
    expect(stdout).toMatch(/^sent +shop daily 2026-11-22/m);
    const { pauses, others } = pauseLinesOf(stderr);
    expect(pauses.length).toBeGreaterThan(0);
    expect(others).toEqual([expect.stringMatching(HISTORY_OUT_OF_TIME)]);
    for (const line of pauses)
      expect(line).toMatch(
        /^wxa-report: WeChat's per-minute limit for shop's getDailyVisitTrend \(errcode 45011\): every call of shop waits until 10:\d\d:01 \(Beijing\), then the run goes on$/,
      );
  });
});

describe('a refusal another call cannot change, during a backfill', () => {
  const backfill = (extra: string[] = [], secret = APP.secret, concurrency = '1') =>
    runCliInProcess(
      [
        'backfill',
        '--from',
        '2026-11-13',
        '--to',
        '2026-11-22',
        '--archive',
        dir?.path ?? '',
        '--concurrency',
        concurrency,
        ...extra,
      ],
      { env: { ...env(), WECHAT_APPSECRET: secret } },
    );
  const tokenCalls = () => (sim?.callCount('stable_token') ?? 0) + (sim?.callCount('token') ?? 0);

  it('a token rejected after the one forced refresh (40001) stops every call of the app, keeps what was archived, and says so once', async () => {
    // Prepare: WeChat answers 4 calls, then rejects every token, even a freshly forced one.
    sim = await startSimulator();
    sim.addFault({ endpoint: 'getDailyVisitTrend', times: 4, action: { kind: 'delay', ms: 0 } });
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'errcode', errcode: 40001 } });
    dir = await tempDir();

    // Act
    const { code, stdout, stderr } = await backfill();

    // Assess: the 5th day's call, its renewal and the forced refresh, then nothing more.
    expect(code).toBe(1);
    expect(stdout).toBe('Archived 4 missing day(s) of 10 from 2026-11-13 to 2026-11-22\n');
    expect(stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        /^wxa-report: getDailyVisitTrend failed: WeChat errcode 40001 \(simulated error\): access_token invalid or not the latest\. Fix: another system forced a refresh of this AppID's stable token .*\. 6 period\(s\) not archived: nothing more was called for this app after this refusal\. Once it is fixed, run the same command \(what is archived is skipped\)$/,
      ),
    ]);
    expect(sim.callCount('getDailyVisitTrend')).toBe(4 + 3);
    expect(tokenCalls()).toBe(3);
    expect(
      sim.requests('stable_token').filter((r) => (r.body as { force_refresh?: boolean }).force_refresh),
    ).toHaveLength(1);
    expect(await archivedDays(dir.path)).toBe(4);
  });

  it('a wrong AppSecret (40125) is asked once: no datacube call, one line with the fix', async () => {
    sim = await startSimulator();
    dir = await tempDir();

    const { code, stderr } = await backfill([], 'not-the-app-secret');

    expect(code).toBe(1);
    expect(stderr).toBe(
      'wxa-report: stable_token failed: WeChat errcode 40125 (invalid appsecret): invalid AppSecret. Fix: check the AppSecret, or reset it in the admin console under 开发管理 → 开发设置 and store the new one. 10 period(s) not archived: nothing more was called for this app after this refusal. Once it is fixed, run the same command (what is archived is skipped)\n',
    );
    expect(tokenCalls()).toBe(1);
    expect(sim.callCount('getDailyVisitTrend')).toBe(0);
  });

  it('an API the account may not call (48001) stops that API only; the others are archived', async () => {
    sim = await startSimulator();
    sim.addFault({ endpoint: 'getVisitPage', action: { kind: 'errcode', errcode: 48001 } });
    dir = await tempDir();

    const { code, stdout, stderr } = await backfill(['--apis', 'daily,visit-page']);

    expect(code).toBe(1);
    expect(stdout).toBe(
      'Archived 10 answer(s) of 20 from 2026-11-13 to 2026-11-22 (0 already archived, 0 not yet available, 10 failed)\n',
    );
    expect(stderr).toBe(
      'wxa-report: getVisitPage failed: WeChat errcode 48001 (simulated error): API not authorized for this account. Fix: the Mini Program must be verified (微信认证) and have the data analysis permission; for a third-party platform, the merchant must grant permission set 18 or 21. 10 period(s) not archived: visit-page was not called again after this refusal. Once it is fixed, run the same command (what is archived is skipped)\n',
    );
    expect(sim.callCount('getVisitPage')).toBe(1);
    expect(await archivedDays(dir.path)).toBe(10);
  });

  it('one refusal of several APIs is one line naming them, with four workers at once', async () => {
    sim = await startSimulator();
    for (const endpoint of ['getVisitPage', 'getDailySummary'] as const)
      sim.addFault({ endpoint, action: { kind: 'errcode', errcode: 48001 } });
    dir = await tempDir();

    const { code, stderr } = await backfill(['--apis', 'daily,visit-page,daily-summary'], APP.secret, '4');

    // Assess: only calls already in flight when the first refusal came were sent.
    expect(code).toBe(1);
    expect(stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        /^wxa-report: (getVisitPage, getDailySummary|getDailySummary, getVisitPage) failed: WeChat errcode 48001 .* 20 period\(s\) not archived: (visit-page, daily-summary|daily-summary, visit-page) were not called again after this refusal\. Once it is fixed, run the same command \(what is archived is skipped\)$/,
      ),
    ]);
    expect(sim.callCount('getVisitPage') + sim.callCount('getDailySummary')).toBeLessThanOrEqual(2 + 4);
  });

  it('a token service that refuses (HTTP 401) stops every call of the app, though WeChat said nothing', async () => {
    // Prepare: the user's own token service, refusing this machine.
    let asked = 0;
    const service = createServer((_req, res) => {
      asked += 1;
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    sim = await startSimulator();
    dir = await tempDir();
    const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}/token`;

    try {
      // Act
      const { code, stderr } = await backfill(['--token-service', url]);

      // Assess
      expect(code).toBe(1);
      expect(stderr.split('\n').filter(Boolean)).toEqual([
        expect.stringMatching(
          /^wxa-report: token service: HTTP 401 .* 10 period\(s\) not archived: nothing more was called for this app after this refusal\./,
        ),
      ]);
      expect(asked).toBe(1);
      expect(sim.callCount('getDailyVisitTrend')).toBe(0);
    } finally {
      await new Promise<void>((resolve) => service.close(() => resolve()));
    }
  });
});

describe('the call gate, for any long work of a run', () => {
  it('refuses without calling once a quota ran out today, and calls again the next Beijing day', async () => {
    const time = virtualTime();
    const gate = new CallGate({ clock: time.clock, sleep: time.sleep });
    let calls = 0;
    const quota = () => {
      calls += 1;
      return Promise.reject(new WechatApiError('getVisitPage', 45009, 'reach max api daily quota limit'));
    };

    const first = await gate.run(APP.appid, 'getVisitPage', quota).catch((e: unknown) => e);
    const second = await gate.run(APP.appid, 'getVisitPage', quota).catch((e: unknown) => e);
    const otherApp = await gate.run('wx0000000000000000', 'getVisitPage', async () => 'answered');
    // 10:00 Beijing + 14 h = midnight passed in Beijing.
    time.advance(14 * 3_600_000);
    const nextDay = await gate.run(APP.appid, 'getVisitPage', async () => 'answered');

    expect(first).toBeInstanceOf(WechatApiError);
    expect(second).toBeInstanceOf(QuotaClosedError);
    expect((second as WechatApiError).errcode).toBe(45009);
    expect(calls).toBe(1);
    expect([otherApp, nextDay]).toEqual(['answered', 'answered']);
    expect(beijingToday(time.clock())).toBe('2026-11-24');
  });

  it('with a deadline, sends nothing past it and waits through no pause that would end after it', async () => {
    // 10:00:30 Beijing: a 45011 now pauses the app until 10:01:01.
    const time = virtualTime(NOW.getTime() + 30_000);
    const gate = new CallGate({ clock: time.clock, sleep: time.sleep });
    const minute = new WechatApiError('getDailyVisitTrend', 45011, 'api minute-quota reach limit');
    let calls = 0;
    const limited = () => {
      calls += 1;
      return Promise.reject(minute);
    };
    const soon = { deadline: new Date(NOW.getTime() + 45_000) };
    const later = { deadline: new Date(NOW.getTime() + 120_000) };

    const paused = await gate.run(APP.appid, 'getDailyVisitTrend', limited, soon).catch((e: unknown) => e);
    const held = await gate.run(APP.appid, 'getVisitPage', async () => 'answered', soon).catch((e: unknown) => e);
    const waited = await gate.run(APP.appid, 'getVisitPage', async () => 'answered', later);
    const past = await gate.run(APP.appid, 'getVisitPage', async () => 'answered', soon).catch((e: unknown) => e);

    expect(paused).toBeInstanceOf(CallDeadlineError);
    expect((paused as Error).cause).toBe(minute);
    expect(held).toBeInstanceOf(CallDeadlineError);
    expect(waited).toBe('answered');
    expect(past).toBeInstanceOf(CallDeadlineError);
    expect(calls).toBe(1);
  });

  it('stops what a refusal reaches with that very refusal, unsent: the API for 48001, the app for 40125', async () => {
    const gate = new CallGate();
    let calls = 0;
    const refuse = (errcode: number, api: string) => () => {
      calls += 1;
      return Promise.reject(new WechatApiError(api, errcode, 'refused'));
    };

    const notAuthorized = await gate.run('wx1', 'getVisitPage', refuse(48001, 'getVisitPage')).catch((e: unknown) => e);
    const again = await gate.run('wx1', 'getVisitPage', refuse(48001, 'getVisitPage')).catch((e: unknown) => e);
    const otherApi = await gate.run('wx1', 'getDailySummary', async () => 'answered');
    const badSecret = await gate.run('wx2', 'getVisitPage', refuse(40125, 'stable_token')).catch((e: unknown) => e);
    const anyApi = await gate.run('wx2', 'getDailySummary', async () => 'answered').catch((e: unknown) => e);
    const oneDate = await gate.run('wx3', 'getVisitPage', refuse(61501, 'getVisitPage')).catch((e: unknown) => e);
    const nextDate = await gate.run('wx3', 'getVisitPage', async () => 'answered');

    expect(calls).toBe(3);
    expect(again).toBe(notAuthorized);
    expect(otherApi).toBe('answered');
    expect(anyApi).toBe(badSecret);
    expect(gate.refusalOf('wx2', 'getWeeklyRetain')).toEqual({ refusal: badSecret, scope: 'app' });
    expect((oneDate as WechatApiError).errcode).toBe(61501);
    expect(nextDate).toBe('answered');
  });

  it('forces one token refresh per AppID, shared by every caller of the run', async () => {
    const gate = new CallGate();
    let refreshes = 0;
    const refresh = async () => `forced-${++refreshes}`;

    const all = await Promise.all(Array.from({ length: 3 }, () => gate.forceRefreshOnce('wx1', refresh)));
    const later = await gate.forceRefreshOnce('wx1', refresh);

    expect(refreshes).toBe(1);
    expect(all.map((a) => a.first)).toEqual([true, false, false]);
    expect(new Set([...all, later].map((a) => a.token))).toEqual(new Set(['forced-1']));
  });
});
