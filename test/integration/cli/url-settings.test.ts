import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP, clientFor, startSimulator } from '../../support/simulator.js';
import { closedPort } from '../../support/smtp-receiver.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * Every URL-shaped setting that reaches fetch (the token service, the relay, the access points), as
 * a new user gets them wrong: refused up front when it cannot work, and, when the server there fails,
 * a line naming the setting the URL came from, never the API base of another one.
 */
let sim: WechatSimulator;
let refusing: number;
beforeAll(async () => {
  [sim, refusing] = await Promise.all([startSimulator(), closedPort()]);
});
afterAll(() => sim.close());

const env = {
  WECHAT_APPID: APP.appid,
  WECHAT_APPSECRET: APP.secret,
  WXA_RELAY_SECRET: 'r'.repeat(32),
};
const fetchWith = (...flags: string[]) =>
  runCliInProcess(['fetch', 'daily', ...flags], { env: { ...env, WECHAT_API_BASE: sim.url } });

describe('a URL setting that cannot work is refused before anything is sent', () => {
  it.each([
    ['--token-service', 'https://u:PW-secret@tokens.example.com/x'],
    ['--relay-url', 'https://u:PW-secret@env-1.service.tcloudbase.com/wxa-relay'],
  ])('%s with a user and password: one line, neither shown, no retry', async (flag, url) => {
    const { code, stderr } = await fetchWith(flag, url);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `wxa-report: ${flag} carries a user name or password (user:password@ before the host), which cannot be sent this way: give the URL without them; a key the service needs goes where the service documents it (in its path or its query)\n`,
    );
    expect(stderr).not.toMatch(/PW-secret|\bu:/);
    expect(sim.callCount('stable_token')).toBe(0);
  });

  it('a full-width comma in the access-point list is named as such (not a host that does not resolve)', async () => {
    const { code, stderr } = await runCliInProcess(
      ['fetch', 'daily', '--api-base', 'https://api.weixin.qq.com，https://api2.weixin.qq.com'],
      { env },
    );

    expect(code).toBe(1);
    expect(stderr).toBe(
      'wxa-report: --api-base contains a full-width character (：／＠， or a full-width space, as a Chinese input method types them): retype it with half-width characters\n',
    );
  });

  it('the same in WECHAT_API_BASE, and a space inside an entry', async () => {
    const fullWidth = await runCliInProcess(['fetch', 'daily'], {
      env: { ...env, WECHAT_API_BASE: `${sim.url}，https://api2.weixin.qq.com` },
    });
    const space = await runCliInProcess(['fetch', 'daily'], {
      env: { ...env, WECHAT_API_BASE: `${sim.url}, https://api2.weixin .qq.com` },
    });

    expect(fullWidth.stderr).toMatch(/^wxa-report: WECHAT_API_BASE contains a full-width character/);
    expect(space.stderr).toBe(
      'wxa-report: WECHAT_API_BASE (entry 2 of 2) contains a space or a line break: copy the URL again in one piece\n',
    );
  });
});

describe('a failing server is named by the setting its URL came from', () => {
  it.concurrent.each([
    [
      ['--token-service', `http://127.0.0.1:PORT/token?key=k-secret`],
      'token service: 127.0.0.1:PORT refused the connection on every try: nothing accepts connections there. Check --token-service',
    ],
    [
      ['--token-service', 'https://tokens.invalid/token?key=k-secret'],
      "token service: tokens.invalid does not resolve (DNS): check --token-service and this machine's DNS",
    ],
    [
      ['--relay-url', `http://127.0.0.1:PORT/wxa-relay`],
      'getDailyVisitTrend: 127.0.0.1:PORT refused the connection on every try: nothing accepts connections there. Check --relay-url',
    ],
  ])('%j', async (flags, line) => {
    const { code, stderr } = await fetchWith(...flags.map((f) => f.replace('PORT', String(refusing))));

    expect(code).toBe(1);
    expect(stderr).toBe(`wxa-report: ${line.replace('PORT', String(refusing))}\n`);
    expect(stderr).not.toContain('k-secret');
  });

  it('a token service answering 404: its host and first word, the rest masked (it may be keyed there), then what to check', async () => {
    const { code, stderr } = await fetchWith('--token-service', `${sim.url}/no-such-service/PATHSECRET66?key=k-secret`);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `wxa-report: token service: HTTP 404 (Not Found) from ${sim.url}/no-such-service/***?*** (check --token-service: is it the right URL?)\n`,
    );
    expect(stderr).not.toMatch(/PATHSECRET66|k-secret/);
  });

  it('an access point answering a bare 404: the masked URL ends before the question, which names the API base', async () => {
    sim.reset();
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'http', status: 404, body: 'not here' } });

    const { code, stderr } = await fetchWith('--date', '2026-11-22');

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^wxa-report: getDailyVisitTrend: HTTP 404 \(Not Found\) from http:\/\/127\.0\.0\.1:\d+\/datacube\/getweanalysisappiddailyvisittrend\?access_token=\*\*\* \(check the API base \(--api-base, WECHAT_API_BASE, or apiBase in the config\): is it a WeChat-compatible server\?\)\n$/,
    );
    sim.reset();
  });

  it("run: an app's own token service is named as the app's tokenService", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir.path, 'wxa.config.json'),
      JSON.stringify({
        apps: [
          { name: 'shop', appid: APP.appid, tokenService: `http://127.0.0.1:${refusing}/t`, recipients: ['a@b.co'] },
        ],
        email: { transport: 'smtp', from: 'r@example.com' },
      }),
    );

    try {
      const { stderr } = await runCliInProcess(['run', 'daily', '--config', 'wxa.config.json'], {
        env: { WECHAT_API_BASE: sim.url },
        cwd: dir.path,
      });

      expect(stderr).toContain(
        `wxa-report: shop daily 2026-11-22 failed: token service: 127.0.0.1:${refusing} refused the connection on every try: nothing accepts connections there. Check the tokenService of app shop\n`,
      );
      expect(stderr).not.toContain('API base');
    } finally {
      await dir.remove();
    }
  });
});

describe('a URL fetch refuses to request, given past the checks (a function caller, an old registry entry)', () => {
  it('is said once, naming the setting and not the user: nothing was sent, so no retry', async () => {
    const client = clientFor(sim, {
      secret: undefined,
      tokenMode: { service: 'https://user-name:PW-secret@127.0.0.1:1/token', setting: 'the tokenService of app shop' },
    });

    const error = (await client.getDailyVisitTrend('2026-11-22').catch((e: unknown) => e)) as Error;

    expect(error.message).toMatch(
      /^token service: could not make the request \(.*\), nothing was sent: check the tokenService of app shop$/,
    );
    expect(error.message).not.toMatch(/user-name|PW-secret/);
  });
});
