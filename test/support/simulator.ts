import type { RetryPolicy } from '../../lambda/shared/retry-policy.js';
import { DEMO_APPS } from '../../lambda/simulator/simulated-data.js';
import { WechatSimulator, type WechatSimulatorOptions } from '../../lambda/simulator/wechat-simulator.js';
import { AccessTokenCache } from '../../lambda/wechat/access-token.js';
import { CallGate } from '../../lambda/wechat/call-gate.js';
import { createDatacubeClient, type DatacubeClientConfig } from '../../lambda/wechat/create-datacube-client.js';

/** Fast retries for tests: same logic, millisecond backoffs, so no test waits on a real delay. */
export const FAST_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 1,
  maxDelayMs: 5,
  totalBudgetMs: 10_000,
  requestTimeoutMs: 2_000,
};

export const APP = DEMO_APPS[0] as (typeof DEMO_APPS)[number];

/** A fixed instant: 2026-11-23 10:00 in Beijing, so "yesterday" is 2026-11-22. */
export const NOW = new Date('2026-11-23T02:00:00Z');
export const fixedClock = () => NOW;

export function startSimulator(options: WechatSimulatorOptions = {}): Promise<WechatSimulator> {
  return WechatSimulator.start({ clock: fixedClock, ...options });
}

/** A run's call gate whose pauses (errcode 45011) take no time: the clock is fixed anyway. */
export const instantGate = () => new CallGate({ clock: fixedClock, sleep: async () => {} });

export function clientFor(
  sim: WechatSimulator,
  config: Partial<DatacubeClientConfig> = {},
  cache = new AccessTokenCache(fixedClock),
) {
  return createDatacubeClient(
    {
      appid: APP.appid,
      secret: APP.secret,
      apiBase: sim.url,
      retry: FAST_RETRY,
      clock: fixedClock,
      gate: instantGate(),
      ...config,
    },
    cache,
  );
}
