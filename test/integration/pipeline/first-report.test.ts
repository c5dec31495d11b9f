import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalArchive } from '../../../lambda/archive/local/local-archive.js';
import { EmailChannel } from '../../../lambda/notify/email-channel.js';
import { SmtpEmailSender } from '../../../lambda/notify/smtp/smtp-email-sender.js';
import { PLATFORMS } from '../../../lambda/notify/webhook/webhook-channel.js';
import { runDailyReport } from '../../../lambda/pipeline/run-daily-report.js';
import { runMonthlyReport } from '../../../lambda/pipeline/run-monthly-report.js';
import type { DailyReport } from '../../../lambda/report/daily-report.js';
import type { MonthlyReport } from '../../../lambda/report/monthly-report.js';
import { silentLogger } from '../../../lambda/shared/logger.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { FileLedger } from '../../../lambda/state/local/file-ledger.js';
import { CallGate } from '../../../lambda/wechat/call-gate.js';
import { APP, clientFor, FAST_RETRY, NOW, startSimulator } from '../../support/simulator.js';
import { type SmtpReceiver, startSmtpReceiver } from '../../support/smtp-receiver.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * An app's first report, against the simulator, with every call counted: the archive is empty, the
 * report fetches what it shows once (through the run's call gate), and reads like the hundredth.
 */
let smtp: SmtpReceiver;
let sim: WechatSimulator | undefined;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
});
afterAll(() => smtp?.close());
afterEach(async () => {
  await Promise.all([sim?.close(), dir?.remove()]);
  sim = undefined;
});

const emailChannel = (locale: 'zh-CN' | 'en' = 'zh-CN') =>
  new EmailChannel({
    sender: new SmtpEmailSender({ url: smtp.url }),
    from: 'wxa-reporter <reports@example.com>',
    to: ['ops@example.com'],
    locale,
  });

/** Calls per endpoint that reached the simulator. */
const calls = (s: WechatSimulator) =>
  Object.fromEntries(
    (['stable_token', 'getDailyVisitTrend', 'getDailySummary', 'getVisitPage', 'getMonthlyRetain'] as const).map(
      (endpoint) => [endpoint, s.callCount(endpoint)],
    ),
  );

/** The rows of a section of the plain-text email, up to the next blank line. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${title}:`);
  expect(start, `"${title}:" in the email`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** A clock the test moves; a pause (45011) moves it to its end instead of waiting. */
function virtualTime(start: number) {
  let now = start;
  return {
    clock: () => new Date(now),
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

async function dailyReport(
  deps: Parameters<typeof runDailyReport>[0],
  date = '2026-11-22',
): Promise<{ report: DailyReport; archived: readonly string[] }> {
  const result = await runDailyReport(deps, { date, appName: '喵喵商城' });
  if (result.status !== 'sent') throw new Error(result.reason);
  return result;
}

describe("an app's first daily report", () => {
  it('fetches the history it shows once (21 trend calls, 3 for the extras) and reads like the hundredth', async () => {
    // Prepare: an empty archive and ledger, an app WeChat has years of data for.
    sim = await startSimulator();
    dir = await tempDir();
    const ledger = new FileLedger(join(dir.path, 'state'));
    const deps = {
      source: clientFor(sim),
      archive: new LocalArchive(join(dir.path, 'archive')),
      channels: [emailChannel()],
      toolVersion: 'test',
      history: { memory: ledger, clock: () => NOW },
    };

    // Act
    const { report, archived } = await dailyReport(deps);
    const first = calls(sim);
    const mail = await smtp.nextMessage();
    sim.reset();
    await dailyReport(deps);
    await smtp.nextMessage();

    // Assess: the report day, 13 more days of the trend and 7 more Sundays; the day's summary and pages.
    expect(first).toEqual({
      stable_token: 1,
      getDailyVisitTrend: 21,
      getDailySummary: 1,
      getVisitPage: 2,
      getMonthlyRetain: 0,
    });
    expect(archived).toHaveLength(21);
    expect(calls(sim)).toMatchObject({ getDailyVisitTrend: 1, getDailySummary: 0, getVisitPage: 0 });
    expect(report.gaps).toEqual({ noData: [], missing: [], missingBecause: null });
    expect(report.anomalies.visit_uv.weeks).toBe(8);
    expect([report.metrics.visit_uv.dayOverDay, report.metrics.visit_uv.weekOverWeek]).not.toContain(null);
    // What the manager reads: 14 days of the trend, every one with its figure; the usual range judged.
    const text = mail.parsed.text ?? '';
    const trend = section(text, '近 14 天访问人数');
    expect(trend).toHaveLength(14);
    expect(trend.filter((row) => row.includes('无数据'))).toEqual([]);
    expect(text).toMatch(/过去 8 个周日/);
    // (A comparison may still say 无数据 where WeChat's own answer leaves a field out, as real ones do.)
    expect(`${text}${mail.parsed.html}`).not.toMatch(/backfill|历史数据不足|历史还太短|没能取到/);
  });

  it('for an app three weeks old: asks WeChat once for the Sundays before it existed, remembers them, and says the history is too short', async () => {
    // Prepare: the Mini Program went live on Tuesday 2026-11-03.
    sim = await startSimulator({ apps: [{ ...APP, since: '2026-11-03' }] });
    dir = await tempDir();
    const ledger = new FileLedger(join(dir.path, 'state'));
    const deps = {
      source: clientFor(sim),
      archive: new LocalArchive(join(dir.path, 'archive')),
      channels: [emailChannel(), emailChannel('en')],
      toolVersion: 'test',
      history: { memory: ledger, clock: () => NOW },
    };

    // Act
    const { report } = await dailyReport(deps);
    const first = sim.callCount('getDailyVisitTrend');
    const mails = [await smtp.nextMessage(), await smtp.nextMessage()];
    const zh = mails.find((m) => m.parsed.text?.includes('访问人数'));
    const en = mails.find((m) => m.parsed.text?.includes('Visitors'));
    sim.reset();
    const again = await dailyReport({ ...deps, channels: [] });

    // Assess: 21 calls the first time, the six Sundays before 11-03 answered empty and remembered.
    const before = ['2026-09-27', '2026-10-04', '2026-10-11', '2026-10-18', '2026-10-25', '2026-11-01'];
    expect(first).toBe(21);
    expect(report.gaps).toEqual({ noData: before, missing: [], missingBecause: null });
    expect([...(await ledger.noDataPeriods(APP.appid, 'getDailyVisitTrend'))].sort()).toEqual(before);
    expect(sim.callCount('getDailyVisitTrend')).toBe(1);
    expect(again.report.gaps.noData).toEqual(before);
    expect(report.anomalies.visit_uv).toMatchObject({ status: 'insufficient-history', weeks: 2 });
    const zhText = zh?.parsed.text ?? '';
    expect(zhText).toContain('历史还太短，暂不判断异常：之前只有 2 个周日有数据（至少需要 4 个）');
    expect(section(zhText, '近 14 天访问人数').filter((row) => row.includes('无数据'))).toEqual([]);
    expect(`${zhText}${zh?.parsed.html}`).not.toMatch(/backfill/);
    expect(en?.parsed.text).toContain('Too little history to judge what is usual: only 2 earlier Sundays have data');
    expect(section(en?.parsed.text ?? '', 'Visitors, last 14 days').filter((row) => row.includes('n/a'))).toEqual([]);
    expect(`${en?.parsed.text}${en?.parsed.html}`).not.toMatch(/backfill/);
  });

  it('asks WeChat again, and goes out, when the record of what WeChat has no data for is damaged', async () => {
    // Prepare: the ledger's file holds something no run writes.
    sim = await startSimulator({ apps: [{ ...APP, since: '2026-11-03' }] });
    dir = await tempDir();
    const ledger = new FileLedger(join(dir.path, 'state'));
    await mkdir(join(dir.path, 'state', 'no-data', APP.appid), { recursive: true });
    await writeFile(join(dir.path, 'state', 'no-data', APP.appid, 'getDailyVisitTrend.json'), '{"periods":[20261101]}');
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };

    const { report } = await dailyReport({
      source: clientFor(sim),
      archive: new LocalArchive(join(dir.path, 'archive')),
      channels: [],
      toolVersion: 'test',
      logger,
      history: { memory: ledger, clock: () => NOW },
    });

    expect(report.gaps.noData).toHaveLength(6);
    expect(sim.callCount('getDailyVisitTrend')).toBe(21);
    expect(warnings).toEqual(['could not read which periods WeChat has no data for; asking again']);
    expect((await ledger.noDataPeriods(APP.appid, 'getDailyVisitTrend')).size).toBe(6);
  });

  it('for an app five days old: the trend starts on its first day', async () => {
    sim = await startSimulator({ apps: [{ ...APP, since: '2026-11-18' }] });
    dir = await tempDir();
    const deps = {
      source: clientFor(sim),
      archive: new LocalArchive(join(dir.path, 'archive')),
      channels: [],
      toolVersion: 'test',
      history: { memory: new FileLedger(join(dir.path, 'state')), clock: () => NOW },
    };

    const { report } = await dailyReport(deps);

    expect(report.trend.map((p) => p.date)).toEqual([
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
    ]);
    expect(report.trend.every((p) => p.visitors !== null)).toBe(true);
    expect(report.metrics.visit_uv.weekOverWeek).toBeNull();
    const wecom = JSON.stringify(PLATFORMS.wecom.payload({ kind: 'daily', report }, 'zh-CN', NOW));
    expect(wecom).toContain('之前还没有周日的数据');
    expect(wecom.slice(wecom.indexOf('近 14 天访问人数'))).not.toMatch(/无数据/);
    expect(wecom).not.toMatch(/backfill/);
  });

  it("goes out when WeChat's daily quota runs out mid-way, says what is missing, and the next day's report fetches it", async () => {
    // Prepare: 15 calls of getDailyVisitTrend a day: the report day and 14 of its 20 history days.
    const time = virtualTime(NOW.getTime());
    sim = await startSimulator({ clock: time.clock });
    sim.setLimit({ endpoint: 'getDailyVisitTrend', daily: 15 });
    dir = await tempDir();
    const deps = () => ({
      // One gate per run, as every engine makes it.
      source: clientFor(sim as WechatSimulator, { clock: time.clock, gate: new CallGate({ clock: time.clock }) }),
      archive: new LocalArchive(join(dir.path, 'archive')),
      channels: [emailChannel()],
      toolVersion: 'test',
      history: { memory: new FileLedger(join(dir.path, 'state')), clock: time.clock },
    });

    // Act
    const today = await dailyReport(deps());
    const mail = await smtp.nextMessage();
    time.advance(24 * 3_600_000);
    const tomorrow = await dailyReport(deps());
    await smtp.nextMessage();

    // Assess
    expect(today.report.gaps).toMatchObject({ missingBecause: 'quota' });
    expect(today.report.gaps.missing).toHaveLength(6);
    expect(mail.parsed.text).toContain(
      '有 6 天的历史数据这次没能取到（微信今天的接口调用次数已用完），下一次报告会补上',
    );
    expect(tomorrow.report.gaps).toEqual({ noData: [], missing: [], missingBecause: null });
    expect(tomorrow.archived).toHaveLength(7);
  });

  it('goes out when the time for its history runs out (a minute limit that would outlast it), saying so', async () => {
    // Prepare: 10:00:30 in Beijing, 5 calls a minute: the sixth would wait until 10:01:01, past the 20 s given.
    const time = virtualTime(NOW.getTime() + 30_000);
    sim = await startSimulator({ clock: time.clock });
    sim.setLimit({ endpoint: 'getDailyVisitTrend', perMinute: 5 });
    dir = await tempDir();

    const { report } = await dailyReport({
      source: clientFor(sim, {
        clock: time.clock,
        gate: new CallGate({ clock: time.clock, sleep: time.sleep, maxPausesPerCall: 1 }),
      }),
      archive: new LocalArchive(join(dir.path, 'archive')),
      channels: [emailChannel('en')],
      toolVersion: 'test',
      history: { clock: time.clock, budgetMs: 20_000 },
    });
    const mail = await smtp.nextMessage();

    expect(report.gaps).toMatchObject({ missingBecause: 'time' });
    expect(report.gaps.missing).toHaveLength(16);
    expect(mail.parsed.text).toContain(
      "16 earlier days could not be fetched this time (the report's time ran out); the next report fetches them",
    );
    expect(time.clock().getTime()).toBeLessThan(NOW.getTime() + 60_000);
  });
});

describe('a history call that hangs', () => {
  it('is aborted at the budget, and the report goes out saying what is missing', async () => {
    // Prepare: the week-before day never answers; a request may wait a minute, the history 1 s
    sim = await startSimulator();
    sim.addFault({ endpoint: 'getDailyVisitTrend', period: '2026-11-15', action: { kind: 'hang' } });
    dir = await tempDir();

    // Act
    const { report } = await dailyReport({
      source: clientFor(sim, { retry: { ...FAST_RETRY, requestTimeoutMs: 60_000, totalBudgetMs: 120_000 } }),
      archive: new LocalArchive(join(dir.path, 'archive')),
      channels: [emailChannel('en')],
      toolVersion: 'test',
      history: { clock: () => NOW, budgetMs: 1_000 },
    });
    const mail = await smtp.nextMessage();

    // Assess: the hung request was given up (its connection closed), not waited out nor sent again
    expect(report.gaps).toMatchObject({ missingBecause: 'time', missing: ['2026-11-15'] });
    expect(mail.parsed.text).toContain(
      "1 earlier day could not be fetched this time (the report's time ran out); the next report fetches it",
    );
    await expect.poll(() => sim?.abandonedCount('getDailyVisitTrend')).toBe(1);
    expect(sim.requests('getDailyVisitTrend').filter((r) => JSON.stringify(r.body).includes('20261115'))).toHaveLength(
      1,
    );
  });
});

describe("an app's first monthly report", () => {
  async function monthlyReport(deps: Parameters<typeof runMonthlyReport>[0]): Promise<MonthlyReport> {
    const result = await runMonthlyReport(deps, { month: '2026-10', appName: '喵喵商城' });
    if (result.status !== 'sent') throw new Error(result.reason);
    return result.report;
  }

  it('fetches the six months and the 31 days it shows once, and charts them all', async () => {
    sim = await startSimulator();
    dir = await tempDir();
    const deps = {
      source: clientFor(sim),
      archive: new LocalArchive(join(dir.path, 'archive')),
      channels: [emailChannel()],
      toolVersion: 'test',
      history: { memory: new FileLedger(join(dir.path, 'state')), clock: () => NOW },
    };

    const report = await monthlyReport(deps);
    const first = calls(sim);
    const mail = await smtp.nextMessage();

    expect(first).toMatchObject({ stable_token: 1, getMonthlyRetain: 6, getDailyVisitTrend: 31 });
    expect(report.history.every((h) => h.activeUsers !== null && h.newUsers !== null)).toBe(true);
    expect(report.daily).toMatchObject({ daysWithData: 31, daysInMonth: 31 });
    expect(report.cohort.previousNewUserRetention).not.toBeNull();
    expect(section(mail.parsed.text ?? '', '近 6 个月活跃用户').filter((row) => row.includes('无数据'))).toEqual([]);
    expect(mail.parsed.text).not.toMatch(/无数据|backfill/);
  });

  it('for an app that went live in September: charts from September and asks the months before once', async () => {
    sim = await startSimulator({ apps: [{ ...APP, since: '2026-09-10' }] });
    dir = await tempDir();
    const ledger = new FileLedger(join(dir.path, 'state'));
    const deps = {
      source: clientFor(sim),
      archive: new LocalArchive(join(dir.path, 'archive')),
      channels: [],
      toolVersion: 'test',
      history: { memory: ledger, clock: () => NOW },
    };

    const report = await monthlyReport(deps);
    sim.reset();
    await monthlyReport(deps);

    expect(report.history.map((h) => h.month)).toEqual(['2026-09', '2026-10']);
    expect(report.gaps).toEqual({
      noData: ['2026-05', '2026-06', '2026-07', '2026-08'],
      missing: [],
      missingBecause: null,
    });
    expect([...(await ledger.noDataPeriods(APP.appid, 'getMonthlyRetain'))].sort()).toEqual([
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
    ]);
    expect(calls(sim)).toMatchObject({ getMonthlyRetain: 1, getDailyVisitTrend: 0 });
  });
});
