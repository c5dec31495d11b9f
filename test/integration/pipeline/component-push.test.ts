import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushNotTakenError, type ReplayGuard, receiveComponentPush } from '../../../lambda/pipeline/component-push.js';
import { demoComponent } from '../../../lambda/simulator/simulated-component.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { fixedClock, NOW } from '../../support/simulator.js';

const platform = demoComponent(2);
let sim: WechatSimulator;
beforeAll(async () => {
  sim = await WechatSimulator.start({ clock: fixedClock, component: platform });
});
afterAll(() => sim.close());

function deps(clock = fixedClock) {
  const tickets: string[] = [];
  const seen = new Set<string>();
  const replays: ReplayGuard = {
    firstTime: async (key) => {
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
    forget: async (key) => void seen.delete(key),
  };
  return {
    tickets,
    deps: { component: platform, tickets: { put: async (t: string) => void tickets.push(t) }, replays, clock },
  };
}

describe('a push to the authorization event URL', () => {
  it('stores the ticket WeChat pushed, and answers "success"', async () => {
    const { tickets, deps: d } = deps();
    const push = sim.componentPush('component_verify_ticket', { ComponentVerifyTicket: 'ticket@@@fresh' });

    const result = await receiveComponentPush(d, push);

    expect(result).toEqual({ status: 200, body: 'success', event: { kind: 'ticket' } });
    expect(tickets).toEqual(['ticket@@@fresh']);
  });

  it('hands back authorization events for the registry', async () => {
    const { deps: d } = deps();

    const results = await Promise.all(
      (['authorized', 'updateauthorized', 'unauthorized'] as const).map((kind) =>
        receiveComponentPush(
          d,
          sim.componentPush(kind, { AuthorizerAppid: 'wx0b8e2f6c1a3d5e97', AuthorizationCode: 'code' }),
        ),
      ),
    );

    expect(results.map((r) => r.event)).toEqual([
      { kind: 'authorized', authorizerAppid: 'wx0b8e2f6c1a3d5e97' },
      { kind: 'updateauthorized', authorizerAppid: 'wx0b8e2f6c1a3d5e97' },
      { kind: 'unauthorized', authorizerAppid: 'wx0b8e2f6c1a3d5e97' },
    ]);
  });

  it.each([
    [
      'a bad signature',
      (p: { query: Record<string, string>; body: string }) => ({
        ...p,
        query: { ...p.query, msg_signature: '0'.repeat(40) },
      }),
      401,
    ],
    [
      'a tampered body',
      (p: { query: Record<string, string>; body: string }) => ({
        ...p,
        // A different first character, whatever it was.
        body: p.body.replace(
          /<Encrypt><!\[CDATA\[(.)/,
          (_m, c: string) => `<Encrypt><![CDATA[${c === 'A' ? 'B' : 'A'}`,
        ),
      }),
      401,
    ],
    [
      'no encryption',
      (p: { query: Record<string, string>; body: string }) => ({ ...p, query: { ...p.query, encrypt_type: 'raw' } }),
      400,
    ],
  ])('refuses %s with 4xx and stores nothing', async (_what, spoil, status) => {
    const { tickets, deps: d } = deps();
    const push = spoil(sim.componentPush('component_verify_ticket', { ComponentVerifyTicket: 'ticket@@@evil' }));

    const result = await receiveComponentPush(d, push);

    expect(result.status).toBe(status);
    expect(tickets).toEqual([]);
  });

  it('refuses a replay and a stale push, storing nothing', async () => {
    const { tickets, deps: d } = deps();
    const push = sim.componentPush('component_verify_ticket', { ComponentVerifyTicket: 'ticket@@@once' });
    const later = deps(() => new Date(NOW.getTime() + 10 * 60_000));

    const first = await receiveComponentPush(d, push);
    const replay = await receiveComponentPush(d, push);
    const stale = await receiveComponentPush(later.deps, push);

    expect([first.status, replay.status, stale.status]).toEqual([200, 401, 401]);
    expect([replay.body, stale.body]).toEqual(['replayed', 'stale or future timestamp']);
    expect(tickets).toEqual(['ticket@@@once']);
    expect(later.tickets).toEqual([]);
  });

  it('refuses a push encrypted for another platform', async () => {
    const { deps: d } = deps();
    const push = sim.componentPush('component_verify_ticket', { ComponentVerifyTicket: 'ticket@@@x' });

    const result = await receiveComponentPush({ ...d, component: { ...platform, appid: 'wxsomeoneelse00001' } }, push);

    expect(result).toEqual({ status: 400, body: 'does not decrypt for this platform' });
  });

  it("forgets an authorization event it could not apply, so WeChat's retry of it is taken", async () => {
    // Prepare: the registry is down for the first delivery of the push.
    const { deps: d } = deps();
    const applied: string[] = [];
    let registryUp = false;
    const onAuthorization = async (event: { authorizerAppid: string }) => {
      if (!registryUp) throw new Error('registry unreachable');
      applied.push(event.authorizerAppid);
    };
    const push = sim.componentPush('authorized', { AuthorizerAppid: 'wx0b8e2f6c1a3d5e97' });

    // Act
    const first = receiveComponentPush({ ...d, onAuthorization }, push);
    await expect(first).rejects.toBeInstanceOf(PushNotTakenError);
    registryUp = true;
    const retried = await receiveComponentPush({ ...d, onAuthorization }, push);
    const replayed = await receiveComponentPush({ ...d, onAuthorization }, push);

    // Assess
    expect([retried.status, replayed.status]).toEqual([200, 401]);
    expect(applied).toEqual(['wx0b8e2f6c1a3d5e97']);
  });

  it('forgets a ticket it could not store, so the same push is taken when WeChat sends it again', async () => {
    const { tickets, deps: d } = deps();
    let storeUp = false;
    const flaky = {
      put: async (ticket: string) => {
        if (!storeUp) throw new Error('SSM throttled');
        tickets.push(ticket);
      },
    };
    const push = sim.componentPush('component_verify_ticket', { ComponentVerifyTicket: 'ticket@@@retry' });

    await expect(receiveComponentPush({ ...d, tickets: flaky }, push)).rejects.toBeInstanceOf(PushNotTakenError);
    storeUp = true;
    const retried = await receiveComponentPush({ ...d, tickets: flaky }, push);

    expect(retried.status).toBe(200);
    expect(tickets).toEqual(['ticket@@@retry']);
  });
});
