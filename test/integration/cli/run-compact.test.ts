import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { beijingToday, beijingYesterday } from '../../../lambda/calendar/beijing-calendar.js';
import { DEMO_APPS } from '../../../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { tempDir } from '../../support/temp-dir.js';

const [SHOP] = DEMO_APPS as [(typeof DEMO_APPS)[0]];
let sim: WechatSimulator;
beforeAll(async () => {
  sim = await WechatSimulator.start();
});
afterAll(() => sim?.close());

/** The shop's daily report by email, its daily summary archived, and the archive compacted after each run. */
const writeConfig = (folder: string) =>
  writeFile(
    join(folder, 'wxa.config.json'),
    JSON.stringify({
      apps: [{ name: 'shop', appid: SHOP.appid, webhooks: [], recipients: ['ops@example.com'] }],
      email: { transport: 'smtp', from: 'r@example.com' },
      archive: { apis: ['daily-summary'], compact: true },
    }),
  );

const morning = () => new Date(`${beijingToday(new Date())}T02:00:00Z`);

describe('wxa-report run with archive.compact', () => {
  it('compacts what the job archived after it, in a line of its own (and in --json)', async () => {
    // Prepare
    const dir = await tempDir();
    await writeConfig(dir.path);
    const run = (args: string[]) =>
      runCliInProcess(['run', ...args, '--config', 'wxa.config.json'], {
        env: { WXA_APP_SHOP_SECRET: SHOP.secret, WECHAT_API_BASE: sim.url },
        cwd: dir.path,
        clock: morning,
      });

    try {
      // Act
      const daily = await run(['daily']);
      const again = await run(['daily', '--json']);

      // Assess
      expect(daily.code).toBe(0);
      expect(daily.stdout).toMatch(/^sent +shop daily /m);
      expect(daily.stdout).toMatch(/^Compacted \d+ answer\(s\) into \d+ month file\(s\) of \d+ table\(s\) in /m);
      const month = beijingYesterday(morning()).slice(0, 7);
      expect(await readdir(join(dir.path, 'wxa-data', 'archive', 'curated', 'daily_visit_trend'))).toContain(
        `month=${month}`,
      );
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout).compaction).toEqual({ months: [], files: expect.any(Number), unreadable: [] });
    } finally {
      await dir.remove();
    }
  }, 60_000);

  it('sends the reports, then names what the compaction left out in its own line and exits 1', async () => {
    // Prepare: an error answer archived by some other tool, in raw/.
    const dir = await tempDir();
    await writeConfig(dir.path);
    const archive = join(dir.path, 'wxa-data', 'archive');
    const key = archiveKeys.raw('daily-summary', SHOP.appid, 'dt=2026-01-05');
    await mkdir(join(archive, key, '..'), { recursive: true });
    await writeFile(join(archive, key), '{"errcode":-1,"errmsg":"system error"}');

    try {
      // Act
      const daily = await runCliInProcess(['run', 'daily', '--config', 'wxa.config.json', '--json'], {
        env: { WXA_APP_SHOP_SECRET: SHOP.secret, WECHAT_API_BASE: sim.url },
        cwd: dir.path,
        clock: morning,
      });

      // Assess
      expect(daily.code).toBe(1);
      expect(JSON.parse(daily.stdout).outcomes.map((o: { status: string }) => o.status)).toEqual(['sent']);
      expect(JSON.parse(daily.stdout).compaction.unreadable).toEqual([key]);
      expect(daily.stderr).toBe(
        `wxa-report: compaction left out ${join(archive, key)} (daily_summary, app ${SHOP.appid}, 2026-01-05) is WeChat's error answer, not data (errcode -1: system error): left out of the curated layer; fetch it again with "wxa-report backfill --archive ${archive} --apis daily-summary --from 2026-01-05 --to 2026-01-05" and app ${SHOP.appid}'s credentials (backfill replaces it); if WeChat no longer has that period, remove it: rm ${join(archive, key)}\n`,
      );
    } finally {
      await dir.remove();
    }
  }, 60_000);
});
