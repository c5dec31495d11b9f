import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { LocalArchive } from '../../../lambda/archive/local/local-archive.js';
import { addDays, beijingYesterday, lastCompleteMonth } from '../../../lambda/calendar/beijing-calendar.js';
import { readArchived } from '../../../lambda/pipeline/archived-datacube.js';
import { silentLogger } from '../../../lambda/shared/logger.js';
import { DEMO_APPS, type SimulatedApp, simulatedDailyVisitTrend } from '../../../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { relaySignature } from '../../../lambda/wechat/cloud-relay.js';
import { createDatacubeClient } from '../../../lambda/wechat/create-datacube-client.js';
import { DATACUBE_APIS, userPortraitApi } from '../../../lambda/wechat/datacube-apis.js';
import { dailyVisitTrendEndpoint } from '../../../lambda/wechat/datacube-endpoints.js';
import { WechatApiError, WechatTransportError } from '../../../lambda/wechat/errors.js';
import { type RunningRelay, startRelay } from '../../support/cloud-relay.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { FAST_RETRY } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * The cloud call (云调用) path: the relay function shipped in cloudbase/wxa-relay, run in Node behind
 * a stand-in of CloudBase's HTTP access with a stand-in wx-server-sdk (its cloud calls answered by
 * the WeChat simulator, in the cloud call's camelCase shape), and the reporter calling it over HTTP.
 */
const [APP] = DEMO_APPS as [SimulatedApp];
const SECRET = 'relay-secret-0123456789abcdef0123456789abcdef';
let sim: WechatSimulator;
let relay: RunningRelay;
const clock = () => new Date();

beforeAll(async () => {
  sim = await WechatSimulator.start();
  relay = await startRelay({
    secret: SECRET,
    wechat: sim.url,
    appid: APP.appid,
    appsecret: APP.secret,
    // Every API but the portrait: its permission is left out of this function's config.json.
    permissions: [
      'analysis.getDailyVisitTrend',
      'analysis.getMonthlyRetain',
      'analysis.getDailySummary',
      'analysis.getVisitPage',
    ],
  });
}, 30_000);
afterAll(async () => {
  await relay?.close();
  await sim?.close();
});

const viaRelay = (secret = SECRET) =>
  createDatacubeClient({
    appid: APP.appid,
    secret,
    tokenMode: { cloudRelay: relay.url },
    retry: FAST_RETRY,
    clock,
  });
const direct = () =>
  createDatacubeClient({ appid: APP.appid, secret: APP.secret, apiBase: sim.url, retry: FAST_RETRY, clock });

describe('the reporter through the CloudBase relay', () => {
  const date = beijingYesterday(new Date());

  it("reads a day as the HTTPS API would, keeping the cloud call's bytes and naming their shape", async () => {
    // Act
    const [relayed, https] = await Promise.all([
      viaRelay().getDailyVisitTrend(date),
      direct().getDailyVisitTrend(date),
    ]);

    // Assess
    if (relayed.status !== 'ok' || https.status !== 'ok') throw new Error('expected data');
    expect(relayed.value).toEqual(https.value);
    expect(relayed.shape).toBe('cloud-call');
    expect(https.shape).toBe('https');
    const raw = JSON.parse(relayed.raw.toString('utf8'));
    expect(raw.errMsg).toBe('openapi.analysis.getDailyVisitTrend:ok');
    expect(Object.keys(raw.list[0])).toContain('visitUvNew');
    expect(sim.callCount('stable_token')).toBeGreaterThan(0); // the function's own token, inside CloudBase
  });

  it("reads a month's retention the same way", async () => {
    const month = lastCompleteMonth(new Date());

    const [relayed, https] = await Promise.all([viaRelay().getMonthlyRetain(month), direct().getMonthlyRetain(month)]);

    if (relayed.status !== 'ok' || https.status !== 'ok') throw new Error('expected data');
    expect(relayed.value).toEqual(https.value);
    expect(JSON.parse(relayed.raw.toString('utf8')).errMsg).toBe('openapi.analysis.getMonthlyRetain:ok');
  });

  it('reads WeChat\'s refusals in the cloud call\'s shape: "not yet" and a missing permission', async () => {
    // Prepare
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'errcode', errcode: 61503 }, times: 1 });

    // Act
    const notYet = await viaRelay().getDailyVisitTrend(date);
    const portrait = viaRelay().call(userPortraitApi, { end: date, days: 7 });

    // Assess
    expect(notYet).toMatchObject({ status: 'not-yet-available', reason: expect.stringMatching(/61503/) });
    await expect(portrait).rejects.toBeInstanceOf(WechatApiError);
    await expect(portrait).rejects.toMatchObject({ errcode: -604101 });
    await expect(portrait).rejects.toThrow(
      /^getUserPortrait failed: CloudBase errCode -604101 .*the cloud function has no permission to call this API\. Fix: the relay's config\.json must list this API/,
    );
    sim.reset();
  });

  it('is refused with a wrong secret, saying what to check, and never sends the secret', async () => {
    // Act
    const wrong = await viaRelay('another-secret-0123456789abcdef0123456789ab')
      .getDailyVisitTrend(date)
      .catch((error: unknown) => error);
    const body = JSON.stringify({ api: 'getDailyVisitTrend', beginDate: '20261122', endDate: '20261122' });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const tampered = await fetch(relay.url, {
      method: 'POST',
      headers: {
        'x-wxa-timestamp': timestamp,
        'x-wxa-nonce': 'n1',
        'x-wxa-signature': relaySignature(SECRET, timestamp, 'n1', body),
      },
      body: body.replace('getDailyVisitTrend', 'getVisitPage'),
    });
    const stale = await fetch(relay.url, {
      method: 'POST',
      headers: {
        'x-wxa-timestamp': String(Number(timestamp) - 3600),
        'x-wxa-nonce': 'n2',
        'x-wxa-signature': relaySignature(SECRET, String(Number(timestamp) - 3600), 'n2', body),
      },
      body,
    });

    // Assess
    expect(wrong).toBeInstanceOf(WechatTransportError);
    expect((wrong as Error).message).toMatch(/cloud relay refused the request \(HTTP 401\).*WXA_RELAY_SECRET/);
    expect([tampered.status, stale.status]).toEqual([401, 401]);
  });
});

describe('wxa-report through the relay', () => {
  const date = addDays(beijingYesterday(new Date()), -1);
  const env = { WECHAT_APPID: APP.appid, WXA_RELAY_SECRET: SECRET };

  it("fetch daily --relay-url prints the cloud call's body byte for byte", async () => {
    const { code, stdout, stderr } = await runCliInProcess(
      ['fetch', 'daily', '--date', date, '--relay-url', relay.url],
      {
        env,
        clock,
      },
    );

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).errMsg).toBe('openapi.analysis.getDailyVisitTrend:ok');
    expect(stdout).not.toContain(SECRET);
  });

  it('daily archives the bytes as received with their shape, and reads them back for the comparison', async () => {
    // Prepare
    const dir = await tempDir();
    const archiveDir = join(dir.path, 'archive');
    const args = ['daily', '--relay-url', relay.url, '--archive', archiveDir, '--outbox', join(dir.path, 'outbox')];

    // Act: the day's report (it archives D and the history it shows), then the next day's, which reads D from the archive.
    const first = await runCliInProcess([...args, '--date', date], { env, clock });
    sim.reset();
    const second = await runCliInProcess([...args, '--date', addDays(date, 1), '--json'], { env, clock });

    // Assess
    expect([first.code, second.code]).toEqual([0, 0]);
    const key = archiveKeys.dailyVisitTrend(APP.appid, date);
    const archive = new LocalArchive(archiveDir);
    const stored = await archive.get(key);
    expect(JSON.parse(stored?.toString('utf8') ?? '{}').errMsg).toBe('openapi.analysis.getDailyVisitTrend:ok');
    const provenance = JSON.parse(
      await readFile(join(archiveDir, `provenance/${key.replace(/^raw\//, '')}.provenance.json`), 'utf8'),
    );
    expect(provenance).toMatchObject({ api: 'getDailyVisitTrend', shape: 'cloud-call' });
    const read = await readArchived(archive, key, dailyVisitTrendEndpoint, date, silentLogger);
    expect(read?.date).toBe(date);
    // The next day's D-1 came from the archive (cloud-call bytes); through the relay only its own day and
    // the six older same weekdays of its usual range the first report did not need.
    expect(sim.callCount('getDailyVisitTrend')).toBe(7);
    expect(JSON.parse(second.stdout).metrics.visit_uv.previousDay).toBe(
      simulatedDailyVisitTrend(APP.appid, date).visit_uv,
    );
    await dir.remove();
  });
});

describe("CloudBase's own codes, as the relay hands them back", () => {
  const date = beijingYesterday(new Date());
  const relays: RunningRelay[] = [];
  afterAll(() => Promise.all(relays.map((r) => r.close())));
  const relayWith = async (cloud: Parameters<typeof startRelay>[0]['cloud']) => {
    const started = await startRelay({
      secret: SECRET,
      wechat: sim.url,
      appid: APP.appid,
      appsecret: APP.secret,
      cloud,
    });
    relays.push(started);
    return started;
  };
  const through = (url: string) =>
    createDatacubeClient({
      appid: APP.appid,
      secret: SECRET,
      tokenMode: { cloudRelay: url },
      retry: FAST_RETRY,
      clock,
    });
  const failure = async (url: string) =>
    (await through(url)
      .getDailyVisitTrend(date)
      .catch((error: unknown) => error)) as WechatApiError;

  it.each([
    [{ knownApis: ['getMonthlyRetain'] }, -604100, /does not know this API.*wx-server-sdk is too old.*云端安装依赖/],
    [{ source: 'devtools' as const }, -604104, /outside a deployed cloud function.*HTTP access URL/],
    [{ quota: 0 }, -501003, /request quota is used up.*套餐/],
  ])('%j: errCode %i says what to fix, and is not retried', async (cloud, errcode, fix) => {
    // Prepare
    const relay = await relayWith(cloud);
    sim.reset();

    // Act
    const error = await failure(relay.url);

    // Assess
    expect(error).toBeInstanceOf(WechatApiError);
    expect(error.errcode).toBe(errcode);
    expect(error.message).toMatch(new RegExp(`^getDailyVisitTrend failed: CloudBase errCode ${errcode} `));
    expect(error.message).toMatch(fix);
    expect(error.message).not.toMatch(/unrecognised/);
    // CloudBase refused it: WeChat was never asked, and nothing was asked twice.
    expect(sim.callCount('getDailyVisitTrend')).toBe(0);
  });

  it('retries a timeout (-604102) and a system error (-604103) of the cloud call, then says they are transient', async () => {
    // Prepare: WeChat answers slower than the cloud call waits, then with HTTP 500.
    const relay = await relayWith({ timeoutMs: 150 });
    sim.reset();
    sim.addFault({ endpoint: 'getDailyVisitTrend', times: 1, action: { kind: 'delay', ms: 1_000 } });
    sim.addFault({ endpoint: 'getDailyVisitTrend', times: 1, action: { kind: 'http', status: 500 } });

    // Act: the third attempt is answered.
    const recovered = await through(relay.url).getDailyVisitTrend(date);
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'http', status: 500 } });
    const error = await failure(relay.url);

    // Assess
    expect(recovered.status).toBe('ok');
    expect(error.errcode).toBe(-604103);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/the cloud call failed inside WeChat \(system error\)\. Fix: transient/);
    sim.reset();
  });

  it('wxa-report fetch and run print the fix in one line, naming CloudBase, not "unrecognised WeChat error"', async () => {
    // Prepare: a relay whose config.json lacks getDailyVisitTrend.
    const relay = await startRelay({
      secret: SECRET,
      wechat: sim.url,
      appid: APP.appid,
      appsecret: APP.secret,
      permissions: ['analysis.getMonthlyRetain'],
    });
    relays.push(relay);
    const dir = await tempDir();
    await writeFile(
      join(dir.path, 'wxa.config.json'),
      JSON.stringify({
        apps: [
          {
            name: 'cloud',
            appid: APP.appid,
            tokenMode: 'cloud-relay',
            relayUrl: relay.url,
            recipients: ['ops@example.com'],
          },
        ],
        email: { transport: 'smtp', from: 'wxa-reporter <r@example.com>' },
      }),
    );

    // Act
    const fetched = await runCliInProcess(['fetch', 'daily', '--date', date, '--relay-url', relay.url], {
      env: { WECHAT_APPID: APP.appid, WXA_RELAY_SECRET: SECRET },
      clock,
    });
    const ran = await runCliInProcess(['run', 'daily', '--config', 'wxa.config.json', '--date', date, '--json'], {
      env: { WXA_APP_CLOUD_SECRET: SECRET },
      cwd: dir.path,
      clock,
    });
    await dir.remove();

    // Assess: the CLI's line, and the unit outcome the worker and run record.
    expect(fetched.code).toBe(1);
    expect(fetched.stderr).toMatch(
      /^wxa-report: getDailyVisitTrend failed: CloudBase errCode -604101 \(.*\): the cloud function has no permission to call this API\. Fix: the relay's config\.json must list this API.*\n$/,
    );
    expect(ran.code).toBe(1);
    const [outcome] = JSON.parse(ran.stdout).outcomes;
    expect(outcome).toMatchObject({
      app: 'cloud',
      status: 'failed',
      detail: expect.stringContaining('CloudBase errCode -604101'),
    });
    expect(outcome.detail).toMatch(/config\.json must list this API/);
  });
});

describe('the relay function as shipped', () => {
  it('asks in config.json for exactly the APIs it calls: every datacube API the reporter knows', async () => {
    const require = createRequire(import.meta.url);
    const { APIS } = require('../../../cloudbase/wxa-relay/relay.js') as { APIS: string[] };
    const config = JSON.parse(
      await readFile(join(import.meta.dirname, '../../../cloudbase/wxa-relay/config.json'), 'utf8'),
    );

    expect(config.permissions.openapi).toEqual(APIS.map((api) => `analysis.${api}`));
    expect([...APIS].sort()).toEqual(
      ['getDailyVisitTrend', 'getMonthlyRetain', ...DATACUBE_APIS.map((api) => api.name)].sort(),
    );
  });
});
