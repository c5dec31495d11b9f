import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../lambda/shared/logger.js';
import { simulatedDailyVisitTrend, simulatedDailyVisitTrendAnswer } from '../../../lambda/simulator/simulated-data.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { AccessTokenCache } from '../../../lambda/wechat/access-token.js';
import {
  InvalidRequestError,
  WechatApiError,
  WechatResponseError,
  WechatTransportError,
} from '../../../lambda/wechat/errors.js';
import { APP, clientFor, FAST_RETRY, fixedClock, NOW, startSimulator } from '../../support/simulator.js';

let sim: WechatSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe('a daily call', () => {
  it('returns the body byte for byte beside the parsed value', async () => {
    const outcome = await clientFor(sim).getDailyVisitTrend('2026-11-22');

    if (outcome.status !== 'ok') throw new Error('expected data');
    const expected = JSON.stringify({ list: [simulatedDailyVisitTrendAnswer(APP.appid, '2026-11-22')] });
    expect(outcome.raw.equals(Buffer.from(expected))).toBe(true);
    expect(outcome.value.metrics.visit_uv).toBe(simulatedDailyVisitTrend(APP.appid, '2026-11-22').visit_uv);
    expect(outcome.request).toEqual({ begin_date: '20261122', end_date: '20261122' });
  });

  it('keeps odd bytes exactly (whitespace, key order, unicode, extra fields)', async () => {
    const body = '{ "list" : [ {"visit_uv":5,"ref_date":"20261122","note":"\\u4f60好","extra":1.50} ] }\n';
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'body', body } });

    const outcome = await clientFor(sim).getDailyVisitTrend('2026-11-22');

    expect(outcome.status === 'ok' && outcome.raw.toString('utf8')).toBe(body);
  });

  it('refuses today in Beijing without sending anything', async () => {
    await expect(clientFor(sim).getDailyVisitTrend('2026-11-23')).rejects.toThrow(InvalidRequestError);
    expect(sim.callCount('getDailyVisitTrend')).toBe(0);
    expect(sim.callCount('stable_token')).toBe(0);
  });

  it('refuses a month that has not ended without sending anything', async () => {
    await expect(clientFor(sim).getMonthlyRetain('2026-11')).rejects.toThrow(/not ended/);
    expect(sim.callCount('getMonthlyRetain')).toBe(0);
  });
});

describe('an access point that redirects', () => {
  it('is said with where it points (the token masked), needs a person, and is not tried again', async () => {
    // Prepare: a proxy in front answers every datacube call with 301 to https, path and query kept.
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'redirect', to: 'https://wx.example.com' } });

    // Act
    const error = await clientFor(sim)
      .getDailyVisitTrend('2026-11-22')
      .then(
        () => undefined,
        (e: unknown) => e as WechatTransportError,
      );

    // Assess
    expect(error).toBeInstanceOf(WechatTransportError);
    expect(error?.retryable).toBe(false);
    expect(error?.message).toMatch(
      /HTTP 301 from .*: the URL redirects \(to https:\/\/wx\.example\.com\/datacube\/getweanalysisappiddailyvisittrend\?access_token=\*\*\*, secrets masked\)/,
    );
    expect(error?.message).not.toMatch(/access_token=(?!\*\*\*)/);
    expect(sim.callCount('getDailyVisitTrend')).toBe(1);
  });
});

describe('transient failures', () => {
  it.each([
    ['errcode -1', { kind: 'errcode', errcode: -1, errmsg: 'system error' }],
    ['errcode 61504', { kind: 'errcode', errcode: 61504 }],
    ['errcode 45011', { kind: 'errcode', errcode: 45011 }],
    ['HTTP 502', { kind: 'http', status: 502 }],
    ['HTTP 503', { kind: 'http', status: 503 }],
    ['a reset connection', { kind: 'reset' }],
  ] as const)('retries %s and succeeds', async (_name, action) => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', times: 2, action });

    const outcome = await clientFor(sim).getDailyVisitTrend('2026-11-22');

    expect(outcome.status).toBe('ok');
    expect(sim.callCount('getDailyVisitTrend')).toBe(3);
  });

  it('gives up a hanging request after the per-request timeout, then retries', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', times: 1, action: { kind: 'hang' } });

    const outcome = await clientFor(sim, { retry: { ...FAST_RETRY, requestTimeoutMs: 150 } }).getDailyVisitTrend(
      '2026-11-22',
    );

    expect(outcome.status).toBe('ok');
    expect(sim.callCount('getDailyVisitTrend')).toBe(2);
  });

  it('stops after the maximum number of attempts with the last error', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'errcode', errcode: -1, errmsg: 'system error' } });

    const failure = clientFor(sim).getDailyVisitTrend('2026-11-22');

    await expect(failure).rejects.toThrow(WechatApiError);
    await expect(failure).rejects.toThrow(/errcode -1/);
    expect(sim.callCount('getDailyVisitTrend')).toBe(FAST_RETRY.maxAttempts);
  });

  it('stops retrying once the total time budget is spent', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'hang' } });
    const retry = { ...FAST_RETRY, maxAttempts: 50, totalBudgetMs: 100, requestTimeoutMs: 60 };

    await expect(clientFor(sim, { retry }).getDailyVisitTrend('2026-11-22')).rejects.toThrow(WechatTransportError);
    expect(sim.callCount('getDailyVisitTrend')).toBeLessThanOrEqual(3);
  });

  it('reports unreachable servers clearly', async () => {
    const closed = await startSimulator();
    const url = closed.url;
    await closed.close();

    const failure = clientFor(sim, { apiBase: url }).getDailyVisitTrend('2026-11-22');

    await expect(failure).rejects.toThrow(
      /^stable_token: 127\.0\.0\.1:\d+ refused the connection on every try: nothing accepts connections there\. Check the API base \(--api-base, WECHAT_API_BASE, or apiBase in the config\)$/,
    );
  });
});

describe('answers that are not data', () => {
  it('treats 61503 as "not yet available", not as a failure', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', period: '2026-11-22', action: { kind: 'not-ready' } });

    const outcome = await clientFor(sim).getDailyVisitTrend('2026-11-22');

    expect(outcome).toMatchObject({ status: 'not-yet-available', reason: expect.stringContaining('61503') });
    expect(sim.callCount('getDailyVisitTrend')).toBe(1);
  });

  it('treats an empty list as "not yet available"', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'empty' } });

    expect((await clientFor(sim).getDailyVisitTrend('2026-11-22')).status).toBe('not-yet-available');
  });

  it('names the API when the body is not JSON, and does not retry', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'malformed' } });

    await expect(clientFor(sim).getDailyVisitTrend('2026-11-22')).rejects.toThrow(
      /getDailyVisitTrend: the answer is not valid JSON/,
    );
    expect(sim.callCount('getDailyVisitTrend')).toBe(1);
  });

  it('names the API and the field when the shape is wrong', async () => {
    sim.addFault({
      endpoint: 'getMonthlyRetain',
      action: { kind: 'body', body: '{"ref_date":"202609","visit_uv":[{"key":0,"value":"many"}]}' },
    });

    await expect(clientFor(sim).getMonthlyRetain('2026-09')).rejects.toThrow(
      /getMonthlyRetain: the answer does not have the documented shape: visit_uv\.0\.value/,
    );
  });

  it.each([40013, 40125, 41001, 48001, 61007, 61500, 61501, 61502, 45009])(
    'fails fast on errcode %i with the fix in the message',
    async (errcode) => {
      sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'errcode', errcode } });

      const error = await clientFor(sim)
        .getDailyVisitTrend('2026-11-22')
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(WechatApiError);
      expect((error as WechatApiError).errcode).toBe(errcode);
      expect((error as Error).message).toMatch(/Fix: \S+/);
      expect(sim.callCount('getDailyVisitTrend')).toBe(1);
    },
  );

  it('fails fast on a wrong AppSecret at the token endpoint', async () => {
    const failure = clientFor(sim, { secret: 'not-the-secret' }).getDailyVisitTrend('2026-11-22');

    await expect(failure).rejects.toThrow(/40125/);
    await expect(failure).rejects.not.toThrow(/not-the-secret/);
    expect(sim.callCount('stable_token')).toBe(1);
  });
});

describe('access tokens', () => {
  it('fetches one token in normal stable mode and reuses it', async () => {
    const client = clientFor(sim);

    await client.getDailyVisitTrend('2026-11-22');
    await client.getDailyVisitTrend('2026-11-21');
    await client.getMonthlyRetain('2026-10');

    expect(sim.callCount('stable_token')).toBe(1);
    expect(sim.requests('stable_token')[0]?.body).toEqual({
      grant_type: 'client_credential',
      appid: APP.appid,
      secret: APP.secret,
      force_refresh: false,
    });
  });

  it('shares one in-flight token fetch between concurrent calls', async () => {
    const client = clientFor(sim);

    await Promise.all(['2026-11-20', '2026-11-21', '2026-11-22'].map((d) => client.getDailyVisitTrend(d)));

    expect(sim.callCount('stable_token')).toBe(1);
  });

  it('treats a token as expired 300 s before WeChat would', async () => {
    let now = NOW.getTime();
    const cache = new AccessTokenCache(() => new Date(now));
    const client = clientFor(sim, {}, cache);
    await client.getDailyVisitTrend('2026-11-22');

    now += (7200 - 301) * 1000;
    await client.getDailyVisitTrend('2026-11-22');
    expect(sim.callCount('stable_token')).toBe(1);

    now += 2000;
    await client.getDailyVisitTrend('2026-11-22');
    expect(sim.callCount('stable_token')).toBe(2);
  });

  it('on 40001 fetches exactly one new token and retries once', async () => {
    const client = clientFor(sim);
    await client.getDailyVisitTrend('2026-11-21');
    sim.revokeTokens(APP.appid);

    const outcome = await client.getDailyVisitTrend('2026-11-22');

    expect(outcome.status).toBe('ok');
    expect(sim.callCount('stable_token')).toBe(2);
    expect(sim.requests('stable_token').map((r) => (r.body as { force_refresh: boolean }).force_refresh)).toEqual([
      false,
      false,
    ]);
  });

  it.each([40014, 42001])('treats errcode %i like 40001', async (errcode) => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', times: 1, action: { kind: 'errcode', errcode } });

    expect((await clientFor(sim).getDailyVisitTrend('2026-11-22')).status).toBe('ok');
    expect(sim.callCount('stable_token')).toBe(2);
  });

  it('forces a refresh only when a freshly fetched token is rejected again', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', times: 2, action: { kind: 'errcode', errcode: 40001 } });

    const outcome = await clientFor(sim).getDailyVisitTrend('2026-11-22');

    expect(outcome.status).toBe('ok');
    expect(sim.requests('stable_token').map((r) => (r.body as { force_refresh: boolean }).force_refresh)).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('gives up when even a forced token is rejected', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'errcode', errcode: 40001 } });

    await expect(clientFor(sim).getDailyVisitTrend('2026-11-22')).rejects.toThrow(/40001/);
    expect(sim.callCount('stable_token')).toBe(3);
    expect(sim.callCount('getDailyVisitTrend')).toBe(3);
  });

  it('forces at most one refresh per AppID for the run, shared by concurrent calls, then advises as fits stable_token', async () => {
    // Prepare: WeChat refuses every token (another system forces refreshes, or the token is not this AppID's).
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'errcode', errcode: 40001 } });
    const client = clientFor(sim);

    // Act: a daily report's three calls at once, then one more of the same run.
    const errors = await Promise.all(
      ['2026-11-22', '2026-11-21', '2026-11-15'].map((d) => client.getDailyVisitTrend(d).catch((e: unknown) => e)),
    );
    const later = await client.getDailyVisitTrend('2026-11-14').catch((e: unknown) => e);

    // Assess
    const forced = sim.requests('stable_token').filter((r) => (r.body as { force_refresh: boolean }).force_refresh);
    expect(forced).toHaveLength(1);
    for (const error of [...errors, later]) {
      expect(error).toBeInstanceOf(WechatApiError);
      expect((error as WechatApiError).errcode).toBe(40001);
      expect((error as Error).message).toMatch(
        /another system forced a refresh of this AppID's stable token .* or the token is not this AppID's/,
      );
      expect((error as Error).message).not.toMatch(/cgi-bin\/token/);
    }
  });

  it('keeps the /cgi-bin/token advice for the legacy token mode', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'errcode', errcode: 40001 } });

    const error = await clientFor(sim, { tokenMode: 'legacy' })
      .getDailyVisitTrend('2026-11-22')
      .catch((e: unknown) => e);

    expect((error as Error).message).toMatch(/calling \/cgi-bin\/token for this AppID/);
  });

  it('drops a rejected token only if it is still the cached one', async () => {
    const cache = new AccessTokenCache(fixedClock);
    const source = {
      appid: 'wx1',
      cacheKey: 'wx1',
      issue: async () => ({ accessToken: `token-${++issued}`, expiresInSeconds: 7200 }),
    };
    let issued = 0;
    const first = await cache.get(source);
    cache.invalidate(source, first);
    const second = await cache.get(source);

    cache.invalidate(source, first);

    expect(await cache.get(source)).toBe(second);
    expect(issued).toBe(2);
  });

  it('can use the legacy /cgi-bin/token endpoint', async () => {
    const outcome = await clientFor(sim, { tokenMode: 'legacy' }).getDailyVisitTrend('2026-11-22');

    expect(outcome.status).toBe('ok');
    expect(sim.callCount('token')).toBe(1);
    expect(sim.callCount('stable_token')).toBe(0);
    expect(sim.requests('token')[0]?.query).toMatchObject({ grant_type: 'client_credential', appid: APP.appid });
  });

  describe("from the user's own token service", () => {
    let service: Server;
    let serviceUrl: string;
    const asked: string[] = [];
    beforeAll(async () => {
      service = createServer(async (req, res) => {
        asked.push(req.url ?? '');
        const answer = await fetch(`${sim.url}/cgi-bin/stable_token`, {
          method: 'POST',
          body: JSON.stringify({ grant_type: 'client_credential', appid: APP.appid, secret: APP.secret }),
        });
        res.end(Buffer.from(await answer.arrayBuffer()));
      });
      await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
      serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}/token`;
    });
    afterAll(() => new Promise<void>((resolve) => service.close(() => resolve())));

    it('asks the URL with the appid and never needs the AppSecret', async () => {
      const outcome = await clientFor(sim, {
        secret: undefined,
        tokenMode: { service: serviceUrl },
      }).getDailyVisitTrend('2026-11-22');

      expect(outcome.status).toBe('ok');
      expect(asked.at(-1)).toBe(`/token?appid=${APP.appid}`);
    });

    it('accepts a function', async () => {
      const tokenFn = async () => {
        const answer = await fetch(`${sim.url}/cgi-bin/stable_token`, {
          method: 'POST',
          body: JSON.stringify({ grant_type: 'client_credential', appid: APP.appid, secret: APP.secret }),
        });
        return ((await answer.json()) as { access_token: string }).access_token;
      };

      const outcome = await clientFor(sim, { secret: undefined, tokenMode: { service: tokenFn } }).getMonthlyRetain(
        '2026-10',
      );

      expect(outcome.status).toBe('ok');
    });
  });
});

describe('secrets', () => {
  it('never puts the AppSecret or an access token in errors or logs', async () => {
    const lines: string[] = [];
    const record = (message: string, fields?: Record<string, unknown>) =>
      lines.push(message + JSON.stringify(fields ?? {}));
    const logger: Logger = { debug: record, info: record, warn: record, error: record };
    sim.addFault({ endpoint: 'getDailyVisitTrend', times: 1, action: { kind: 'http', status: 500 } });
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'errcode', errcode: 40001 } });

    const error = (await clientFor(sim, { logger })
      .getDailyVisitTrend('2026-11-22')
      .catch((e: unknown) => e)) as Error;

    const tokens = sim.requests('getDailyVisitTrend').map((r) => r.query.access_token ?? '');
    expect(tokens.length).toBeGreaterThan(0);
    const everything = [error.message, error.stack ?? '', ...lines].join('\n');
    for (const secret of [APP.secret, ...tokens]) expect(everything).not.toContain(secret);
    expect(lines.some((l) => l.includes('access_token=***'))).toBe(true);
  });

  it('scrubs a token that a hostile server echoes back in errmsg', async () => {
    const client = clientFor(sim);
    await client.getDailyVisitTrend('2026-11-21');
    const token = sim.requests('getDailyVisitTrend')[0]?.query.access_token ?? '';
    sim.addFault({
      endpoint: 'getDailyVisitTrend',
      action: { kind: 'errcode', errcode: 48001, errmsg: `bad ${token}` },
    });

    const error = (await client.getDailyVisitTrend('2026-11-22').catch((e: unknown) => e)) as Error;

    expect(error.message).toContain('48001');
    expect(error.message).not.toContain(token);
  });
});

describe('hostile bodies', () => {
  it('refuses a success body for a different day', async () => {
    sim.addFault({
      endpoint: 'getDailyVisitTrend',
      action: {
        kind: 'body',
        body: JSON.stringify({ list: [simulatedDailyVisitTrendAnswer(APP.appid, '2026-11-01')] }),
      },
    });

    await expect(clientFor(sim).getDailyVisitTrend('2026-11-22')).rejects.toThrow(WechatResponseError);
  });
});

describe('a compatible server without stable_token', () => {
  it('falls back to /cgi-bin/token on HTTP 404', async () => {
    sim.addFault({ endpoint: 'stable_token', action: { kind: 'http', status: 404 } });

    const outcome = await clientFor(sim).getDailyVisitTrend('2026-11-22');

    expect(outcome.status).toBe('ok');
    expect(sim.callCount('stable_token')).toBe(1);
    expect(sim.callCount('token')).toBe(1);
  });
});
