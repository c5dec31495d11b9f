import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalArchive } from '../../../lambda/archive/local/local-archive.js';
import { type AppConfig, parseDeploymentConfig } from '../../../lambda/config/deployment-config.js';
import { EmailChannel } from '../../../lambda/notify/email-channel.js';
import { OutboxEmailSender } from '../../../lambda/notify/outbox/outbox-email-sender.js';
import {
  runScheduledJob,
  type ScheduledJobDependencies,
  ScheduledJobError,
} from '../../../lambda/pipeline/run-scheduled-job.js';
import type { AppSecrets } from '../../../lambda/secrets/secret-source.js';
import { silentLogger } from '../../../lambda/shared/logger.js';
import { DEMO_APPS } from '../../../lambda/simulator/simulated-data.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { MemoryRunLedger } from '../../../lambda/state/run-ledger.js';
import { AccessTokenCache } from '../../../lambda/wechat/access-token.js';
import { createDatacubeClient } from '../../../lambda/wechat/create-datacube-client.js';
import { FAST_RETRY, fixedClock, startSimulator } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

const [SHOP, COFFEE] = DEMO_APPS as [(typeof DEMO_APPS)[0], (typeof DEMO_APPS)[0]];
const config = parseDeploymentConfig({
  apps: [
    { name: 'shop', displayName: '喵喵商城', recipients: ['ops@example.com'] },
    { name: 'coffee', recipients: ['growth@example.com'], language: 'en' },
  ],
  email: { transport: 'smtp', from: 'r@example.com' },
});
const SECRETS: Record<string, AppSecrets> = {
  shop: { appid: SHOP.appid, secret: SHOP.secret, webhooks: {} },
  coffee: { appid: COFFEE.appid, secret: COFFEE.secret, webhooks: {} },
};

let sim: WechatSimulator;
let dir: Awaited<ReturnType<typeof tempDir>>;
let ledger: MemoryRunLedger;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.reset();
  dir = await tempDir();
  ledger = new MemoryRunLedger();
});
afterEach(() => dir.remove());

// 10:00 and 19:00 on 2026-11-23 in Beijing: before and after the 18:00 cut-off.
const MORNING = () => new Date('2026-11-23T02:00:00Z');
const EVENING = () => new Date('2026-11-23T11:00:00Z');

function deps(overrides: Partial<ScheduledJobDependencies> = {}): ScheduledJobDependencies {
  return {
    config,
    archive: new LocalArchive(join(dir.path, 'archive')),
    ledger,
    secrets: {
      app: async (name) => {
        const found = SECRETS[name];
        if (!found) throw new Error(`no secrets for ${name}`);
        return found;
      },
      smtpUrl: async () => 'smtp://unused',
    },
    // A fresh token cache per run: a cached token would hide a wrong AppSecret.
    wechat: (s) =>
      createDatacubeClient(
        { appid: s.appid, secret: s.secret, apiBase: sim.url, retry: FAST_RETRY, clock: fixedClock },
        new AccessTokenCache(fixedClock),
      ),
    channels: async (app: AppConfig) => [
      new EmailChannel({
        sender: new OutboxEmailSender(join(dir.path, 'outbox')),
        from: 'r@example.com',
        to: app.recipients,
        locale: app.language ?? 'zh-CN',
      }),
    ],
    clock: MORNING,
    logger: silentLogger,
    toolVersion: 'test',
    ...overrides,
  };
}

const outbox = async () =>
  (await readdir(join(dir.path, 'outbox')).catch(() => [] as string[])).filter((f) => f.endsWith('.eml')).sort();

describe('a scheduled job', () => {
  it('sends the daily report of every app and records it', async () => {
    const outcomes = await runScheduledJob(deps(), { job: 'daily' });

    expect(outcomes.map((o) => [o.app, o.job, o.period, o.status])).toEqual([
      ['shop', 'daily', '2026-11-22', 'sent'],
      ['coffee', 'daily', '2026-11-22', 'sent'],
    ]);
    expect(await outbox()).toEqual([`daily-${COFFEE.appid}-2026-11-22.eml`, `daily-${SHOP.appid}-2026-11-22.eml`]);
    expect((await ledger.get('daily', SHOP.appid, '2026-11-22'))?.status).toBe('sent');
  });

  it('never sends a report twice when the invocation is repeated', async () => {
    await runScheduledJob(deps(), { job: 'monthly' });
    sim.reset();

    const again = await runScheduledJob(deps(), { job: 'monthly' });

    expect(again.map((o) => o.status)).toEqual(['skipped', 'skipped']);
    expect(sim.callCount('getMonthlyRetain')).toBe(0);
  });

  it('marks "not yet available" as pending, and the retry schedule sends it once the data is out', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', period: '2026-11-22', times: 2, action: { kind: 'not-ready' } });

    const first = await runScheduledJob(deps(), { job: 'daily' });
    const retried = await runScheduledJob(deps(), { job: 'retry' });

    expect(first.map((o) => o.status)).toEqual(['not-yet-available', 'not-yet-available']);
    expect(retried.filter((o) => o.job === 'daily').map((o) => o.status)).toEqual(['sent', 'sent']);
    expect(retried.filter((o) => o.job === 'monthly').map((o) => o.status)).toEqual(['skipped', 'skipped']);
    expect(await outbox()).toHaveLength(2);
  });

  it('sends a "no data" notice at the cut-off instead of silence, once', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', period: '2026-11-22', action: { kind: 'not-ready' } });
    await runScheduledJob(deps(), { job: 'daily', apps: ['shop'] });

    const evening = await runScheduledJob(deps({ clock: EVENING }), { job: 'retry', apps: ['shop'] });
    const later = await runScheduledJob(deps({ clock: EVENING }), { job: 'retry', apps: ['shop'] });

    expect(evening.find((o) => o.job === 'daily')?.status).toBe('no-data-notice');
    expect(later.find((o) => o.job === 'daily')?.status).toBe('skipped');
    expect(await outbox()).toEqual([`no-data-daily-${SHOP.appid}-2026-11-22.eml`]);
    expect((await ledger.get('daily', SHOP.appid, '2026-11-22'))?.status).toBe('no-data');
  });

  it('retries nothing when nothing is pending', async () => {
    const outcomes = await runScheduledJob(deps(), { job: 'retry' });

    expect(outcomes.every((o) => o.status === 'skipped')).toBe(true);
    expect(sim.callCount('getDailyVisitTrend') + sim.callCount('getMonthlyRetain')).toBe(0);
  });

  it('does the other apps when one fails, then fails naming it', async () => {
    const broken: Record<string, AppSecrets> = {
      ...SECRETS,
      shop: { ...(SECRETS.shop as AppSecrets), secret: '0'.repeat(32) },
    };

    const error = (await runScheduledJob(
      deps({ secrets: { app: async (n) => broken[n] as AppSecrets, smtpUrl: async () => '' } }),
      {
        job: 'daily',
      },
    ).catch((e: unknown) => e)) as ScheduledJobError;

    expect(error).toBeInstanceOf(ScheduledJobError);
    expect(error.message).toMatch(/^1 of 2 report\(s\) failed: shop daily 2026-11-22: .*40125/);
    expect(error.outcomes.find((o) => o.app === 'coffee')?.status).toBe('sent');
  });

  it('keeps a period WeChat was too busy for as pending, so the retry schedule recovers it', async () => {
    sim.addFault({
      endpoint: 'getDailyVisitTrend',
      period: '2026-11-22',
      times: FAST_RETRY.maxAttempts,
      action: { kind: 'http', status: 503 },
    });

    const failure = await runScheduledJob(deps(), { job: 'daily', apps: ['shop'] }).catch((e: unknown) => e);
    const retried = await runScheduledJob(deps(), { job: 'retry', apps: ['shop'] });

    expect(failure).toBeInstanceOf(ScheduledJobError);
    expect((await ledger.get('daily', SHOP.appid, '2026-11-22'))?.status).toBe('sent');
    expect(retried.find((o) => o.job === 'daily')?.status).toBe('sent');
  });

  it('does not retry on its own what needs a person (a wrong AppSecret)', async () => {
    const broken: Record<string, AppSecrets> = {
      ...SECRETS,
      shop: { ...(SECRETS.shop as AppSecrets), secret: '0'.repeat(32) },
    };

    await runScheduledJob(deps({ secrets: { app: async (n) => broken[n] as AppSecrets, smtpUrl: async () => '' } }), {
      job: 'daily',
      apps: ['shop'],
    }).catch(() => undefined);

    expect(await ledger.get('daily', SHOP.appid, '2026-11-22')).toBeUndefined();
  });

  it('runs an explicit day and only the apps asked for, and refuses unknown apps', async () => {
    const outcomes = await runScheduledJob(deps(), { job: 'daily', date: '2026-11-20', apps: ['coffee'] });

    expect(outcomes.map((o) => [o.app, o.period, o.status])).toEqual([['coffee', '2026-11-20', 'sent']]);
    await expect(runScheduledJob(deps(), { job: 'daily', apps: ['tea'] })).rejects.toThrow(
      'unknown app(s) in the event: tea',
    );
  });
});
