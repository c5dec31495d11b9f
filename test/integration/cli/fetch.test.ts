import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/run-cli.js';
import { simulatedDailyVisitTrendAnswer, simulatedMonthlyRetain } from '../../../lambda/simulator/simulated-data.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { APP, fixedClock, NOW, startSimulator } from '../../support/simulator.js';

let sim: WechatSimulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const out: Buffer[] = [];
  let err = '';
  const code = await runCli(args, {
    stdout: { write: (c: string | Uint8Array) => out.push(Buffer.from(c)) },
    stderr: { write: (c: string) => (err += c) },
    env: { WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret, WECHAT_API_BASE: sim.url, ...env },
    clock: fixedClock,
    cwd: process.cwd(),
  });
  return { code, stdout: Buffer.concat(out), stderr: err };
}

describe('wxa-report fetch', () => {
  it('prints the daily body byte for byte, defaulting to yesterday in Beijing', async () => {
    const { code, stdout, stderr } = await cli(['fetch', 'daily']);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.toString()).toBe(JSON.stringify({ list: [simulatedDailyVisitTrendAnswer(APP.appid, '2026-11-22')] }));
  });

  it('prints the monthly body for --month', async () => {
    const { code, stdout } = await cli(['fetch', 'monthly', '--month', '2026-09']);

    expect(code).toBe(0);
    expect(stdout.toString()).toBe(JSON.stringify(simulatedMonthlyRetain(APP.appid, '2026-09', NOW)));
  });

  it.each([
    [['fetch', 'daily', '--date', '2026-11-23'], /2026-11-23 has not ended in Beijing/],
    [['fetch', 'daily', '--date', '2026-13-01'], /--date "2026-13-01" is not a real calendar date/],
    [['fetch', 'monthly', '--month', '2026-11'], /2026-11 has not ended in Beijing/],
  ])('refuses %j locally with one line and sends nothing', async (args, message) => {
    const { code, stderr } = await cli(args);

    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(
      sim.callCount('stable_token') + sim.callCount('getDailyVisitTrend') + sim.callCount('getMonthlyRetain'),
    ).toBe(0);
  });

  it('lists the names when asked for one it does not have', async () => {
    const { code, stderr, stdout } = await cli(['fetch', 'dayly', '--date', '2026-11-22']);

    expect(code).toBe(1);
    expect(stdout.length).toBe(0);
    expect(stderr).toBe(
      'wxa-report: fetch has no API "dayly"; the names are daily, monthly, daily-summary, weekly-trend, monthly-trend, daily-retain, weekly-retain, visit-distribution, visit-page, user-portrait (see wxa-report fetch --help)\n',
    );
    expect(sim.callCount('stable_token')).toBe(0);
  });

  it.each([
    [['--token-service', 'tokens.example.com/wechat?key=tk-123'], '--token-service does not start with https://'],
    [['--token-service', 'http://tokens.example.com/wechat?key=tk-123'], '--token-service must start with https://'],
    [['--relay-url', '"https://env-1.service.tcloudbase.com/wxa-relay?k=tk-123"'], '--relay-url is wrapped in quotes'],
  ])('refuses a URL setting it cannot use (%j) with one line naming it, never its value', async (flags, problem) => {
    const { code, stderr } = await cli(['fetch', 'daily', ...flags], { WXA_RELAY_SECRET: 'r'.repeat(32) });

    expect(code).toBe(1);
    expect(stderr.startsWith(`wxa-report: ${problem}`)).toBe(true);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toContain('tk-123');
  });

  it('retries a -1 on the first call and succeeds', async () => {
    sim.addFault({
      endpoint: 'getDailyVisitTrend',
      times: 1,
      action: { kind: 'errcode', errcode: -1, errmsg: 'system error' },
    });

    const { code } = await cli(['fetch', 'daily', '--date', '2026-11-22']);

    expect(code).toBe(0);
    expect(sim.callCount('getDailyVisitTrend')).toBe(2);
  });

  it('exits 1 on 48001, naming the code and the fix', async () => {
    sim.addFault({
      endpoint: 'getDailyVisitTrend',
      action: { kind: 'errcode', errcode: 48001, errmsg: 'api unauthorized rid: 1' },
    });

    const { code, stderr } = await cli(['fetch', 'daily', '--date', '2026-11-22']);

    expect(code).toBe(1);
    expect(stderr).toMatch(/^wxa-report: .*48001.*Fix: .*verified/);
  });

  it('exits 75 when the data is not yet available', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'not-ready' } });

    const { code, stderr, stdout } = await cli(['fetch', 'daily', '--date', '2026-11-22']);

    expect(code).toBe(75);
    expect(stdout.length).toBe(0);
    expect(stderr).toMatch(/not yet available/);
  });

  it('says which variable is missing', async () => {
    expect((await cli(['fetch', 'daily'], { WECHAT_APPID: undefined })).stderr).toMatch(/WECHAT_APPID is not set/);
    expect((await cli(['fetch', 'daily'], { WECHAT_APPSECRET: undefined })).stderr).toMatch(
      /WECHAT_APPSECRET is not set/,
    );
  });

  it('never prints the AppSecret or a token, even on failures', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'errcode', errcode: 40001 } });

    const { code, stdout, stderr } = await cli(['fetch', 'daily', '--date', '2026-11-22']);

    expect(code).toBe(1);
    const printed = stdout.toString() + stderr;
    expect(printed).not.toContain(APP.secret);
    for (const r of sim.requests('getDailyVisitTrend')) expect(printed).not.toContain(r.query.access_token);
  });
});

describe('the built wxa-report binary', () => {
  const run = promisify(execFile);

  it('answers --help on every command', async () => {
    for (const args of [
      ['--help'],
      ['fetch', '--help'],
      ['fetch', 'daily', '--help'],
      ['fetch', 'monthly', '--help'],
      ['simulate', '--help'],
    ]) {
      const { stdout } = await run(process.execPath, ['dist/wxa-report.mjs', ...args]);
      expect(stdout).toMatch(/^Usage: wxa-report/);
    }
  });

  it('fetches against the simulator as a separate process', async () => {
    const { stdout } = await run(
      process.execPath,
      ['dist/wxa-report.mjs', 'fetch', 'monthly', '--month', '2026-10', '--api-base', sim.url],
      {
        env: { ...process.env, WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret },
      },
    );

    expect(JSON.parse(stdout)).toMatchObject({ ref_date: '202610' });
  });
});

describe('wxa-report simulate', () => {
  it('prints its address and the demo credentials, and answers like WeChat', async () => {
    const out: string[] = [];
    let answer: unknown;

    const code = await runCli(
      ['simulate', '--port', '0'],
      {
        stdout: { write: (c: string | Uint8Array) => out.push(String(c)) },
        stderr: { write: () => undefined },
        env: {},
        clock: fixedClock,
        cwd: process.cwd(),
      },
      {
        onSimulatorStarted: async (started) => {
          const res = await fetch(`${started.url}/cgi-bin/stable_token`, {
            method: 'POST',
            body: JSON.stringify({ grant_type: 'client_credential', appid: APP.appid, secret: APP.secret }),
          });
          answer = await res.json();
          await started.close();
        },
      },
    );

    const printed = out.join('');
    expect(code).toBe(0);
    expect(printed).toMatch(/^WeChat API simulator listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(printed).toContain(`WECHAT_APPID=${APP.appid} WECHAT_APPSECRET=${APP.secret}`);
    expect(answer).toMatchObject({ expires_in: 7200 });
  });

  it('refuses a port that is not one', async () => {
    const err: string[] = [];
    const code = await runCli(['simulate', '--port', 'eighty'], {
      stdout: { write: () => undefined },
      stderr: { write: (c: string) => err.push(c) },
      env: {},
      clock: fixedClock,
      cwd: process.cwd(),
    });

    expect(code).toBe(1);
    expect(err.join('')).toMatch(/must be a port number/);
  });
});
