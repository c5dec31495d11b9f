import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDays, beijingYesterday } from '../../../lambda/calendar/beijing-calendar.js';
import { DEMO_APPS } from '../../../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * The built CLI on a real pseudo-terminal (util-linux `script`, installed by the test set-up), as a
 * person runs it: the progress bar hides the cursor and turns line wrap off while it draws; Ctrl-C is
 * the terminal's own SIGINT to the process. Whatever the exit, the terminal is given back.
 */
const APP = DEMO_APPS[0] as (typeof DEMO_APPS)[number];
const CLI = resolve('dist/wxa-report.mjs');
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const WRAP_OFF = '\x1b[?7l';
const WRAP_ON = '\x1b[?7h';

let sim: WechatSimulator;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  // The real clock: the CLI runs on it. Each answer takes a while, so Ctrl-C finds the bar drawing.
  sim = await WechatSimulator.start({ latencyMs: 30 });
});
afterAll(() => sim?.close());
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.remove());

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/** Runs `wxa-report …args` under `script`; `interrupt` says when the output is far enough to press Ctrl-C. */
function onTerminal(
  args: readonly string[],
  interrupt?: (output: string) => boolean,
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: dir.path,
    env: { ...process.env, WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret, WECHAT_API_BASE: sim.url },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  let pressed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (!pressed && interrupt?.(output)) {
      pressed = true;
      child.stdin.write('\x03');
    }
  });
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => {
      child.stdin.destroy();
      done({ code, output });
    });
  });
}

/** Whether the last time the output turned something off, it turned it on again after. */
const restored = (output: string, off: string, on: string) =>
  output.includes(off) && output.lastIndexOf(on) > output.lastIndexOf(off);

describe('wxa-report backfill on a terminal', () => {
  const to = beijingYesterday(new Date());
  const from = addDays(to, -199);
  const archive = () => join(dir.path, 'archive');

  it('gives the cursor and line wrap back when Ctrl-C stops it mid-way, and ends as Ctrl-C ends a program', async () => {
    // Act: Ctrl-C once the bar has counted a few days.
    const { code, output } = await onTerminal(
      ['backfill', '--from', from, '--to', to, '--archive', archive(), '--concurrency', '1'],
      (seen) => /\] [1-9]\d*\/200 /.test(seen),
    );

    // Assess
    expect(output).toContain(HIDE_CURSOR);
    expect(restored(output, HIDE_CURSOR, SHOW_CURSOR)).toBe(true);
    expect(restored(output, WRAP_OFF, WRAP_ON)).toBe(true);
    expect(code).toBe(130);
    const days = await readdir(join(archive(), 'raw', 'daily-visit-trend', `appid=${APP.appid}`));
    expect(days.length).toBeGreaterThan(0);
    expect(days.length).toBeLessThan(200);
  }, 60_000);

  it('gives them back when it ends on its own, and when it fails', async () => {
    const done = await onTerminal(['backfill', '--from', addDays(to, -4), '--to', to, '--archive', archive()]);
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'errcode', errcode: 40001 }, times: 100 });
    const failed = await onTerminal(['backfill', '--from', addDays(to, -9), '--to', to, '--archive', archive()]);

    expect(done.code).toBe(0);
    expect(failed.code).toBe(1);
    for (const { output } of [done, failed]) {
      expect(restored(output, HIDE_CURSOR, SHOW_CURSOR)).toBe(true);
      expect(restored(output, WRAP_OFF, WRAP_ON)).toBe(true);
    }
  }, 60_000);
});
