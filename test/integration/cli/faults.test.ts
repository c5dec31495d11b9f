import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AttributeValue, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { addDays, beijingToday, beijingYesterday } from '../../../lambda/calendar/beijing-calendar.js';
import { WEBHOOK_KINDS } from '../../../lambda/notify/webhook/webhook-platform.js';
import { DEMO_APPS } from '../../../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { createTables, dynamoClientsFor } from '../../support/dynamodb.js';
import { type EchoingReceiver, secretPiecesIn, startEchoingReceiver } from '../../support/echoing-receiver.js';
import { awsError, type FaultProxy, refusingEndpoint, startFaultProxy } from '../../support/fault-proxy.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { createBucket, s3ClientFor } from '../../support/s3.js';
import { startSmtpReceiver } from '../../support/smtp-receiver.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * `wxa-report run` and the single-app commands under the same faults as the deployment: S3 behind a
 * fault-injecting proxy in front of moto (503, a missing bucket, no s3:ListBucket), damaged ledger
 * files, misspelt config fields, six chats that quote the request in their error page.
 */
const [SHOP, COFFEE] = DEMO_APPS as [(typeof DEMO_APPS)[0], (typeof DEMO_APPS)[0]];
let sim: WechatSimulator;
let moto: MotoServer;
let proxy: FaultProxy;
let echo: EchoingReceiver;
let s3: S3Client;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  // The chats answer 404 quoting the request in JSON, the JSON endpoint's key past the first 200 characters.
  [sim, moto, echo] = await Promise.all([WechatSimulator.start(), startMoto(), startEchoingReceiver('json')]);
  proxy = await startFaultProxy(moto.endpoint);
  s3 = s3ClientFor(moto.endpoint);
  // The SDK reads its endpoint from the process environment: S3 goes through the proxy.
  vi.stubEnv('AWS_ENDPOINT_URL_S3', proxy.url);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
}, 120_000);
afterAll(async () => {
  vi.unstubAllEnvs();
  s3?.destroy();
  await Promise.all([sim?.close(), proxy?.close(), moto?.stop(), echo?.close()]);
});
beforeEach(async () => {
  sim.reset();
  dir = await tempDir();
  await writeConfig([
    { name: 'shop', appid: SHOP.appid, recipients: ['ops@example.com'] },
    { name: 'coffee', appid: COFFEE.appid, recipients: ['growth@example.com'] },
  ]);
});
afterEach(async () => {
  proxy.reset();
  await dir.remove();
});

const writeConfig = (apps: object[], extra: object = {}) =>
  writeFile(
    join(dir.path, 'wxa.config.json'),
    JSON.stringify({ apps, email: { transport: 'smtp', from: 'wxa-reporter <r@example.com>' }, ...extra }),
  );
/** 10:00 of today in Beijing: before the cut-off whenever the suite runs. */
const morning = () => new Date(`${beijingToday(new Date())}T02:00:00Z`);
const DATE = () => beijingYesterday(morning());
const env = (extra: Record<string, string> = {}) => ({
  WXA_APP_SHOP_SECRET: SHOP.secret,
  WXA_APP_COFFEE_SECRET: COFFEE.secret,
  WECHAT_API_BASE: sim.url,
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_S3: proxy.url,
  ...extra,
});
const cli = (args: string[], extra: Record<string, string> = {}) =>
  runCliInProcess(args, { env: env(extra), cwd: dir.path, clock: morning });
const run = (args: string[], extra: Record<string, string> = {}) =>
  cli(['run', ...args, '--config', 'wxa.config.json'], extra);
const state = (...path: string[]) => join(dir.path, 'wxa-data', 'state', ...path);
const jobRecord = async (app: string) =>
  JSON.parse(await readFile(state('jobs', 'daily', DATE(), `${app}.json`), 'utf8')) as {
    status: string;
    detail?: string;
  };
const refusingPort = async () => new URL(await refusingEndpoint()).port;
const failureLines = (stderr: string) => stderr.split('\n').filter((l) => / failed: /.test(l));

describe('wxa-report run under faults', () => {
  it('S3 answering 503: the unit stays pending (one line on stderr), and the retry sends it once S3 is back', async () => {
    // Prepare
    const bucket = await createBucket(s3);
    proxy.add({
      match: (r) => r.service === 's3',
      answer: awsError('s3', 503, 'SlowDown', 'Please reduce your request rate.'),
    });

    // Act
    const busy = await run(['daily', '--archive', `s3://${bucket}/wxa`, '--state', state()]);
    const pending = await jobRecord('shop');
    proxy.reset();
    const retried = await run(['retry', '--archive', `s3://${bucket}/wxa`, '--state', state()]);

    // Assess
    expect(busy.code).toBe(1);
    expect(failureLines(busy.stderr).sort()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^wxa-report: coffee daily ${DATE()} failed: cannot write s3://${bucket}/wxa/raw/.*\\(temporary: HTTP 503 SlowDown\\)$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^wxa-report: shop daily ${DATE()} failed: cannot write s3://${bucket}/wxa/raw/`),
      ),
    ]);
    expect(pending.status).toBe('pending');
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(new RegExp(`^sent +shop daily ${DATE()}`, 'm'));
  }, 60_000);

  it('a missing bucket needs a person: failed at once (not pending), the line says what to do', async () => {
    const result = await run(['daily', '--archive', 's3://wxa-no-such-bucket/wxa', '--state', state()]);

    expect(result.code).toBe(1);
    expect(failureLines(result.stderr)).toContainEqual(
      expect.stringMatching(
        /shop daily .* failed: .*The specified bucket does not exist: the bucket wxa-no-such-bucket does not exist: create it, or correct the name/,
      ),
    );
    expect((await jobRecord('shop')).status).toBe('failed');
  }, 60_000);

  it('an archive without s3:ListBucket still works, and names the grant once', async () => {
    const bucket = await createBucket(s3);
    proxy.add({ match: (r) => r.service === 's3', answer: 'no-list-bucket' });

    const result = await run(['daily', '--archive', `s3://${bucket}/wxa`, '--state', state()]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^sent +shop daily ${DATE()}`, 'm'));
    const warnings = result.stderr.split('\n').filter((l) => l.includes('s3:ListBucket'));
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^wxa-report: warning: s3://${bucket}: this caller lacks s3:ListBucket.*Grant s3:ListBucket on arn:aws:s3:::${bucket} \\(condition s3:prefix "wxa/\\*"\\)`,
        ),
      ),
    ]);
  }, 60_000);

  it('SMTP refusing connections is temporary (pending); a refused login needs a person (failed)', async () => {
    // Prepare
    const smtp = await startSmtpReceiver({ credentials: { user: 'reports@example.com', password: 'right' } });
    try {
      // Act
      const refused = await run(['daily', '--state', state()], {
        SMTP_URL: `smtp://127.0.0.1:${await refusingPort()}`,
      });
      const refusedRecord = await jobRecord('shop');
      const wrongLogin = await run(['daily', '--state', state()], {
        SMTP_URL: `smtp://reports%40example.com:wr0ngPassw0rd@127.0.0.1:${smtp.port}`,
      });

      // Assess
      expect(refused.code).toBe(1);
      expect(refusedRecord).toMatchObject({
        status: 'pending',
        detail: expect.stringMatching(/email: SMTP server .* refused the connection/),
      });
      expect(wrongLogin.code).toBe(1);
      expect(failureLines(wrongLogin.stderr)).toContainEqual(
        expect.stringMatching(/shop daily .* failed: .*email: SMTP .*: check the user and password/),
      );
      expect((await jobRecord('shop')).status).toBe('failed');
      expect(wrongLogin.stderr).not.toContain('wr0ngPassw0rd');
    } finally {
      await smtp.close();
    }
  }, 60_000);

  it('an archive that may be listed but not read: the grant it needs is named', async () => {
    const bucket = await createBucket(s3);
    proxy.add({
      match: (r) => r.service === 's3' && r.method === 'GET',
      answer: awsError('s3', 403, 'AccessDenied', 'Access Denied'),
    });

    const result = await run(['daily', '--archive', `s3://${bucket}/wxa`, '--state', state()]);

    expect(result.code).toBe(1);
    expect(failureLines(result.stderr)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `shop daily .* failed: cannot read s3://${bucket}/wxa/raw/.*: Access Denied: grant s3:GetObject on arn:aws:s3:::${bucket}/wxa/\\*`,
        ),
      ),
    );
    expect((await jobRecord('shop')).status).toBe('failed');
  }, 60_000);

  it('a damaged ledger file stops its own app, named; the others run', async () => {
    // Prepare
    await mkdir(state('jobs', 'daily', DATE()), { recursive: true });
    await writeFile(
      state('jobs', 'daily', DATE(), 'shop.json'),
      '{"status": "pending", "updatedAt": 12345678901234567.5',
    );

    // Act
    const result = await run(['daily', '--state', state()]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^sent +coffee daily ${DATE()}`, 'm'));
    expect(failureLines(result.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^wxa-report: shop daily ${DATE()} failed: the ledger file .*shop\\.json is damaged \\(not JSON: .*\\): fix the file, or delete it`,
        ),
      ),
    ]);
  }, 60_000);

  it('ledger show and run retry name a damaged ledger file every time, on stderr, and exit 1', async () => {
    // Prepare: shop is pending; coffee's record was cut short (a full disk, a crash mid-copy).
    const folder = state('jobs', 'daily', DATE());
    await mkdir(folder, { recursive: true });
    await writeFile(
      join(folder, 'shop.json'),
      JSON.stringify({ status: 'pending', updatedAt: '2026-01-01T00:00:00Z' }),
    );
    await writeFile(join(folder, 'coffee.json'), '{"status": "sent", "updatedAt": "2026-');
    const warning =
      /^wxa-report: warning: ledger record unreadable, left out \(problem the ledger file .*coffee\.json is damaged \(not JSON/m;
    const show = (json: string[] = []) =>
      cli(['ledger', 'show', '--state', state(), '--job', 'daily', '--period', DATE(), ...json]);

    // Act
    const shown = await show();
    const shownJson = await show(['--json']);
    const retried = await run(['retry', '--state', state()]);

    // Assess: the listing shows the rest, names the damaged file, and says it is incomplete.
    expect(shown.stdout).toMatch(/^pending +shop/);
    expect(shown.stdout).not.toContain('coffee');
    expect(shown.stderr).toMatch(warning);
    expect(shown.code).toBe(1);
    expect(JSON.parse(shownJson.stdout)).toEqual([expect.objectContaining({ app: 'shop', status: 'pending' })]);
    expect(shownJson.stderr).toMatch(warning);
    expect(shownJson.code).toBe(1);
    // The retry names it too, runs the unit it may be (which fails naming the file), and the others.
    expect(retried.stderr).toMatch(warning);
    expect(retried.stdout).toMatch(new RegExp(`^sent +shop daily ${DATE()}`, 'm'));
    expect(failureLines(retried.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(`^wxa-report: coffee daily ${DATE()} failed: the ledger file .*coffee\\.json is damaged`),
      ),
    ]);
    expect(retried.code).toBe(1);
  }, 60_000);

  it('ledger show --table names an item whose number the SDK cannot read, and exits 1', async () => {
    // Prepare
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', moto.endpoint);
    const dynamo = dynamoClientsFor(moto.endpoint);
    try {
      const { ledger } = await createTables(dynamo.raw);
      const item = (app: string, updatedAt: AttributeValue) => ({
        TableName: ledger,
        Item: { pk: { S: `daily#${DATE()}` }, sk: { S: `app#${app}` }, status: { S: 'sent' }, updatedAt },
      });
      await dynamo.raw.send(new PutItemCommand(item('shop', { S: '2026-01-01T00:00:00.000Z' })));
      await dynamo.raw.send(new PutItemCommand(item('coffee', { N: '12345678901234567.5' })));

      // Act
      const shown = await cli(['ledger', 'show', '--table', ledger, '--job', 'daily', '--period', DATE()]);

      // Assess
      expect(shown.stdout).toMatch(/^sent +shop/);
      expect(shown.stderr).toMatch(
        new RegExp(
          `^wxa-report: warning: ledger record unreadable, left out \\(problem ledger table ${ledger}, item pk "daily#${DATE()}", sk "app#coffee" is damaged \\(updatedAt must be an ISO 8601 time \\(a string\\), not 12345678901234567\\.5\\)`,
          'm',
        ),
      );
      expect(shown.code).toBe(1);
    } finally {
      dynamo.raw.destroy();
      vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', '');
    }
  }, 60_000);

  it.each([
    ['without a lease', {}, '\\("sending" without a lease\\)'],
    [
      'with a lease until 2099',
      { leaseUntil: '2099-01-01T00:00:00.000Z' },
      '\\("sending" with a lease until 2099-01-01T00:00:00\\.000Z, longer than the 10 minutes any run takes\\)',
    ],
  ])(
    'a "sending" claim %s is an error naming app and channel, and becomes unconfirmed',
    async (_what, lease, said) => {
      const folder = state('deliveries', 'daily', DATE(), 'coffee');
      await mkdir(folder, { recursive: true });
      await writeFile(
        join(folder, 'email.json'),
        JSON.stringify({ status: 'sending', updatedAt: '2026-01-01T00:00:00Z', owner: 'gone', ...lease }),
      );

      const result = await run(['daily', '--state', state()]);

      expect(result.code).toBe(1);
      expect(failureLines(result.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(
            `coffee daily ${DATE()} failed: .*the ledger held a state for coffee daily ${DATE()} on email that no run writes ${said}.*wxa-report ledger release`,
          ),
        ),
      ]);
      expect(JSON.parse(await readFile(join(folder, 'email.json'), 'utf8'))).toMatchObject({ status: 'unconfirmed' });
    },
    60_000,
  );

  it('a misspelt app field is named with the field it meant, and the other apps run', async () => {
    await writeConfig([
      { name: 'shop', appid: SHOP.appid, recipient: ['ops@example.com'] },
      { name: 'coffee', appid: COFFEE.appid, recipients: ['growth@example.com'] },
    ]);

    const result = await run(['daily', '--state', state()]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('wxa-report: shop daily');
    expect(result.stderr).toMatch(
      /failed: invalid registry entry: apps\.0: recipient is not a field; did you mean recipients\?/,
    );
    expect(result.stdout).toMatch(new RegExp(`^sent +coffee daily ${DATE()}`, 'm'));
  }, 60_000);

  it('a misspelt shared setting stops the run before anything is sent, naming it', async () => {
    await writeConfig([{ name: 'shop', appid: SHOP.appid, recipients: ['ops@example.com'] }], {
      shedule: { cutoffHour: 17 },
    });

    const result = await run(['daily', '--state', state()]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^wxa-report: .*shedule is not a field; did you mean schedule\?$/m);
    expect(result.stdout).toBe('');
  });

  it('six chats quoting the request: no secret on stdout, stderr, --json or in the ledger files', async () => {
    // Prepare
    await writeConfig([{ name: 'chatty', appid: SHOP.appid, webhooks: [...WEBHOOK_KINDS] }]);
    const hooks = Object.fromEntries(
      WEBHOOK_KINDS.flatMap((kind) => [
        [`WXA_APP_CHATTY_WEBHOOK_${kind.toUpperCase()}`, echo.urls[kind]],
        ...(echo.signing[kind] ? [[`WXA_APP_CHATTY_WEBHOOK_${kind.toUpperCase()}_SECRET`, echo.signing[kind]]] : []),
      ]),
    );

    // Act
    const lines = await run(['daily', '--state', state()], { WXA_APP_CHATTY_SECRET: SHOP.secret, ...hooks });
    const json = await run(['daily', '--state', state(), '--json'], { WXA_APP_CHATTY_SECRET: SHOP.secret, ...hooks });

    // Assess
    expect(lines.code).toBe(1);
    expect(failureLines(lines.stderr)).toEqual([
      expect.stringMatching(/chatty daily .* failed: .*slack webhook .*HTTP 404/),
    ]);
    const files = await Promise.all(
      (await readdir(state(), { recursive: true }))
        .filter((f) => f.endsWith('.json'))
        .map((f) => readFile(state(f), 'utf8')),
    );
    for (const where of [lines.stdout, lines.stderr, json.stdout, json.stderr, ...files])
      expect(secretPiecesIn(where, echo.secrets)).toEqual([]);
  }, 60_000);
});

/** `daily` for one app to a chat of each kind, every one at this receiver. */
const dailyToSixChats = (receiver: EchoingReceiver) =>
  cli(['daily', '--archive', join(dir.path, 'archive')], {
    WECHAT_APPID: SHOP.appid,
    WECHAT_APPSECRET: SHOP.secret,
    ...Object.fromEntries(
      WEBHOOK_KINDS.flatMap((kind) => [
        [`WXA_WEBHOOK_${kind.toUpperCase()}`, receiver.urls[kind]],
        ...(receiver.signing[kind] ? [[`WXA_WEBHOOK_${kind.toUpperCase()}_SECRET`, receiver.signing[kind]]] : []),
      ]),
    ),
  });

describe('the single-app commands under the same faults', () => {
  it('daily to chats whose URL redirects: said as such with where it points, needing a person, not retried', async () => {
    const moved = await startEchoingReceiver('redirect');
    try {
      const result = await dailyToSixChats(moved);

      expect(result.code).toBe(1);
      expect(moved.requests()).toBe(WEBHOOK_KINDS.length);
      for (const kind of WEBHOOK_KINDS)
        expect(result.stderr).toMatch(
          new RegExp(
            `${kind} webhook \\(127\\.0\\.0\\.1:\\d+\\): the URL redirects \\(HTTP 301 to https://moved\\.example\\.com[^)]*, secrets masked\\)`,
          ),
        );
      expect(result.stderr).not.toMatch(/connection failed|tried \d+ times/);
      expect(secretPiecesIn(result.stderr + result.stdout, moved.secrets)).toEqual([]);
    } finally {
      await moved.close();
    }
  }, 60_000);

  it('daily --archive s3:// without s3:ListBucket: the report goes out, the grant is named once', async () => {
    const bucket = await createBucket(s3);
    proxy.add({ match: (r) => r.service === 's3', answer: 'no-list-bucket' });

    const result = await cli(['daily', '--archive', `s3://${bucket}`, '--outbox', join(dir.path, 'outbox')], {
      WECHAT_APPID: SHOP.appid,
      WECHAT_APPSECRET: SHOP.secret,
    });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Daily report for /);
    expect(result.stderr.split('\n').filter((l) => l.includes('s3:ListBucket'))).toHaveLength(1);
  }, 60_000);

  it('backfill without s3:ListBucket archives every day, calling WeChat for each', async () => {
    const bucket = await createBucket(s3);
    proxy.add({ match: (r) => r.service === 's3', answer: 'no-list-bucket' });
    const from = addDays(DATE(), -3);

    const result = await cli(['backfill', '--from', from, '--to', DATE(), '--archive', `s3://${bucket}`], {
      WECHAT_APPID: SHOP.appid,
      WECHAT_APPSECRET: SHOP.secret,
    });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Archived 4 missing day\(s\) of 4/);
    expect(sim.callCount('getDailyVisitTrend')).toBe(4);
    for (let i = 0; i < 4; i++)
      await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: archiveKeys.dailyVisitTrend(SHOP.appid, addDays(from, i)) }),
      );
  }, 60_000);

  it('daily to six chats quoting the request: stderr names each, with no secret', async () => {
    const result = await dailyToSixChats(echo);

    expect(result.code).toBe(1);
    for (const kind of WEBHOOK_KINDS)
      expect(result.stderr).toMatch(new RegExp(`${kind} webhook \\(127\\.0\\.0\\.1:\\d+\\): HTTP 404`));
    expect(secretPiecesIn(result.stderr + result.stdout, echo.secrets)).toEqual([]);
  }, 60_000);
});
