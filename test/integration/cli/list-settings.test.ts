import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP, startSimulator } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * Every comma-separated list setting, typed with a Chinese input method (a full-width comma "，"
 * joining two entries): one line naming the character and the half-width comma to use, before
 * anything is fetched, never "is not an email address".
 */
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

const env = { WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret };
const cli = (args: string[], extra: Record<string, string> = {}) =>
  runCliInProcess(args, { env: { ...env, WECHAT_API_BASE: sim.url, ...extra }, cwd: dir.path });
const HALF_WIDTH = 'as a Chinese input method types it: separate the entries with a half-width comma (,)';

describe('a list setting with a full-width comma', () => {
  it('daily --to names the full-width comma, before fetching anything', async () => {
    // Act
    const { code, stderr } = await cli([
      'daily',
      '--date',
      '2026-11-22',
      '--archive',
      join(dir.path, 'archive'),
      '--to',
      'a@example.com，b@example.com',
    ]);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe(`wxa-report: --to contains a full-width comma (，), ${HALF_WIDTH}\n`);
    expect(sim.callCount('getDailyVisitTrend')).toBe(0);
  });

  it('backfill --apis names the ideographic comma (、)', async () => {
    // Act
    const { code, stderr } = await cli([
      'backfill',
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-02',
      '--archive',
      join(dir.path, 'archive'),
      '--apis',
      'daily、visit-page',
    ]);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe(`wxa-report: --apis contains an ideographic comma (、), ${HALF_WIDTH}\n`);
    expect(sim.callCount('getDailyVisitTrend')).toBe(0);
  });

  it("run's config names the full-width comma in an app's recipients", async () => {
    // Prepare
    await writeFile(
      join(dir.path, 'config.json'),
      JSON.stringify({ apps: [{ name: 'shop', appid: APP.appid, recipients: ['a@example.com，b@example.com'] }] }),
    );

    // Act
    const { code, stderr } = await cli(['run', 'daily', '--config', 'config.json', '--date', '2026-11-22'], {
      WXA_APP_SHOP_SECRET: APP.secret,
    });

    // Assess
    expect(code).not.toBe(0);
    expect(stderr).toContain(`recipients.0 contains a full-width comma (，), ${HALF_WIDTH}`);
    expect(stderr).not.toContain('is not an email address');
  });
});
