import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { APP, startSimulator } from '../../support/simulator.js';

let now = new Date('2026-11-23T02:00:00Z').getTime();
let sim: WechatSimulator;
beforeAll(async () => {
  sim = await startSimulator({ clock: () => new Date(now) });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  now = new Date('2026-11-23T02:00:00Z').getTime();
});

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

async function stableToken(forceRefresh = false): Promise<string> {
  const answer = await post('/cgi-bin/stable_token', {
    grant_type: 'client_credential',
    appid: APP.appid,
    secret: APP.secret,
    force_refresh: forceRefresh,
  });
  return answer.access_token as string;
}

const daily = (token: string, begin: string, end = begin) =>
  post(`/datacube/getweanalysisappiddailyvisittrend?access_token=${token}`, { begin_date: begin, end_date: end });
const monthly = (token: string, begin: string, end: string) =>
  post(`/datacube/getweanalysisappidmonthlyretaininfo?access_token=${token}`, { begin_date: begin, end_date: end });

describe('token endpoints', () => {
  it('returns the same stable token in normal mode while it is valid, with the remaining lifetime', async () => {
    const first = await post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: APP.appid,
      secret: APP.secret,
    });
    now += 1000_000;
    const second = await post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: APP.appid,
      secret: APP.secret,
    });

    expect(second.access_token).toBe(first.access_token);
    expect(first.expires_in).toBe(7200);
    expect(second.expires_in).toBe(6200);
  });

  it('invalidates the previous stable token on force_refresh', async () => {
    const old = await stableToken();
    const fresh = await stableToken(true);

    expect(fresh).not.toBe(old);
    expect((await daily(old, '20261122')).errcode).toBe(40001);
    expect((await daily(fresh, '20261122')).list).toHaveLength(1);
  });

  it('keeps a legacy token usable for five minutes after a newer one is issued', async () => {
    const get = async () => {
      const url = `${sim.url}/cgi-bin/token?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}`;
      return ((await (await fetch(url)).json()) as { access_token: string }).access_token;
    };
    const old = await get();
    await get();

    now += 4 * 60_000;
    expect((await daily(old, '20261122')).list).toHaveLength(1);
    now += 2 * 60_000;
    expect((await daily(old, '20261122')).errcode).toBe(42001);
  });

  it('answers bad credentials with the real codes', async () => {
    expect(
      (await post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: 'wxnope', secret: 'x' })).errcode,
    ).toBe(40013);
    expect(
      (await post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APP.appid, secret: 'x' })).errcode,
    ).toBe(40125);
    expect(
      (await post('/cgi-bin/stable_token', { grant_type: 'password', appid: APP.appid, secret: APP.secret })).errcode,
    ).toBe(40002);
  });

  it('expires tokens after their lifetime (42001) and rejects unknown (40001) and missing (41001) ones', async () => {
    const token = await stableToken();
    now += 7201_000;

    expect((await daily(token, '20261122')).errcode).toBe(42001);
    expect((await daily('made-up', '20261122')).errcode).toBe(40001);
    expect(
      (await post('/datacube/getweanalysisappiddailyvisittrend', { begin_date: '20261122', end_date: '20261122' }))
        .errcode,
    ).toBe(41001);
  });
});

describe("stable_token's forced refresh, as WeChat limits it", () => {
  it('does not refresh within 30 s of the last forced refresh: the current token comes back', async () => {
    await stableToken();
    const forced = await stableToken(true);
    now += 29_000;
    const tooSoon = await stableToken(true);
    now += 2_000;
    const later = await stableToken(true);

    expect(tooSoon).toBe(forced);
    expect(later).not.toBe(forced);
  });

  it('refuses the 21st forced refresh of the Beijing day with 45009, and forces again the next day', async () => {
    await stableToken();
    for (let i = 0; i < 20; i++) {
      await stableToken(true);
      now += 31_000;
    }

    const refused = await post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: APP.appid,
      secret: APP.secret,
      force_refresh: true,
    });
    now += 24 * 3_600_000;
    const nextDay = await stableToken(true);

    expect(refused.errcode).toBe(45009);
    expect(nextDay).toEqual(expect.any(String));
  });
});

describe("WeChat's call limits", () => {
  it('answers 45011 past the per-minute limit until the minute turns, and 45009 past the daily quota until midnight in Beijing', async () => {
    // Prepare
    sim.setLimit({ endpoint: 'getDailyVisitTrend', perMinute: 2, daily: 3 });
    const token = await stableToken();

    // Act
    const minute = [await daily(token, '20261122'), await daily(token, '20261121'), await daily(token, '20261120')];
    now += 60_000;
    const nextMinute = [await daily(token, '20261120'), await daily(token, '20261119')];
    now += 14 * 3_600_000; // midnight passed in Beijing
    const nextDay = await daily(await stableToken(), '20261119');

    // Assess
    expect(minute.map((a) => a.errcode)).toEqual([undefined, undefined, 45011]);
    expect(String(minute[2]?.errmsg)).toMatch(/retry next minute/);
    expect(nextMinute.map((a) => a.errcode)).toEqual([undefined, 45009]);
    expect(nextDay.errcode).toBeUndefined();
  });
});

describe('date rules in Asia/Shanghai', () => {
  it('serves yesterday in Beijing and refuses today (61501), though it is still yesterday in UTC', async () => {
    now = new Date('2026-11-22T16:30:00Z').getTime(); // 00:30 on the 23rd in Beijing
    const token = await stableToken();

    expect((await daily(token, '20261122')).list).toHaveLength(1);
    expect((await daily(token, '20261123')).errcode).toBe(61501);
  });

  it('refuses more than one day (61501) and malformed dates (61500)', async () => {
    const token = await stableToken();

    expect((await daily(token, '20261120', '20261121')).errcode).toBe(61501);
    expect((await daily(token, '2026-11-22')).errcode).toBe(61500);
    expect((await daily(token, '20260230')).errcode).toBe(61500);
  });

  it('serves only whole, ended natural months', async () => {
    const token = await stableToken();

    expect((await monthly(token, '20261001', '20261031')).ref_date).toBe('202610');
    expect((await monthly(token, '20261001', '20261030')).errcode).toBe(61501);
    expect((await monthly(token, '20261002', '20261031')).errcode).toBe(61501);
    expect((await monthly(token, '20261101', '20261130')).errcode).toBe(61501);
  });
});

describe('a Mini Program that went live recently', () => {
  it('answers with no data for the days and months before it went live, and with data from its first day', async () => {
    const young = await startSimulator({
      clock: () => new Date(now),
      apps: [{ ...APP, since: '2026-10-05' }],
    });
    const ask = async (path: string, body: unknown) => {
      const token = (
        (await (
          await fetch(`${young.url}/cgi-bin/stable_token`, {
            method: 'POST',
            body: JSON.stringify({ grant_type: 'client_credential', appid: APP.appid, secret: APP.secret }),
          })
        ).json()) as { access_token: string }
      ).access_token;
      const res = await fetch(`${young.url}${path}?access_token=${token}`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      return (await res.json()) as Record<string, unknown>;
    };
    const day = (d: string) => ask('/datacube/getweanalysisappiddailyvisittrend', { begin_date: d, end_date: d });

    const before = await day('20261004');
    const first = await day('20261005');
    const september = await ask('/datacube/getweanalysisappidmonthlyretaininfo', {
      begin_date: '20260901',
      end_date: '20260930',
    });
    const october = await ask('/datacube/getweanalysisappidmonthlyretaininfo', {
      begin_date: '20261001',
      end_date: '20261031',
    });
    const pages = await ask('/datacube/getweanalysisappidvisitpage', { begin_date: '20261004', end_date: '20261004' });
    const badRange = await ask('/datacube/getweanalysisappiddailyvisittrend', {
      begin_date: '20261001',
      end_date: '20261003',
    });
    await young.close();

    expect(before).toEqual({ list: [] });
    expect((first.list as unknown[]).length).toBe(1);
    expect(september).toEqual({ ref_date: '202609', visit_uv_new: [], visit_uv: [] });
    expect((october.visit_uv_new as unknown[]).length).toBeGreaterThan(0);
    expect(pages).toEqual({ ref_date: '20261004', list: [] });
    expect(badRange.errcode).toBe(61501);
  });
});

describe('faults', () => {
  it('applies a rule to one period only, counts it down, and counts every call', async () => {
    const token = await stableToken();
    sim.addFault({ endpoint: 'getDailyVisitTrend', period: '2026-11-21', times: 1, action: { kind: 'not-ready' } });

    expect((await daily(token, '20261122')).list).toHaveLength(1);
    expect((await daily(token, '20261121')).errcode).toBe(61503);
    expect((await daily(token, '20261121')).list).toHaveLength(1);
    expect(sim.callCount('getDailyVisitTrend')).toBe(3);
  });

  it('can be scripted over HTTP by another process', async () => {
    const token = await stableToken();
    await fetch(`${sim.url}/__simulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ endpoint: 'getDailyVisitTrend', times: 1, action: { kind: 'http', status: 503 } }),
    });

    const res = await fetch(`${sim.url}/datacube/getweanalysisappiddailyvisittrend?access_token=${token}`, {
      method: 'POST',
      body: '{"begin_date":"20261122","end_date":"20261122"}',
    });
    const calls = await (await fetch(`${sim.url}/__simulator/calls`)).json();

    expect(res.status).toBe(503);
    expect(calls).toEqual({ stable_token: 1, getDailyVisitTrend: 1 });
  });

  it("answers as a gateway in front of WeChat does: nginx's HTML error page", async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', times: 1, action: { kind: 'gateway' } });

    const res = await fetch(`${sim.url}/datacube/getweanalysisappiddailyvisittrend?access_token=x`, {
      method: 'POST',
      body: '{}',
    });

    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(await res.text()).toMatch(/<title>502 Bad Gateway<\/title>[\s\S]*<center>nginx<\/center>/);
  });

  it('adds latency to every answer when asked', async () => {
    sim.latencyMs = 80;
    const started = performance.now();
    await stableToken();
    sim.latencyMs = 0;

    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });
});
