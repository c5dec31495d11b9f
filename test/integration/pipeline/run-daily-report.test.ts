import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { LocalArchive } from '../../../lambda/archive/local/local-archive.js';
import { S3Archive } from '../../../lambda/archive/s3/s3-archive.js';
import { addDays } from '../../../lambda/calendar/beijing-calendar.js';
import { EmailChannel } from '../../../lambda/notify/email-channel.js';
import { SmtpEmailSender } from '../../../lambda/notify/smtp/smtp-email-sender.js';
import { DeliveryError } from '../../../lambda/pipeline/deliver.js';
import { runDailyReport } from '../../../lambda/pipeline/run-daily-report.js';
import { simulatedDailyVisitTrend, simulatedDailyVisitTrendAnswer } from '../../../lambda/simulator/simulated-data.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { createBucket, s3ClientFor } from '../../support/s3.js';
import { APP, clientFor, startSimulator } from '../../support/simulator.js';
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

function emailChannel(url = smtp.url) {
  return new EmailChannel({
    sender: new SmtpEmailSender({ url }),
    from: 'wxa-reporter <reports@example.com>',
    to: ['ops@example.com'],
    locale: 'zh-CN',
  });
}

const rawDay = (date: string) =>
  Buffer.from(JSON.stringify({ list: [simulatedDailyVisitTrendAnswer(APP.appid, date)] }));

describe('the daily pipeline: simulator → moto S3 → SMTP', () => {
  it('archives the report day byte for byte and emails the report', async () => {
    const archive = new S3Archive(s3, await createBucket(s3));

    const result = await runDailyReport(
      { source: clientFor(sim), archive, channels: [emailChannel()], toolVersion: '0.1.0' },
      { date: '2026-11-22', appName: '喵喵商城' },
    );

    expect(result.status).toBe('sent');
    const stored = await archive.get(archiveKeys.dailyVisitTrend(APP.appid, '2026-11-22'));
    expect(stored?.equals(rawDay('2026-11-22'))).toBe(true);
    const mail = await smtp.nextMessage();
    const visitors = simulatedDailyVisitTrend(APP.appid, '2026-11-22').visit_uv.toLocaleString('en-US');
    expect(mail.parsed.subject).toMatch(/^(⚠)?【喵喵商城】/);
    expect(mail.parsed.text).toContain(`访问人数: ${visitors}`);
    expect(mail.parsed.html).toContain(visitors);
  });

  it('fetches and archives the history the report shows once: the 13 days of the trend and 7 more same weekdays', async () => {
    const archive = new S3Archive(s3, await createBucket(s3));

    const result = await runDailyReport(
      { source: clientFor(sim), archive, channels: [emailChannel()], toolVersion: '0.1.0' },
      { date: '2026-11-22' },
    );
    await smtp.nextMessage();

    const history = [
      ...Array.from({ length: 13 }, (_, i) => addDays('2026-11-22', -(i + 1))),
      ...[14, 21, 28, 35, 42, 49, 56].map((days) => addDays('2026-11-22', -days)),
    ].sort();
    expect(sim.callCount('getDailyVisitTrend')).toBe(21);
    expect(result.status === 'sent' && result.archived).toEqual([
      archive.locate(archiveKeys.dailyVisitTrend(APP.appid, '2026-11-22')),
      ...history.map((d) => archive.locate(archiveKeys.dailyVisitTrend(APP.appid, d))),
    ]);
    expect(
      (await archive.get(archiveKeys.dailyVisitTrend(APP.appid, '2026-11-15')))?.equals(rawDay('2026-11-15')),
    ).toBe(true);
  });

  it('makes one datacube call once the history is archived, and asks a later report only what its own history lacks', async () => {
    const archive = new S3Archive(s3, await createBucket(s3));
    const deps = { source: clientFor(sim), archive, channels: [emailChannel()], toolVersion: '0.1.0' };
    await runDailyReport(deps, { date: '2026-11-21' });
    await smtp.nextMessage();
    sim.reset();

    const result = await runDailyReport(deps, { date: '2026-11-22' });
    await smtp.nextMessage();

    // The first run archived 11-21, its trend (11-08 …) and its Saturdays back to 09-26; for 11-22
    // only the report day and the Sundays before 11-08 are missing.
    const [reportDay, ...history] = sim
      .requests('getDailyVisitTrend')
      .map((r) => (r.body as { begin_date: string }).begin_date);
    expect([reportDay, ...history.sort()]).toEqual([
      '20261122',
      '20260927',
      '20261004',
      '20261011',
      '20261018',
      '20261025',
      '20261101',
    ]);
    sim.reset();
    await runDailyReport(deps, { date: '2026-11-22' });
    await smtp.nextMessage();
    expect(sim.callCount('getDailyVisitTrend')).toBe(1);
    expect(result.status === 'sent' && result.report.metrics.visit_uv.previousDay).toBe(
      simulatedDailyVisitTrend(APP.appid, '2026-11-21').visit_uv,
    );
  });

  it('archives nothing and sends nothing when the day is not yet available', async () => {
    const dir = await tempDir();
    const archive = new LocalArchive(dir.path);
    sim.addFault({ endpoint: 'getDailyVisitTrend', period: '2026-11-22', action: { kind: 'not-ready' } });
    const before = smtp.messages.length;

    const result = await runDailyReport(
      { source: clientFor(sim), archive, channels: [emailChannel()], toolVersion: '0.1.0' },
      { date: '2026-11-22' },
    );

    expect(result).toMatchObject({ status: 'not-yet-available', date: '2026-11-22' });
    expect(await archive.get(archiveKeys.dailyVisitTrend(APP.appid, '2026-11-22'))).toBeUndefined();
    expect(sim.callCount('getDailyVisitTrend')).toBe(1);
    expect(smtp.messages.length).toBe(before);
    await dir.remove();
  });

  it('keeps the data archived when sending fails, and says so', async () => {
    const dir = await tempDir();
    const archive = new LocalArchive(dir.path);
    const rejecting = await startSmtpReceiver({ rejectData: { code: 554, message: 'mailbox unavailable' } });

    const failure = await runDailyReport(
      { source: clientFor(sim), archive, channels: [emailChannel(rejecting.url)], toolVersion: '0.1.0' },
      { date: '2026-11-22' },
    ).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(DeliveryError);
    expect((failure as Error).message).toMatch(
      /the data is archived \(.*dt=2026-11-22\/response\.json.*\), but sending failed on email: .*554/,
    );
    expect(
      (await archive.get(archiveKeys.dailyVisitTrend(APP.appid, '2026-11-22')))?.equals(rawDay('2026-11-22')),
    ).toBe(true);
    await rejecting.close();
    await dir.remove();
  });

  it('keeps the report day archived when WeChat fails on a comparison day', async () => {
    const dir = await tempDir();
    const archive = new LocalArchive(dir.path);
    sim.addFault({ endpoint: 'getDailyVisitTrend', period: '2026-11-21', action: { kind: 'http', status: 502 } });

    const result = await runDailyReport(
      { source: clientFor(sim), archive, channels: [emailChannel()], toolVersion: '0.1.0' },
      { date: '2026-11-22' },
    );
    await smtp.nextMessage();

    expect(result.status === 'sent' && result.report.metrics.visit_uv.dayOverDay).toBeNull();
    expect(result.status === 'sent' && result.report.metrics.visit_uv.weekOverWeek).not.toBeNull();
    await dir.remove();
  });

  it('refetches a comparison day whose archived body is corrupt', async () => {
    const dir = await tempDir();
    const archive = new LocalArchive(dir.path);
    const provenance = { appid: APP.appid, api: 'x', request: {}, fetchedAt: '', toolVersion: '' };
    await archive.put(archiveKeys.dailyVisitTrend(APP.appid, '2026-11-21'), Buffer.from('{"list":[{'), provenance);

    await runDailyReport(
      { source: clientFor(sim), archive, channels: [emailChannel()], toolVersion: '0.1.0' },
      { date: '2026-11-22' },
    );
    await smtp.nextMessage();

    expect(
      (await archive.get(archiveKeys.dailyVisitTrend(APP.appid, '2026-11-21')))?.equals(rawDay('2026-11-21')),
    ).toBe(true);
    await dir.remove();
  });
});
