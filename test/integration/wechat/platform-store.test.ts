import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../lambda/shared/classify-failure.js';
import { demoComponent } from '../../../lambda/simulator/simulated-component.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { AccessTokenCache } from '../../../lambda/wechat/access-token.js';
import { ComponentApi } from '../../../lambda/wechat/component/component-api.js';
import { DynamoDbPlatformStore } from '../../../lambda/wechat/component/dynamodb/dynamodb-platform-store.js';
import { createDatacubeClient } from '../../../lambda/wechat/create-datacube-client.js';
import { createPlatformTable, dynamoClientsFor } from '../../support/dynamodb.js';
import { refusingEndpoint } from '../../support/fault-proxy.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { FAST_RETRY, fixedClock, NOW } from '../../support/simulator.js';

/**
 * The platform's shared state in DynamoDB (moto): what lets ten worker containers share one
 * component token, every authorizer's token and its rotated refresh token, and refuse a replayed push.
 */
const platform = demoComponent(3);
const [, second] = platform.authorizers as [(typeof platform.authorizers)[0], (typeof platform.authorizers)[0]];
let moto: MotoServer;
let sim: WechatSimulator;
let dynamo: ReturnType<typeof dynamoClientsFor>;
let store: DynamoDbPlatformStore;

beforeAll(async () => {
  [moto, sim] = await Promise.all([
    startMoto(),
    WechatSimulator.start({ clock: fixedClock, component: platform, rotateRefreshTokens: true }),
  ]);
  dynamo = dynamoClientsFor(moto.endpoint);
}, 60_000);
afterAll(async () => {
  dynamo?.raw.destroy();
  await Promise.all([moto?.stop(), sim?.close()]);
});
beforeEach(async () => {
  sim.reset();
  store = new DynamoDbPlatformStore(dynamo.documents, await createPlatformTable(dynamo.raw), fixedClock);
});

/** One Lambda container: its own process cache, the deployment's table. */
function container() {
  const tokens = new AccessTokenCache(fixedClock, store.tokens);
  const api = new ComponentApi(
    {
      componentAppid: platform.appid,
      componentSecret: async () => platform.secret,
      verifyTicket: async () => platform.verifyTicket,
    },
    { apiBase: sim.url, cache: tokens, refreshTokens: store.refreshTokens, retry: FAST_RETRY },
  );
  const client = (appid: string) =>
    createDatacubeClient(
      {
        appid,
        tokenMode: { authorizer: { api, refreshToken: () => api.refreshTokenOf(appid) } },
        apiBase: sim.url,
        retry: FAST_RETRY,
        clock: fixedClock,
      },
      tokens,
    );
  return { api, client };
}

describe('the platform state shared by every container', () => {
  it('issues one component token and one authorizer token for ten containers', async () => {
    // Prepare: the first container fetches; nine cold ones start after it.
    const first = container();
    await first.client(second.appid).getDailyVisitTrend('2026-11-22');

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 9 }, () => container().client(second.appid).getDailyVisitTrend('2026-11-22')),
    );

    // Assess
    expect(outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(sim.callCount('api_component_token')).toBe(1);
    expect(sim.callCount('api_authorizer_token')).toBe(1);
  });

  it('keeps a rotated refresh token, so the next container asks with it and not with the list', async () => {
    // Prepare
    const before = second.refreshToken;
    await container().client(second.appid).getDailyVisitTrend('2026-11-22');
    sim.reset();

    // Act
    const next = await container().api.refreshTokenOf(second.appid);

    // Assess
    expect(second.refreshToken).not.toBe(before);
    expect(await store.refreshTokens.get(second.appid)).toBe(second.refreshToken);
    expect(next).toBe(second.refreshToken);
    expect(sim.callCount('api_get_authorizer_list')).toBe(0);
  });

  it('does not take back from the table a component token WeChat rejected', async () => {
    // Prepare: a token in the table that WeChat no longer knows.
    const first = container();
    await first.api.authorizerInfo(second.appid);
    const key = `${sim.url}#component#${platform.appid}`;
    await store.tokens.put(key, { value: 'rejected-token', expiresAt: NOW.getTime() + 3_600_000 });
    sim.reset();

    // Act
    const info = await container().api.authorizerInfo(second.appid);

    // Assess: one 40001, one new token, and the table holds the new one.
    expect(info.appid).toBe(second.appid);
    expect(sim.callCount('api_component_token')).toBe(1);
    expect((await store.tokens.get(key))?.value).not.toBe('rejected-token');
  });

  it('takes a push once: a replay is refused until it has expired, and a forgotten one is taken again', async () => {
    const until = new Date(NOW.getTime() + 600_000);

    const first = await store.replays.firstTime('ts:nonce:sig', until);
    const replay = await store.replays.firstTime('ts:nonce:sig', until);
    await store.replays.forget('ts:nonce:sig');
    const afterForget = await store.replays.firstTime('ts:nonce:sig', until);
    const racing = await Promise.all(Array.from({ length: 10 }, () => store.replays.firstTime('other', until)));

    expect([first, replay, afterForget]).toEqual([true, false, true]);
    expect(racing.filter(Boolean)).toHaveLength(1);
  });
});

describe('the platform table failing', () => {
  it('names the table in every message, and is temporary when DynamoDB cannot be reached', async () => {
    // Prepare: a client whose DynamoDB refuses connections.
    const unreachable = dynamoClientsFor(await refusingEndpoint());
    const broken = new DynamoDbPlatformStore(unreachable.documents, 'wxa-platform-x', fixedClock);
    try {
      // Act
      const read = (await broken.refreshTokens.get(second.appid).catch((e: unknown) => e)) as Error;
      const written = (await broken.tokens
        .put('component', { value: 't0k3n-never-shown', expiresAt: NOW.getTime() })
        .catch((e: unknown) => e)) as Error;

      // Assess
      expect(read.message).toMatch(/^cannot read the platform table wxa-platform-x: .*ECONNREFUSED/);
      expect(written.message).toMatch(/^cannot write the platform table wxa-platform-x: /);
      expect(written.message).not.toContain('t0k3n-never-shown');
      expect(classifyFailure(read).kind).toBe('transient');
    } finally {
      unreachable.raw.destroy();
    }
  });
});
