import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/run-cli.js';
import { LocalArchive } from '../../../lambda/archive/local/local-archive.js';
import type { AppConfig } from '../../../lambda/config/deployment-config.js';
import { EmailChannel } from '../../../lambda/notify/email-channel.js';
import { SmtpEmailSender } from '../../../lambda/notify/smtp/smtp-email-sender.js';
import { SendPacer } from '../../../lambda/notify/webhook/send-pacer.js';
import { WebhookChannel } from '../../../lambda/notify/webhook/webhook-channel.js';
import type { ScheduledJobEvent } from '../../../lambda/pipeline/plan-units.js';
import { type InProcessJobDependencies, runJobInProcess } from '../../../lambda/pipeline/run-job-in-process.js';
import { StaticAppRegistry } from '../../../lambda/registry/app-registry.js';
import type { AppSecrets } from '../../../lambda/secrets/secret-source.js';
import { silentLogger } from '../../../lambda/shared/logger.js';
import { DEMO_APPS } from '../../../lambda/simulator/simulated-data.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import type { Ledger } from '../../../lambda/state/ledger.js';
import { FileLedger } from '../../../lambda/state/local/file-ledger.js';
import { AccessTokenCache } from '../../../lambda/wechat/access-token.js';
import { createDatacubeClient } from '../../../lambda/wechat/create-datacube-client.js';
import { FAST_RETRY, startSimulator } from '../../support/simulator.js';
import { type SmtpReceiver, startSmtpReceiver } from '../../support/smtp-receiver.js';
import { tempDir } from '../../support/temp-dir.js';
import { startWebhookReceivers, type WebhookReceivers } from '../../support/webhook-receivers.js';

const [SHOP, COFFEE] = DEMO_APPS as [(typeof DEMO_APPS)[0], (typeof DEMO_APPS)[0]];
const SECRET_OF: Record<string, string> = { [SHOP.appid]: SHOP.secret, [COFFEE.appid]: COFFEE.secret };
const APPS: AppConfig[] = [
  { name: 'shop', appid: SHOP.appid, displayName: '喵喵商城', recipients: ['ops@example.com'], webhooks: ['wecom'] },
  { name: 'coffee', appid: COFFEE.appid, recipients: ['growth@example.com'], webhooks: [], language: 'en' },
];
// 10:00 and 19:00 on 2026-11-23 in Beijing: before and after the 18:00 cut-off.
const MORNING = new Date('2026-11-23T02:00:00Z');
const EVENING = new Date('2026-11-23T11:00:00Z');
const DAY = '2026-11-22';

let sim: WechatSimulator;
let smtp: SmtpReceiver;
let hooks: WebhookReceivers;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  [sim, smtp, hooks] = await Promise.all([startSimulator(), startSmtpReceiver(), startWebhookReceivers()]);
});
afterAll(() => Promise.all([sim?.close(), smtp?.close(), hooks?.close()]));
beforeEach(async () => {
  sim.reset();
  hooks.reset();
  smtp.messages.length = 0;
  dir = await tempDir();
});
afterEach(() => dir.remove());

const subjects = () => smtp.messages.map((m) => m.parsed.subject ?? '');
const noPacing = new SendPacer(
  () => 0,
  async () => {},
);

function deps(
  options: { clock?: Date; owner?: string; ledger?: Ledger; apps?: AppConfig[] } = {},
): InProcessJobDependencies {
  const clock = () => options.clock ?? MORNING;
  // Signed with the real time: the receivers refuse stale timestamps, as the platforms do.
  const webhook = (kind: 'wecom' | 'json', url: string, secret?: string) =>
    new WebhookChannel({ kind, url, secret, retry: FAST_RETRY, pacer: noPacing });
  return {
    registry: new StaticAppRegistry(options.apps ?? APPS),
    ledger: options.ledger ?? new FileLedger(join(dir.path, 'state')),
    archive: new LocalArchive(join(dir.path, 'archive')),
    secrets: {
      app: async (name, opts): Promise<AppSecrets> => ({
        appid: opts?.appid ?? '',
        secret: SECRET_OF[opts?.appid ?? ''] ?? '0'.repeat(32),
        webhooks: name === 'shop' ? { wecom: { url: hooks.urls.wecom } } : {},
      }),
      smtpUrl: async () => smtp.url,
    },
    // A fresh token cache per run, as a new process would have.
    wechat: (_app, s) =>
      createDatacubeClient(
        { appid: s.appid, secret: s.secret, apiBase: sim.url, retry: FAST_RETRY, clock },
        new AccessTokenCache(clock),
      ),
    channels: async (app, s) => [
      new EmailChannel({
        sender: new SmtpEmailSender({ url: smtp.url }),
        from: 'r@example.com',
        to: app.recipients,
        locale: app.language ?? 'zh-CN',
      }),
      ...(s.webhooks.wecom ? [webhook('wecom', s.webhooks.wecom.url)] : []),
    ],
    digestChannels: async () => [
      new EmailChannel({
        sender: new SmtpEmailSender({ url: smtp.url }),
        from: 'r@example.com',
        to: ['boss@example.com'],
      }),
      webhook('json', hooks.urls.json, hooks.secrets.json),
    ],
    schedule: { timeZone: 'Asia/Shanghai', cutoffHour: 18 },
    clock,
    logger: silentLogger,
    toolVersion: 'test',
    owner: options.owner ?? 'test-run',
  };
}

const run = (event: ScheduledJobEvent, options: Parameters<typeof deps>[0] = {}) =>
  runJobInProcess(deps(options), event, 4);
const statusOf = (outcomes: Awaited<ReturnType<typeof run>>) =>
  Object.fromEntries(outcomes.map((o) => [o.app, o.status]));

describe('exactly-once delivery per channel', () => {
  it('sends the email once while a failing webhook is retried alone, then delivers it once when it recovers', async () => {
    // Prepare: the WeCom robot answers HTTP 500 until further notice.
    hooks.failNext('wecom', 1_000, { status: 500, body: 'upstream error' });

    // Act
    const first = await run({ job: 'daily' });
    const retriedWhileDown = await run({ job: 'retry' });
    hooks.reset();
    const retriedAfterRecovery = await run({ job: 'retry' });
    const retriedAgain = await run({ job: 'retry' });

    // Assess
    expect(statusOf(first)).toEqual({ shop: 'failed', coffee: 'sent', digest: 'not-ready' });
    expect(first.find((o) => o.app === 'shop')).toMatchObject({
      retryable: true,
      detail: expect.stringMatching(/wecom webhook .*HTTP 500/),
    });
    expect(statusOf(retriedWhileDown)).toEqual({ shop: 'failed', digest: 'not-ready' });
    expect(statusOf(retriedAfterRecovery)).toEqual({ shop: 'sent', digest: 'sent' });
    expect(retriedAfterRecovery.find((o) => o.app === 'shop')?.detail).toMatch(/^wecom webhook/);
    expect(retriedAgain).toEqual([]);
    expect(hooks.accepted('wecom')).toHaveLength(1);
    const dailies = subjects().filter((s) => !s.includes('汇总'));
    expect(dailies).toHaveLength(2);
    expect(dailies.filter((s) => s.includes('【喵喵商城】'))).toHaveLength(1);
    expect(subjects().filter((s) => s.includes('【小程序汇总】'))).toHaveLength(1);
    expect(hooks.accepted('json')).toHaveLength(1);
  });

  it('delivers each channel once when two runs of the same job race', async () => {
    // Act
    const [a, b] = await Promise.all([
      run({ job: 'daily' }, { owner: 'run-a' }),
      run({ job: 'daily' }, { owner: 'run-b' }),
    ]);

    // Assess
    const all = [...a, ...b];
    expect(all.every((o) => ['sent', 'skipped', 'in-progress', 'not-ready'].includes(o.status))).toBe(true);
    expect(subjects().filter((s) => s.includes('【喵喵商城】'))).toHaveLength(1);
    expect(subjects().filter((s) => s.includes('coffee'))).toHaveLength(1);
    expect(hooks.accepted('wecom')).toHaveLength(1);
    expect(subjects().filter((s) => s.includes('【小程序汇总】')).length).toBeLessThanOrEqual(1);
    // Whatever the race left pending, a retry finishes without sending anything twice.
    await run({ job: 'retry' }, { clock: EVENING });
    expect(subjects().filter((s) => s.includes('【小程序汇总】'))).toHaveLength(1);
    expect(smtp.messages).toHaveLength(3);
  });

  it('does not send again after a crash between sending and recording: the channel is "unconfirmed" until released', async () => {
    // Prepare: the process "dies" right after the SMTP server accepted shop's email.
    const files = new FileLedger(join(dir.path, 'state'));
    const crashing: Ledger = {
      ...files,
      getJob: (...args) => files.getJob(...args),
      putJob: (...args) => files.putJob(...args),
      listJobs: (...args) => files.listJobs(...args),
      getDelivery: (...args) => files.getDelivery(...args),
      swapDelivery: async (scope, channel, expected, next) => {
        if (scope.app === 'shop' && channel === 'email' && next.status === 'sent') throw new Error('killed');
        return files.swapDelivery(scope, channel, expected, next);
      },
      noDataPeriods: (...args) => files.noDataPeriods(...args),
      rememberNoData: (...args) => files.rememberNoData(...args),
    };
    const first = await run({ job: 'daily', apps: ['shop'] }, { ledger: crashing });

    // Act: the next runs, well after the claim's lease (10 minutes) ran out.
    const later = new Date(MORNING.getTime() + 11 * 60_000);
    const rerun = await run({ job: 'daily', apps: ['shop'] }, { clock: later });
    const released = await runCli(
      [
        'ledger',
        'release',
        '--state',
        join(dir.path, 'state'),
        '--job',
        'daily',
        '--period',
        DAY,
        '--app',
        'shop',
        '--channel',
        'email',
      ],
      { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, clock: () => later, cwd: dir.path },
    );
    const afterRelease = await run({ job: 'retry' }, { clock: later });

    // Assess
    expect(first[0]).toMatchObject({
      status: 'failed',
      retryable: false,
      detail: expect.stringMatching(/sent, but the ledger could not record it/),
    });
    expect(rerun[0]).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/may or may not have arrived.*ledger release/),
    });
    expect(released).toBe(0);
    expect(statusOf(afterRelease)).toMatchObject({ shop: 'sent' });
    expect(subjects().filter((s) => s.includes('【喵喵商城】'))).toHaveLength(2);
    expect(hooks.accepted('wecom')).toHaveLength(1);
  });

  it('keeps an unpublished day pending, then sends one "no data" notice at the cut-off', async () => {
    // Prepare
    sim.addFault({ endpoint: 'getDailyVisitTrend', period: DAY, action: { kind: 'not-ready' } });

    // Act
    const morning = await run({ job: 'daily', apps: ['coffee'] });
    const evening = await run({ job: 'retry' }, { clock: EVENING });
    const later = await run({ job: 'retry' }, { clock: EVENING });

    // Assess
    expect(statusOf(morning)).toEqual({ coffee: 'not-yet-available' });
    expect(statusOf(evening)).toMatchObject({ coffee: 'no-data-notice' });
    expect(statusOf(later)).not.toHaveProperty('coffee');
    expect(subjects().filter((s) => s.includes('coffee'))).toHaveLength(1);
  });

  it('runs the other apps when one has a wrong AppSecret and another an invalid entry, naming each', async () => {
    // Prepare
    const apps = [
      ...APPS,
      { name: 'tea', appid: 'wx0000000000000001', recipients: ['t@example.com'], webhooks: [] },
    ] as AppConfig[];
    const registry = StaticAppRegistry.fromRaw([...apps, { name: 'broken', appid: 'wx1', recipients: ['nope'] }], {
      hasEmail: true,
    });

    // Act
    const outcomes = await runJobInProcess({ ...deps({ apps }), registry }, { job: 'daily' }, 4);

    // Assess
    expect(statusOf(outcomes)).toMatchObject({ shop: 'sent', coffee: 'sent', tea: 'failed', broken: 'failed' });
    expect(outcomes.find((o) => o.app === 'broken')?.detail).toMatch(
      /appid is not an AppID.*recipients\.0 is not an email address/,
    );
    expect(outcomes.find((o) => o.app === 'tea')).toMatchObject({ retryable: false, errcode: 40013 });
    // Everyone else is settled, so the digest goes out at once, listing the failures with their reasons.
    const digest = smtp.messages.find((m) => m.parsed.subject?.includes('【小程序汇总】'));
    // Each on one line, in the digest's language, with what to do; the reason recorded with the unit.
    expect(digest?.parsed.text).toMatch(/^ {2}tea：AppID 或 AppSecret 有误（errcode 40013）。.*核对 AppID/m);
    // A run config's entry: the fault in the digest's language, and the fix in the file, not `apps show`.
    expect(digest?.parsed.text).toMatch(
      /^ {2}broken：配置文件中的设置有误（appid 不是有效的 AppID）。在 run 的配置文件中修正该字段，下次运行即生效。$/m,
    );
    const recorded = await new FileLedger(join(dir.path, 'state')).getJob('daily', outcomes[0]?.period ?? '', 'tea');
    expect(recorded).toMatchObject({ status: 'failed', reason: 'credentials', errcode: 40013 });
  });
});
