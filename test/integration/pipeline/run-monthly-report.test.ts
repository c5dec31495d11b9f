import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { LocalArchive } from '../../../lambda/archive/local/local-archive.js';
import { S3Archive } from '../../../lambda/archive/s3/s3-archive.js';
import { EmailChannel } from '../../../lambda/notify/email-channel.js';
import { SmtpEmailSender } from '../../../lambda/notify/smtp/smtp-email-sender.js';
import { DeliveryError } from '../../../lambda/pipeline/deliver.js';
import { runMonthlyReport } from '../../../lambda/pipeline/run-monthly-report.js';
import { simulatedMonthlyRetain } from '../../../lambda/simulator/simulated-data.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { createBucket, s3ClientFor } from '../../support/s3.js';
import { APP, clientFor, NOW, startSimulator } from '../../support/simulator.js';
import { type SmtpReceiver, startSmtpReceiver } from '../../support/smtp-receiver.js';
import { tempDir } from '../../support/temp-dir.js';

let sim: WechatSimulator;
let moto: MotoServer;
let s3: S3Client;
let smtp: SmtpReceiver;
beforeAll(async () => {
  [sim, moto, smtp] = await Promise.all([startSimulator(), startMoto(), startSmtpReceiver()]);
  s3 = s3ClientFor(moto.endpoint);
});
afterAll(async () => {
  s3?.destroy();
  await Promise.all([sim?.close(), moto?.stop(), smtp?.close()]);
});
beforeEach(() => sim.reset());

const channel = (url = smtp.url) =>
  new EmailChannel({
    sender: new SmtpEmailSender({ url }),
    from: 'r@example.com',
    to: ['ops@example.com'],
    locale: 'en',
  });
const raw = (month: string) => Buffer.from(JSON.stringify(simulatedMonthlyRetain(APP.appid, month, NOW)));
const monthsAsked = () =>
  sim
    .requests('getMonthlyRetain')
    .map((r) => (r.body as { begin_date: string }).begin_date)
    .sort();
const SIX_MONTHS = ['20260501', '20260601', '20260701', '20260801', '20260901', '20261001'];
const provenance = { appid: APP.appid, api: 'getMonthlyRetain', request: {}, fetchedAt: '', toolVersion: '' };

describe('the monthly pipeline: simulator → moto S3 → SMTP', () => {
  it('archives M and what it shows (the five months before, the days of M) byte for byte, once, and emails the retention report', async () => {
    const archive = new S3Archive(s3, await createBucket(s3));
    const deps = { source: clientFor(sim), archive, channels: [channel()], toolVersion: '0.1.0' };

    const result = await runMonthlyReport(deps, { month: '2026-10', appName: 'Shop' });
    const first = { months: monthsAsked(), days: sim.callCount('getDailyVisitTrend') };
    sim.reset();
    await runMonthlyReport(deps, { month: '2026-10', appName: 'Shop' });
    await smtp.nextMessage();

    expect(result.status).toBe('sent');
    expect(first).toEqual({ months: SIX_MONTHS, days: 31 });
    expect([monthsAsked(), sim.callCount('getDailyVisitTrend')]).toEqual([['20261001'], 0]);
    expect((await archive.get(archiveKeys.monthlyRetain(APP.appid, '2026-10')))?.equals(raw('2026-10'))).toBe(true);
    expect((await archive.get(archiveKeys.monthlyRetain(APP.appid, '2026-09')))?.equals(raw('2026-09'))).toBe(true);
    const sept = simulatedMonthlyRetain(APP.appid, '2026-09', NOW);
    const mail = await smtp.nextMessage();
    expect(mail.parsed.subject).toMatch(/^Shop · October 2026: [\d,]+ active users/);
    const rate = `${(((sept.visit_uv_new[1]?.value ?? 0) / (sept.visit_uv_new[0]?.value ?? 1)) * 100).toFixed(1)}%`;
    expect(mail.parsed.subject).toContain(`new-user retention ${rate}`);
    expect(mail.parsed.text).toContain(rate);
  });

  it('reads M-1 from the archive when it already has key 1', async () => {
    const dir = await tempDir();
    const archive = new LocalArchive(dir.path);
    await archive.put(archiveKeys.monthlyRetain(APP.appid, '2026-09'), raw('2026-09'), provenance);

    await runMonthlyReport(
      { source: clientFor(sim), archive, channels: [channel()], toolVersion: '0.1.0' },
      { month: '2026-10' },
    );
    await smtp.nextMessage();

    expect(monthsAsked()).toEqual(SIX_MONTHS.filter((m) => m !== '20260901'));
    await dir.remove();
  });

  it('re-fetches M-1 when its archived answer predates key 1', async () => {
    const dir = await tempDir();
    const archive = new LocalArchive(dir.path);
    const early = Buffer.from(
      JSON.stringify(simulatedMonthlyRetain(APP.appid, '2026-09', new Date('2026-10-15T00:00:00Z'))),
    );
    await archive.put(archiveKeys.monthlyRetain(APP.appid, '2026-09'), early, provenance);

    const result = await runMonthlyReport(
      { source: clientFor(sim), archive, channels: [channel()], toolVersion: '0.1.0' },
      { month: '2026-10' },
    );
    await smtp.nextMessage();

    expect(monthsAsked()).toEqual(SIX_MONTHS);
    expect((await archive.get(archiveKeys.monthlyRetain(APP.appid, '2026-09')))?.equals(raw('2026-09'))).toBe(true);
    expect(result.status === 'sent' && result.report.cohort.newUserRetention).not.toBeNull();
    await dir.remove();
  });

  it('archives nothing and sends nothing when M is not yet available', async () => {
    const dir = await tempDir();
    const archive = new LocalArchive(dir.path);
    sim.addFault({ endpoint: 'getMonthlyRetain', period: '2026-10', action: { kind: 'not-ready' } });
    const before = smtp.messages.length;

    const result = await runMonthlyReport(
      { source: clientFor(sim), archive, channels: [channel()], toolVersion: '0.1.0' },
      { month: '2026-10' },
    );

    expect(result).toMatchObject({ status: 'not-yet-available', month: '2026-10' });
    expect(await archive.get(archiveKeys.monthlyRetain(APP.appid, '2026-10'))).toBeUndefined();
    expect(smtp.messages.length).toBe(before);
    await dir.remove();
  });

  it('keeps every month archived when sending fails, and says so', async () => {
    const dir = await tempDir();
    const archive = new LocalArchive(dir.path);
    const rejecting = await startSmtpReceiver({ rejectData: { code: 552, message: 'message too big' } });

    const failure = await runMonthlyReport(
      { source: clientFor(sim), archive, channels: [channel(rejecting.url)], toolVersion: '0.1.0' },
      { month: '2026-10' },
    ).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(DeliveryError);
    expect((failure as Error).message).toMatch(
      /month=2026-10\/response\.json, and 36 earlier period\(s\) it shows\), but sending failed/,
    );
    expect(await archive.get(archiveKeys.monthlyRetain(APP.appid, '2026-09'))).toBeDefined();
    await rejecting.close();
    await dir.remove();
  });

  it('fails with the field named when WeChat sends an impossible retention key', async () => {
    sim.addFault({
      endpoint: 'getMonthlyRetain',
      period: '2026-10',
      action: {
        kind: 'body',
        body: '{"ref_date":"202610","visit_uv_new":[{"key":0,"value":5},{"key":3,"value":1}],"visit_uv":[]}',
      },
    });
    const dir = await tempDir();

    await expect(
      runMonthlyReport(
        { source: clientFor(sim), archive: new LocalArchive(dir.path), channels: [channel()], toolVersion: '0.1.0' },
        { month: '2026-10' },
      ),
    ).rejects.toThrow(/getMonthlyRetain: .*visit_uv_new\.1\.key/);
    await dir.remove();
  });
});
