import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { simulatedMonthlyRetain } from '../../../lambda/simulator/simulated-data.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP, NOW, startSimulator } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

let sim: WechatSimulator;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.reset();
  dir = await tempDir();
});
afterEach(() => dir.remove());

const env = () => ({ WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret, WECHAT_API_BASE: sim.url });
const monthly = (args: string[] = []) =>
  runCliInProcess(['monthly', '--archive', join(dir.path, 'archive'), '--outbox', join(dir.path, 'outbox'), ...args], {
    env: env(),
  });
const value = (series: { key: number; value: number }[], key: number) =>
  series.find((e) => e.key === key)?.value as number;

describe('wxa-report monthly', () => {
  it('defaults to the last complete month in Beijing, archives both bodies byte for byte', async () => {
    const { code, stdout, stderr } = await monthly();

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Monthly report for wx5f1d0c3a9e7b2d41, 2026-10');
    for (const month of ['2026-10', '2026-09']) {
      const stored = await readFile(join(dir.path, 'archive', archiveKeys.monthlyRetain(APP.appid, month)), 'utf8');
      expect(stored).toBe(JSON.stringify(simulatedMonthlyRetain(APP.appid, month, NOW)));
    }
  });

  it('prints --json rates to 4 decimals, as the README shows', async () => {
    const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
    const oct = simulatedMonthlyRetain(APP.appid, '2026-10', NOW);
    const sep = simulatedMonthlyRetain(APP.appid, '2026-09', NOW);
    const aug = simulatedMonthlyRetain(APP.appid, '2026-08', NOW);
    // A first report: the cohort before (August), the chart's months and October's days are fetched with it.
    const { code, stdout } = await monthly(['--month', '2026-10', '--json']);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      appid: APP.appid,
      month: '2026-10',
      newUsers: {
        value: value(oct.visit_uv_new, 0),
        previous: value(sep.visit_uv_new, 0),
        change: r4((value(oct.visit_uv_new, 0) - value(sep.visit_uv_new, 0)) / value(sep.visit_uv_new, 0)),
      },
      activeUsers: {
        value: value(oct.visit_uv, 0),
        previous: value(sep.visit_uv, 0),
        change: r4((value(oct.visit_uv, 0) - value(sep.visit_uv, 0)) / value(sep.visit_uv, 0)),
      },
      cohort: {
        month: '2026-09',
        newUserRetention: r4(value(sep.visit_uv_new, 1) / value(sep.visit_uv_new, 0)),
        activeUserRetention: r4(value(sep.visit_uv, 1) / value(sep.visit_uv, 0)),
        previousNewUserRetention: r4(value(aug.visit_uv_new, 1) / value(aug.visit_uv_new, 0)),
        previousActiveUserRetention: r4(value(aug.visit_uv, 1) / value(aug.visit_uv, 0)),
      },
      // What the email shows besides: the month from its days, six months of history.
      daily: expect.objectContaining({ daysWithData: 31, daysInMonth: 31 }),
      history: expect.arrayContaining([
        { month: '2026-10', newUsers: value(oct.visit_uv_new, 0), activeUsers: value(oct.visit_uv, 0) },
      ]),
      gaps: { noData: [], missing: [], missingBecause: null },
    });
  });

  it('sends each month once per channel: a second run says it was already sent, --force sends it again', async () => {
    const first = await monthly(['--month', '2026-10']);
    const second = await monthly(['--month', '2026-10']);
    const forced = await monthly(['--month', '2026-10', '--force']);

    expect([first.code, second.code, forced.code]).toEqual([0, 0, 0]);
    expect(first.stdout).toMatch(/^ {2}Sent \(email\) /m);
    expect(second.stdout).toMatch(/^ {2}Not sent \(email\) {2}already sent \(.*\); --force sends it again$/m);
    expect(forced.stdout).toMatch(/^ {2}Sent \(email\) /m);
  });

  it('writes the monthly .eml in the chosen language', async () => {
    await monthly(['--month', '2026-10', '--lang', 'en', '--app-name', 'Daily Brew']);

    const mail = await simpleParser(await readFile(join(dir.path, 'outbox', `monthly-${APP.appid}-2026-10.en.eml`)));
    expect(mail.subject).toMatch(
      /^Daily Brew · October 2026: [\d,]+ active users \([▲▼] [+-]\d+\.\d% month over month\), new-user retention \d+\.\d%$/,
    );
    expect(mail.text).toContain('Users of September 2026 who came back in October 2026');
  });

  it.each([
    [['--month', '2026-11'], 1, /2026-11 has not ended in Beijing/],
    [['--month', '2026-13'], 1, /--month "2026-13" is not a month/],
  ])('refuses %j with one line and sends nothing', async (args, exit, message) => {
    const { code, stderr } = await monthly(args);

    expect(code).toBe(exit);
    expect(stderr).toMatch(message);
    expect(sim.callCount('getMonthlyRetain')).toBe(0);
  });

  it('exits 75 when WeChat has not published the month', async () => {
    sim.addFault({ endpoint: 'getMonthlyRetain', action: { kind: 'not-ready' } });

    const { code, stderr } = await monthly(['--month', '2026-10']);

    expect(code).toBe(75);
    expect(stderr).toMatch(/has not published 2026-10 yet/);
  });
});
