import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { WechatResponseError } from '../../../lambda/wechat/errors.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP, clientFor, startSimulator } from '../../support/simulator.js';
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

const FIFTY_MB = 50 * 1024 * 1024;

describe('an answer over the 1 MiB cap', () => {
  it.each([
    ['declared in Content-Length', true, /refused an answer of 52428800 bytes/],
    ['streamed without a length', false, /refused an answer of more than 1048576 bytes/],
  ])('is refused when %s, reading no further', async (_how, declareLength, message) => {
    // Prepare
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'oversized', bytes: FIFTY_MB, declareLength } });
    const heapBefore = process.memoryUsage().heapUsed;

    // Act
    const error = await clientFor(sim)
      .getDailyVisitTrend('2026-11-22')
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(WechatResponseError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/over the 1 MiB cap \(real answers are under 2 KB\)/);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(20 * 1024 * 1024);
    expect(sim.callCount('getDailyVisitTrend')).toBe(1);
  });

  it('is neither printed nor archived by the CLI', async () => {
    // Prepare
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'oversized', bytes: FIFTY_MB } });
    const env = { WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret, WECHAT_API_BASE: sim.url };

    // Act
    const fetched = await runCliInProcess(['fetch', 'daily', '--date', '2026-11-22'], { env, cwd: dir.path });
    const daily = await runCliInProcess(
      ['daily', '--date', '2026-11-22', '--archive', join(dir.path, 'archive'), '--outbox', join(dir.path, 'outbox')],
      { env, cwd: dir.path },
    );

    // Assess
    expect(fetched).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/over the 1 MiB cap/) });
    expect(daily).toMatchObject({ code: 1, stdout: '' });
    expect(await readdir(dir.path)).toEqual([]);
  });
});
