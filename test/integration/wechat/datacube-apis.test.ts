import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { addDays } from '../../../lambda/calendar/beijing-calendar.js';
import { simulatedUserPortrait, simulatedVisitDistribution } from '../../../lambda/simulator/simulated-datacube.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import {
  type AnyDatacubeApi,
  archiveKey,
  DATACUBE_APIS,
  dailyRetainApi,
  lastCompleteWeek,
  userPortraitApi,
  visitDistributionApi,
  visitPageApi,
  weeklyRetainApi,
  weeklyVisitTrendApi,
} from '../../../lambda/wechat/datacube-apis.js';
import type { DatacubeEndpoint } from '../../../lambda/wechat/datacube-endpoints.js';
import { InvalidRequestError, WechatResponseError } from '../../../lambda/wechat/errors.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP, clientFor, NOW, startSimulator } from '../../support/simulator.js';

let sim: WechatSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

// NOW is 2026-11-23 10:00 in Beijing, a Monday: yesterday ended the week of 2026-11-16.
const PERIODS: Record<AnyDatacubeApi['kind'], unknown> = {
  day: '2026-11-22',
  week: '2026-11-16',
  month: '2026-10',
  portrait: { end: '2026-11-22', days: 7 },
};
function call<Body = unknown>(api: AnyDatacubeApi | DatacubeEndpoint<never, Body>, period: unknown) {
  return clientFor(sim).call(api as unknown as DatacubeEndpoint<unknown, Body>, period);
}

describe('every other datacube API against the simulator', () => {
  it.each(DATACUBE_APIS.map((api) => [api.name, api] as const))(
    '%s answers in its documented shape',
    async (_name, api) => {
      // Act
      const outcome = await call(api, PERIODS[api.kind]);

      // Assess
      expect(outcome.status).toBe('ok');
      if (outcome.status !== 'ok') return;
      expect(JSON.parse(outcome.raw.toString())).toEqual(outcome.value);
      expect(outcome.request.end_date >= outcome.request.begin_date).toBe(true);
      expect(sim.callCount(api.name as never)).toBe(1);
    },
  );

  it('keeps retention keys WeChat documents, and only those whose period has ended', async () => {
    const day = await call(dailyRetainApi, '2026-11-20');
    const week = await call(weeklyRetainApi, '2026-11-02');

    expect(day.status === 'ok' && day.value.visit_uv?.map((e) => e.key)).toEqual([0, 1, 2]);
    expect(week.status === 'ok' && week.value.visit_uv?.map((e) => e.key)).toEqual([0, 1, 2]);
  });

  it('gets the top pages ordered by visits, and portraits of 1, 7 and 30 days', async () => {
    const pages = await call(visitPageApi, '2026-11-22');
    const windows = await Promise.all([1, 7, 30].map((days) => call(userPortraitApi, { end: '2026-11-22', days })));

    const pvs = pages.status === 'ok' ? pages.value.list.map((p) => p.page_visit_pv ?? 0) : [];
    expect(pvs).toEqual([...pvs].sort((a, b) => b - a));
    expect(windows.map((w) => (w.status === 'ok' ? w.value.ref_date : ''))).toEqual(
      ([1, 7, 30] as const).map((days) => simulatedUserPortrait(APP.appid, { end: '2026-11-22', days }).ref_date),
    );
  });
});

describe('the answers real Mini Programs send', () => {
  const portraitAnswer = (refDate: string) => ({
    kind: 'body' as const,
    body: JSON.stringify({ ...simulatedUserPortrait(APP.appid, { end: '2026-11-22', days: 7 }), ref_date: refDate }),
  });

  it("takes a 7- or 30-day portrait's ref_date as the window's first day or as the range, and nothing else", async () => {
    // Prepare: WeChat's example answers 20170611-20170617 with "20170611"; the field table says the range.
    for (const refDate of ['20261116', '20261116-20261122', '20261122', '20261116-20261121', '20261117'])
      sim.addFault({ endpoint: 'getUserPortrait', times: 1, action: portraitAnswer(refDate) });

    // Act
    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push(await call(userPortraitApi, { end: '2026-11-22', days: 7 }).catch((e: unknown) => e));

    // Assess
    expect(answers.slice(0, 2).map((a) => (a as { status: string }).status)).toEqual(['ok', 'ok']);
    for (const refused of answers.slice(2)) {
      expect(refused).toBeInstanceOf(WechatResponseError);
      expect((refused as Error).message).toMatch(/asked for 20261116-20261122, the answer is for ref_date/);
    }
  });

  it('meets both forms, and numbers under access_source_visit_uv, in what the simulator sends', () => {
    const windows = Array.from({ length: 28 }, (_, i) =>
      simulatedUserPortrait(APP.appid, { end: addDays('2026-11-22', -i), days: 7 }),
    );
    const forms = new Set(windows.map((w) => (w.ref_date.includes('-') ? 'range' : 'first day')));
    const numbers = new Set(windows.map((w) => Object.keys(w.visit_uv.province[0] ?? {}).at(-1)));

    expect([...forms].sort()).toEqual(['first day', 'range']);
    expect([...numbers].sort()).toEqual(['access_source_visit_uv', 'value']);
  });

  it("keeps getVisitDistribution's fourth distribution and access_source_visit_uv beside value", async () => {
    // Prepare: a day whose source items carry visitors beside visits.
    const date = Array.from({ length: 28 }, (_, i) => addDays('2026-11-22', -i)).find((d) =>
      simulatedVisitDistribution(APP.appid, d).list[0]?.item_list.some((item) => 'access_source_visit_uv' in item),
    ) as string;

    // Act
    const outcome = await call(visitDistributionApi, date);

    // Assess
    if (outcome.status !== 'ok') throw new Error('expected data');
    const body = outcome.value as { list: { index: string; item_list: Record<string, number>[] }[] };
    expect(body.list.map((d) => d.index)).toEqual([
      'access_source_session_cnt',
      'access_source_visit_uv',
      'access_staytime_info',
      'access_depth_info',
    ]);
    expect(body.list[0]?.item_list.every((i) => i.access_source_visit_uv !== undefined && i.value !== undefined)).toBe(
      true,
    );
  });

  it('leaves stay_time_uv out of some days, as the seed example does', async () => {
    const days = Array.from({ length: 28 }, (_, i) => addDays('2026-11-22', -i));

    const answers = await Promise.all(days.map((d) => clientFor(sim).getDailyVisitTrend(d)));

    const present = answers.map((a) => a.status === 'ok' && a.value.metrics.stay_time_uv !== undefined);
    expect(present).toContain(true);
    expect(present).toContain(false);
  });
});

describe('the documented period rules, refused before anything is sent', () => {
  it.each([
    [
      weeklyVisitTrendApi,
      '2026-11-18',
      /a week runs Monday to Sunday.*2026-11-18 is not a Monday \(its week starts on 2026-11-16\)/,
    ],
    [
      weeklyRetainApi,
      '2026-11-23',
      /the week of 2026-11-23 has not ended in Beijing yet.*the latest starts on 2026-11-16/,
    ],
    [
      dailyRetainApi,
      '2026-11-23',
      /2026-11-23 has not ended in Beijing yet; the latest day WeChat can report is 2026-11-22/,
    ],
    [userPortraitApi, { end: '2026-11-22', days: 3 }, /the window is 1, 7 or 30 days/],
    [userPortraitApi, { end: '2026-11-23', days: 7 }, /has not ended in Beijing yet/],
    [
      DATACUBE_APIS.find((a) => a.kind === 'month') as AnyDatacubeApi,
      '2026-11',
      /2026-11 has not ended in Beijing yet/,
    ],
  ] as [AnyDatacubeApi, unknown, RegExp][])('%s %j', async (api, period, message) => {
    const error = await call(api, period).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(message);
    expect(sim.callCount('stable_token') + sim.callCount(api.name as never)).toBe(0);
  });

  it('knows the last whole week in Beijing whatever the day', () => {
    expect(lastCompleteWeek(NOW)).toBe('2026-11-16');
    expect(lastCompleteWeek(new Date('2026-11-22T15:59:00Z'))).toBe('2026-11-09'); // Sunday 23:59 in Beijing
  });
});

describe('answers that are not what was asked', () => {
  it('names the offending field, and refuses an answer for another period', async () => {
    sim.addFault({
      endpoint: 'getVisitPage',
      times: 1,
      action: { kind: 'body', body: '{"ref_date":"20261122","list":[{"page_path":"p","page_visit_pv":"many"}]}' },
    });
    sim.addFault({
      endpoint: 'getWeeklyVisitTrend',
      times: 1,
      action: { kind: 'body', body: '{"list":[{"ref_date":"20261109-20261115"}]}' },
    });

    const shape = await call(visitPageApi, '2026-11-22').catch((e: unknown) => e);
    const other = await call(weeklyVisitTrendApi, '2026-11-16').catch((e: unknown) => e);

    expect(shape).toBeInstanceOf(WechatResponseError);
    expect((shape as Error).message).toMatch(/list\.0\.page_visit_pv/);
    expect((other as Error).message).toMatch(
      /asked for 20261116-20261122, the answer is for ref_date 20261109-20261115/,
    );
  });

  it('treats an empty answer as "not yet available"', async () => {
    sim.addFault({
      endpoint: 'getVisitPage',
      times: 1,
      action: { kind: 'body', body: '{"ref_date":"20261122","list":[]}' },
    });

    expect((await call(visitPageApi, '2026-11-22')).status).toBe('not-yet-available');
  });
});

describe('archive keys and the fetch command', () => {
  it('partitions every API by app and period, as Athena projects them', () => {
    expect(DATACUBE_APIS.map((api) => archiveKey(api, APP.appid, PERIODS[api.kind]))).toEqual([
      `raw/daily-summary/appid=${APP.appid}/dt=2026-11-22/response.json`,
      `raw/weekly-visit-trend/appid=${APP.appid}/week=2026-11-16/response.json`,
      `raw/monthly-visit-trend/appid=${APP.appid}/month=2026-10/response.json`,
      `raw/daily-retain/appid=${APP.appid}/dt=2026-11-22/response.json`,
      `raw/weekly-retain/appid=${APP.appid}/week=2026-11-16/response.json`,
      `raw/visit-distribution/appid=${APP.appid}/dt=2026-11-22/response.json`,
      `raw/visit-page/appid=${APP.appid}/dt=2026-11-22/response.json`,
      `raw/user-portrait/appid=${APP.appid}/days=7/dt=2026-11-22/response.json`,
    ]);
    expect(archiveKeys.dailyVisitTrend(APP.appid, '2026-11-22')).toBe(
      archiveKeys.raw('daily-visit-trend', APP.appid, 'dt=2026-11-22'),
    );
  });

  it.each([
    [['daily-summary', '--date', '2026-11-22'], 'getDailySummary'],
    [['weekly-trend', '--week', '2026-11-16'], 'getWeeklyVisitTrend'],
    [['monthly-trend', '--month', '2026-10'], 'getMonthlyVisitTrend'],
    [['daily-retain'], 'getDailyRetain'],
    [['weekly-retain'], 'getWeeklyRetain'],
    [['visit-distribution'], 'getVisitDistribution'],
    [['visit-page', '--date', '2026-11-21'], 'getVisitPage'],
    [['user-portrait', '--days', '30'], 'getUserPortrait'],
  ])('fetch %j prints the body byte for byte', async (args, api) => {
    const env = { WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret, WECHAT_API_BASE: sim.url };

    const { code, stdout, stderr } = await runCliInProcess(['fetch', ...args], { env });

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(sim.callCount(api as never)).toBe(1);
    expect(stdout).toBe(JSON.stringify(JSON.parse(stdout)));
  });

  it('refuses a bad window or week on the command line, naming the rule', async () => {
    const env = { WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret, WECHAT_API_BASE: sim.url };

    const days = await runCliInProcess(['fetch', 'user-portrait', '--days', '14'], { env });
    const week = await runCliInProcess(['fetch', 'weekly-trend', '--week', '2026-11-20'], { env });

    expect(days).toMatchObject({ code: 1, stderr: 'wxa-report: --days must be 1, 7 or 30, not "14"\n' });
    expect(week).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/is not a Monday \(its week starts on 2026-11-16\)/),
    });
  });
});
