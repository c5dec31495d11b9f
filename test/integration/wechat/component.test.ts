import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoComponent } from '../../../lambda/simulator/simulated-component.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { AccessTokenCache } from '../../../lambda/wechat/access-token.js';
import { ComponentApi } from '../../../lambda/wechat/component/component-api.js';
import { decryptMessage, messageSignature } from '../../../lambda/wechat/component/message-crypto.js';
import { createDatacubeClient } from '../../../lambda/wechat/create-datacube-client.js';
import { WechatApiError } from '../../../lambda/wechat/errors.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { FAST_RETRY, fixedClock } from '../../support/simulator.js';

const platform = demoComponent(1203);
let sim: WechatSimulator;
beforeAll(async () => {
  sim = await WechatSimulator.start({ clock: fixedClock, component: platform, rotateRefreshTokens: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const api = (ticket = platform.verifyTicket) =>
  new ComponentApi(
    { componentAppid: platform.appid, componentSecret: async () => platform.secret, verifyTicket: async () => ticket },
    { apiBase: sim.url, cache: new AccessTokenCache(fixedClock), retry: FAST_RETRY },
  );
const [first, second, third] = platform.authorizers as [
  (typeof platform.authorizers)[0],
  (typeof platform.authorizers)[0],
  (typeof platform.authorizers)[0],
];

describe('a third-party platform calling the datacube for its Mini Programs', () => {
  it('pages through a list longer than one page, and reads who granted the data permission', async () => {
    // Act
    const component = api();
    const all = [];
    for await (const a of component.authorizers()) all.push(a.appid);
    const infos = await Promise.all([first, third].map((a) => component.authorizerInfo(a.appid)));

    // Assess
    expect(all).toHaveLength(1203);
    expect(new Set(all).size).toBe(1203);
    expect(sim.callCount('api_get_authorizer_list')).toBe(3);
    // One component token for every call: WeChat limits how many are issued a day.
    expect(sim.callCount('api_component_token')).toBe(1);
    expect(infos.map((i) => [i.name, i.dataPermission])).toEqual([
      [first.name, true],
      [third.name, false],
    ]);
  });

  it('calls the datacube with an authorizer token, and hands back a rotated refresh token', async () => {
    // Prepare
    const rotated: string[] = [];
    const before = second.refreshToken;
    const client = createDatacubeClient(
      {
        appid: second.appid,
        tokenMode: {
          authorizer: { api: api(), refreshToken: async () => before, onRotated: async (t) => void rotated.push(t) },
        },
        apiBase: sim.url,
        retry: FAST_RETRY,
        clock: fixedClock,
      },
      new AccessTokenCache(fixedClock),
    );

    // Act
    const outcome = await client.getDailyVisitTrend('2026-11-22');

    // Assess
    expect(outcome.status).toBe('ok');
    expect(sim.callCount('api_authorizer_token')).toBe(1);
    expect(rotated).toEqual([second.refreshToken]);
    expect(rotated[0]).not.toBe(before);
  });

  it('says what to do for a wrong ticket and a missing permission', async () => {
    const client = (appid: string, refreshToken: string) =>
      createDatacubeClient(
        {
          appid,
          tokenMode: { authorizer: { api: api(), refreshToken: async () => refreshToken } },
          apiBase: sim.url,
          retry: FAST_RETRY,
          clock: fixedClock,
        },
        new AccessTokenCache(fixedClock),
      );

    const ticket = await api('ticket@@@old')
      .authorizerPage(0)
      .catch((e: unknown) => e);
    const denied = await client(third.appid, third.refreshToken)
      .getDailyVisitTrend('2026-11-22')
      .catch((e: unknown) => e);

    expect(ticket).toMatchObject({ errcode: 61006 });
    expect((ticket as Error).message).toMatch(/push endpoint|latest ticket/);
    expect(denied).toBeInstanceOf(WechatApiError);
    expect((denied as WechatApiError).errcode).toBe(61007);
    expect((denied as Error).message).toMatch(/set \(18 or 21\)/);
  });

  it('pushes tickets as WeChat does: signed, encrypted for the platform', () => {
    const push = sim.componentPush('component_verify_ticket', { ComponentVerifyTicket: 'ticket@@@next' });
    const encrypted = /<Encrypt><!\[CDATA\[(.+)\]\]><\/Encrypt>/.exec(push.body)?.[1] ?? '';

    expect(push.query.msg_signature).toBe(
      messageSignature(platform.token, push.query.timestamp ?? '', push.query.nonce ?? '', encrypted),
    );
    expect(decryptMessage(encrypted, platform.appid, platform.encodingAesKey)).toContain(
      '<ComponentVerifyTicket><![CDATA[ticket@@@next]]>',
    );
  });
});

describe('a Mini Program that authorized the platform again (61023)', () => {
  const clientOf = (component: ComponentApi, refreshToken: string, rotated: string[] = []) =>
    createDatacubeClient(
      {
        appid: first.appid,
        tokenMode: {
          authorizer: {
            api: component,
            refreshToken: async () => refreshToken,
            onRotated: async (t) => void rotated.push(t),
          },
        },
        apiBase: sim.url,
        retry: FAST_RETRY,
        clock: fixedClock,
      },
      new AccessTokenCache(fixedClock),
    );

  it('takes the current refresh token from the authorizer list, keeps it and asks again, once', async () => {
    // Prepare: the merchant withdrew and granted again; the token the product kept is refused.
    const kept = first.refreshToken;
    const current = sim.reauthorize(first.appid);
    const rotated: string[] = [];

    // Act
    const outcome = await clientOf(api(), kept, rotated).getDailyVisitTrend('2026-11-22');

    // Assess: one read of the list (1,203 authorizers: three pages), the listed token kept, then WeChat's rotation.
    expect(outcome.status).toBe('ok');
    expect(sim.callCount('api_get_authorizer_list')).toBe(3);
    expect(
      sim.requests('api_authorizer_token').map((r) => (r.body as Record<string, string>).authorizer_refresh_token),
    ).toEqual([kept, current]);
    expect(rotated).toEqual([current, first.refreshToken]);
  });

  it('then says the merchant must authorize again, naming the app, when the listed token is refused too', async () => {
    // Prepare
    sim.addFault({
      endpoint: 'api_authorizer_token',
      action: { kind: 'errcode', errcode: 61023, errmsg: 'refresh_token is invalid' },
    });

    // Act
    const error = await clientOf(api(), 'refreshtoken@@@kept-before-reauthorization')
      .getDailyVisitTrend('2026-11-22')
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(WechatApiError);
    expect(error).toMatchObject({ errcode: 61023 });
    expect((error as Error).message).toMatch(
      new RegExp(`refresh token of ${first.appid}.*the merchant must authorize the platform again`),
    );
    expect(sim.callCount('api_authorizer_token')).toBe(2);
    expect(sim.callCount('api_get_authorizer_list')).toBe(3);
    expect((error as Error).message).not.toContain(first.refreshToken);
  });
});

describe('the CLI as a third-party platform', () => {
  const env = () => ({
    WECHAT_API_BASE: sim.url,
    WECHAT_COMPONENT_APPID: platform.appid,
    WECHAT_COMPONENT_APPSECRET: platform.secret,
    WECHAT_COMPONENT_VERIFY_TICKET: platform.verifyTicket,
  });

  it('fetch --authorizer-appid prints the body byte for byte, finding the refresh token in the list', async () => {
    const { code, stdout, stderr } = await runCliInProcess(
      ['fetch', 'daily', '--date', '2026-11-22', '--authorizer-appid', first.appid],
      { env: env() },
    );

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).list[0].ref_date).toBe('20261122');
    for (const secret of [platform.secret, platform.verifyTicket, first.refreshToken])
      expect(stdout).not.toContain(secret);
  });

  it('authorizers --json lists every authorizer with a boolean data permission', async () => {
    const small = await WechatSimulator.start({ clock: fixedClock, component: demoComponent(4) });
    try {
      const { code, stdout } = await runCliInProcess(['authorizers', '--json'], {
        env: { ...env(), WECHAT_API_BASE: small.url },
      });

      expect(code).toBe(0);
      const rows = JSON.parse(stdout) as { appid: string; dataPermission: boolean }[];
      expect(rows).toHaveLength(4);
      expect(rows.map((r) => typeof r.dataPermission)).toEqual(['boolean', 'boolean', 'boolean', 'boolean']);
      expect(rows.filter((r) => !r.dataPermission)).toHaveLength(1);
      expect(stdout).not.toContain(platform.secret);
    } finally {
      await small.close();
    }
  });

  it('names what is missing, never echoing a secret', async () => {
    // Its own simulator: the CLI's component token is cached per process, as it should be.
    const other = await WechatSimulator.start({ clock: fixedClock, component: demoComponent(2) });
    try {
      const missing = await runCliInProcess(['authorizers'], { env: { WECHAT_COMPONENT_APPID: platform.appid } });
      const wrong = await runCliInProcess(['authorizers'], {
        env: { ...env(), WECHAT_API_BASE: other.url, WECHAT_COMPONENT_VERIFY_TICKET: 'ticket@@@stale-one' },
      });

      expect(missing.stderr).toMatch(/WECHAT_COMPONENT_APPSECRET, WECHAT_COMPONENT_VERIFY_TICKET are not set/);
      expect(wrong).toMatchObject({ code: 1, stderr: expect.stringMatching(/61006/) });
      expect(wrong.stderr).not.toContain('ticket@@@stale-one');
    } finally {
      await other.close();
    }
  });
});
