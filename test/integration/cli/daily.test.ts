import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { S3Archive } from '../../../lambda/archive/s3/s3-archive.js';
import { DAILY_METRICS } from '../../../lambda/domain/daily-visit-trend.js';
import { simulatedDailyVisitTrend, simulatedDailyVisitTrendAnswer } from '../../../lambda/simulator/simulated-data.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { createBucket, s3ClientFor } from '../../support/s3.js';
import { APP, NOW, startSimulator } from '../../support/simulator.js';
import { type SmtpReceiver, startSmtpReceiver } from '../../support/smtp-receiver.js';
import { tempDir } from '../../support/temp-dir.js';
import { startWebhookReceivers } from '../../support/webhook-receivers.js';

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
const daily = (args: string[] = []) =>
  runCliInProcess(['daily', '--archive', join(dir.path, 'archive'), '--outbox', join(dir.path, 'outbox'), ...args], {
    env: env(),
    cwd: dir.path,
  });

describe('wxa-report daily', () => {
  it('defaults to yesterday in Beijing and prints a summary with the archive and email paths', async () => {
    const { code, stdout, stderr } = await daily(['--app-name', '喵喵商城']);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Daily report for 喵喵商城 on 2026-11-22');
    expect(stdout).toContain(join(dir.path, 'archive', archiveKeys.dailyVisitTrend(APP.appid, '2026-11-22')));
    expect(stdout).toContain(join(dir.path, 'outbox', `daily-${APP.appid}-2026-11-22.eml`));
  });

  it('prints --json figures, changes to 4 decimals and values to 2 as the README shows', async () => {
    const { code, stdout } = await daily(['--date', '2026-11-22', '--json']);

    // As WeChat answered: 2026-11-15's answer has no stay_time_uv, so its comparison is null.
    const d = simulatedDailyVisitTrendAnswer(APP.appid, '2026-11-22');
    const d1 = simulatedDailyVisitTrendAnswer(APP.appid, '2026-11-21');
    const d7 = simulatedDailyVisitTrendAnswer(APP.appid, '2026-11-15');
    const change = (now: number | undefined, then: number | undefined) =>
      now === undefined || then === undefined ? null : Math.round(((now - then) / then) * 10_000) / 10_000;
    const json = JSON.parse(stdout);
    expect(code).toBe(0);
    expect(json.appid).toBe(APP.appid);
    expect(json.date).toBe('2026-11-22');
    expect(d7.stay_time_uv).toBeUndefined();
    // Values (durations in seconds) to 2 decimals.
    const value = (v: number | undefined) => (v === undefined ? null : Math.round(v * 100) / 100);
    for (const metric of DAILY_METRICS) {
      expect(json.metrics[metric]).toEqual({
        value: value(d[metric]),
        previousDay: value(d1[metric]),
        dayOverDay: change(d[metric], d1[metric]),
        previousWeek: value(d7[metric]),
        weekOverWeek: change(d[metric], d7[metric]),
      });
    }
  });

  it('writes an .eml whose subject and both parts carry the figures', async () => {
    await daily([
      '--date',
      '2026-11-21',
      '--app-name',
      'Daily Brew',
      '--lang',
      'en',
      '--to',
      'a@example.com,b@example.com',
    ]);

    const eml = await readFile(join(dir.path, 'outbox', `daily-${APP.appid}-2026-11-21.en.eml`));
    const mail = await simpleParser(eml);
    const visitors = simulatedDailyVisitTrend(APP.appid, '2026-11-21').visit_uv.toLocaleString('en-US');
    expect(mail.subject).toMatch(
      new RegExp(`^Daily Brew · Nov 21, 2026: ${visitors} visitors \\([▲▼] [+-]\\d+\\.\\d% day over day\\)$`),
    );
    expect(mail.text).toContain(`Visitors: ${visitors}`);
    expect(mail.html).toContain(visitors);
    expect(mail.messageId).toMatch(/^<daily-wx5f1d0c3a9e7b2d41-2026-11-21\.en\.[0-9a-f-]+@localhost>$/);
    expect((mail.to as { text: string }).text).toBe('a@example.com, b@example.com');
    expect(await readdir(join(dir.path, 'outbox'))).toEqual([
      `daily-${APP.appid}-2026-11-21.en.eml`,
      `daily-${APP.appid}-2026-11-21.en.html`,
    ]);
  });

  it('reads the history from the archive when it is there: one datacube call', async () => {
    await runCliInProcess(
      ['backfill', '--from', '2026-09-27', '--to', '2026-11-21', '--archive', join(dir.path, 'archive')],
      {
        env: env(),
      },
    );
    sim.reset();

    const { code } = await daily(['--date', '2026-11-22']);

    expect(code).toBe(0);
    expect(sim.callCount('getDailyVisitTrend')).toBe(1);
    const html = await readFile(join(dir.path, 'outbox', `daily-${APP.appid}-2026-11-22.html`), 'utf8');
    expect((html.match(/bgcolor="#(4c8bf5|1f4fbf)"/g) ?? []).length).toBe(14);
  });

  it('still sends when a comparison day fails, and says so on stderr', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', period: '2026-11-21', action: { kind: 'errcode', errcode: 45009 } });

    const { code, stderr, stdout } = await daily(['--date', '2026-11-22', '--json']);

    expect(code).toBe(0);
    expect(JSON.parse(stdout).metrics.visit_uv.dayOverDay).toBeNull();
    // 45009 closes the API for the day: what was not asked yet is left for the next report too.
    expect(JSON.parse(stdout).gaps).toMatchObject({ noData: [], missingBecause: 'quota' });
    expect(JSON.parse(stdout).gaps.missing).toContain('2026-11-21');
    expect(stderr).toMatch(
      new RegExp(
        `^wxa-report: warning: \\d+ earlier days could not be fetched this time \\(WeChat's daily quota is used up\\); the next report fetches them \\(appid ${APP.appid}\\)\n$`,
      ),
    );
  });

  it('sends each report once per channel: a second run says it was already sent, --force sends it again', async () => {
    const first = await daily(['--date', '2026-11-22']);
    const second = await daily(['--date', '2026-11-22']);
    const json = await daily(['--date', '2026-11-22', '--json']);
    const forced = await daily(['--date', '2026-11-22', '--force']);
    const after = await daily(['--date', '2026-11-22']);

    expect([first, second, json, forced, after].map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    expect(first.stdout).toMatch(/^ {2}Sent \(email\) {2}.*daily-wx5f1d0c3a9e7b2d41-2026-11-22\.eml$/m);
    expect(second.stdout).toMatch(
      /^ {2}Not sent \(email\) {2}already sent \(2026-11-23T02:00:00\.000Z\); --force sends it again$/m,
    );
    expect(second.stdout).not.toContain('Sent (email)');
    expect(JSON.parse(json.stdout).date).toBe('2026-11-22');
    expect(json.stderr).toBe(
      'wxa-report: email not sent: already sent (2026-11-23T02:00:00.000Z); --force sends it again\n',
    );
    expect(forced.stdout).toMatch(/^ {2}Sent \(email\) /m);
    expect(after.stdout).toContain('Not sent (email)  already sent');
    // The ledger beside the archive, as `run` keeps it.
    expect(await readdir(join(dir.path, 'state', 'deliveries', 'daily', '2026-11-22', APP.appid))).toEqual([
      'email.json',
    ]);
  });

  it('exits 75 and archives nothing when the day is not yet available', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'not-ready' } });

    const { code, stderr } = await daily(['--date', '2026-11-22']);

    expect(code).toBe(75);
    expect(stderr).toMatch(/^wxa-report: WeChat has not published 2026-11-22 yet .* nothing was archived or sent/);
    await expect(readdir(join(dir.path, 'archive'))).rejects.toThrow(/ENOENT/);
  });

  it('says what happened and what to do, in one line, when WeChat answers HTTP 502 on every try', async () => {
    sim.addFault({
      endpoint: 'getDailyVisitTrend',
      action: { kind: 'http', status: 502, body: '<html>502 Bad Gateway</html>' },
    });

    const { code, stderr } = await daily(['--date', '2026-11-22']);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `wxa-report: getDailyVisitTrend: ${new URL(sim.url).host} answered HTTP 502 (Bad Gateway) on every try: WeChat, or a proxy on the way, is failing. Run the same command again later (on AWS the retry schedule does); if it lasts, check the API base (--api-base, WECHAT_API_BASE, or apiBase in the config), or use another of WeChat's access points (api2.weixin.qq.com; in mainland China also sh.api.weixin.qq.com or sz.api.weixin.qq.com, from Hong Kong or abroad hk.api.weixin.qq.com)\n`,
    );
    expect(sim.callCount('getDailyVisitTrend')).toBe(5);
  });

  it('needs --to when sending by SMTP', async () => {
    const { code, stderr } = await runCliInProcess(['daily', '--smtp-url', 'smtp://127.0.0.1:1'], { env: env() });

    expect(code).toBe(1);
    expect(stderr).toMatch(/--to is required when sending by SMTP/);
  });

  it.each([
    [['--lang', 'fr'], /--lang must be zh-CN or en/],
    [['--to', 'not-an-address'], /--to: "not-an-address" is not an email address/],
    [['--date', '2026-11-31'], /--date "2026-11-31" is not a real calendar date/],
    [['--smtp-url', 'smtp://127.0.0.1:1'], /either SMTP settings or --outbox/],
    [['--archive', 's3://Bad_Bucket'], /is not an S3 location/],
    [['--colours', 'rainbow'], /--colours must be one of "blue-orange", "red-up", "green-up", not "rainbow"/],
  ])('refuses bad options %j with one clear line', async (args, message) => {
    const { code, stderr } = await daily(args);

    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  describe('with real peers: SMTP and S3', () => {
    let smtp: SmtpReceiver;
    let moto: MotoServer;
    beforeAll(async () => {
      [smtp, moto] = await Promise.all([startSmtpReceiver(), startMoto()]);
    });
    afterAll(async () => {
      await Promise.all([smtp.close(), moto.stop()]);
    });

    it('sends by SMTP with --smtp-url, --to and --from', async () => {
      const { code } = await runCliInProcess(
        [
          'daily',
          '--date',
          '2026-11-22',
          '--archive',
          join(dir.path, 'a'),
          '--smtp-url',
          smtp.url,
          '--to',
          'ops@example.com',
          '--from',
          'Reports <r@example.com>',
        ],
        { env: env() },
      );

      const mail = await smtp.nextMessage();
      expect(code).toBe(0);
      expect(mail.envelope).toEqual({ from: 'r@example.com', to: ['ops@example.com'] });
      expect(mail.parsed.subject).toMatch(/^(⚠)?【wx5f1d0c3a9e7b2d41】11月22日 /);
    });

    it('archives to s3:// as a separate process, with the endpoint from the AWS environment', async () => {
      const s3 = s3ClientFor(moto.endpoint);
      const bucket = await createBucket(s3);

      await promisify(execFile)(
        process.execPath,
        [
          resolve('dist/wxa-report.mjs'),
          'daily',
          '--date',
          '2026-11-22',
          '--archive',
          `s3://${bucket}/wxa`,
          '--outbox',
          join(dir.path, 'o'),
          '--api-base',
          sim.url,
        ],
        {
          env: {
            ...process.env,
            WECHAT_APPID: APP.appid,
            WECHAT_APPSECRET: APP.secret,
            AWS_ENDPOINT_URL: moto.endpoint,
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            AWS_REGION: 'us-east-1',
          },
          // The ledger of an S3 archive goes to ./wxa-data/state: here, not in the checkout.
          cwd: dir.path,
        },
      );

      const stored = await new S3Archive(s3, bucket, 'wxa').get(archiveKeys.dailyVisitTrend(APP.appid, '2026-11-22'));
      expect(stored?.toString()).toBe(
        JSON.stringify({ list: [simulatedDailyVisitTrendAnswer(APP.appid, '2026-11-22')] }),
      );
      s3.destroy();
    });
  });
});

describe('wxa-report backfill', () => {
  it('archives only the days that are missing', async () => {
    const archive = join(dir.path, 'archive');
    await runCliInProcess(['backfill', '--from', '2026-11-20', '--to', '2026-11-21', '--archive', archive], {
      env: env(),
    });
    sim.reset();

    const { stdout } = await runCliInProcess(
      ['backfill', '--from', '2026-11-18', '--to', '2026-11-21', '--archive', archive],
      {
        env: env(),
      },
    );

    expect(stdout).toBe('Archived 2 missing day(s) of 4 from 2026-11-18 to 2026-11-21\n');
    expect(sim.callCount('getDailyVisitTrend')).toBe(2);
  });

  it('through a pipe, every part says how far it got, a small one at least at its end', async () => {
    // Act: 372 days of daily only: a part of 366 days, then one of 6
    const { code, stderr } = await runCliInProcess(
      ['backfill', '--from', '2025-11-16', '--apis', 'daily', '--archive', join(dir.path, 'archive')],
      { env: env() },
    );

    // Assess
    expect(code).toBe(0);
    const lines = stderr.split('\n').filter((l) => l.startsWith('backfill: 1/2') || l.startsWith('backfill: 2/2'));
    expect(lines.filter((l) => l.startsWith('backfill: 1/2'))).toHaveLength(10);
    expect(lines.filter((l) => l.startsWith('backfill: 2/2'))).toEqual([
      'backfill: 2/2 2025-11-16…2025-11-21 6/6 (100%): 6 fetched, 0 already archived, 0 not yet available, 0 failed',
    ]);
  });

  it("splits more than 366 days into parts, the newest first: the README's year of everything, a week more", async () => {
    // 2025-11-16 … 2026-11-22 (yesterday): 372 days, every API.
    const archive = join(dir.path, 'archive');

    const { code, stdout, stderr } = await runCliInProcess(
      ['backfill', '--from', '2025-11-16', '--apis', 'all', '--archive', archive],
      { env: env() },
    );

    expect(stderr).toContain('backfill: 372 days, in 2 parts of at most 366 days, the newest first\n');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Archived (\d+) answer\(s\) of \1 from 2025-11-16 to 2026-11-22 \(0 already archived, 0 not yet available, 0 failed\)\n$/,
    );
    expect(sim.callCount('getDailyVisitTrend')).toBe(372);
    // The natural week and month across the parts' boundary (2025-11-22) are whole, and only once.
    const weeks = sim.requests('getWeeklyVisitTrend').map((r) => (r.body as { begin_date: string }).begin_date);
    expect(weeks.filter((w) => w === '20251117')).toHaveLength(1);
    expect(sim.requests('getMonthlyVisitTrend').map((r) => (r.body as { begin_date: string }).begin_date)).toContain(
      '20251201',
    );
  }, 60_000);
});

describe('wxa-report demo (npm start)', () => {
  it('runs both reports offline into ./wxa-data, and a second run is as clean as the first', async () => {
    const first = await runCliInProcess(['demo'], { cwd: dir.path });
    const second = await runCliInProcess(['demo'], { cwd: dir.path });

    for (const run of [first, second]) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Daily report for 喵喵商城 on 2026-11-22');
      expect(run.stdout).toContain('Monthly report for 喵喵商城, 2026-10');
      expect(run.stdout).toContain(`wxa-data/outbox/daily-${APP.appid}-2026-11-22.html`);
      expect(run.stdout).toContain(`wxa-data/outbox/monthly-${APP.appid}-2026-10.html`);
    }
    // The daily: 13 trend days (Nov 9-21) + 7 Sundays; the monthly: the 27 other days of October + 5 months.
    expect(first.stdout).toContain('First run: fetched 52 earlier day(s) and month(s) the reports show, once');
    expect(second.stdout).toContain('History read from the archive');
    // Both reports shown every time (the demo keeps no delivery ledger).
    expect(second.stdout.match(/^ {2}Sent \(email\) /gm)).toHaveLength(2);
    expect(await readdir(join(dir.path, 'wxa-data', 'outbox'))).toHaveLength(4);
  });

  it('keeps the Chinese files when run in English, and the other way round', async () => {
    await runCliInProcess(['demo'], { cwd: dir.path });
    const english = await runCliInProcess(['demo', '--lang', 'en'], { cwd: dir.path });
    await runCliInProcess(['demo'], { cwd: dir.path });

    expect(english.stdout).toContain(`wxa-data/outbox/daily-${APP.appid}-2026-11-22.en.html`);
    expect((await readdir(join(dir.path, 'wxa-data', 'outbox'))).sort()).toEqual([
      `daily-${APP.appid}-2026-11-22.eml`,
      `daily-${APP.appid}-2026-11-22.en.eml`,
      `daily-${APP.appid}-2026-11-22.en.html`,
      `daily-${APP.appid}-2026-11-22.html`,
      `monthly-${APP.appid}-2026-10.eml`,
      `monthly-${APP.appid}-2026-10.en.eml`,
      `monthly-${APP.appid}-2026-10.en.html`,
      `monthly-${APP.appid}-2026-10.html`,
    ]);
    const zh = await readFile(join(dir.path, 'wxa-data', 'outbox', `daily-${APP.appid}-2026-11-22.html`), 'utf8');
    const en = await readFile(join(dir.path, 'wxa-data', 'outbox', `daily-${APP.appid}-2026-11-22.en.html`), 'utf8');
    expect(zh).toContain('访问人数');
    expect(en).toContain('Visitors');
  });
});

describe('wxa-report daily with webhooks', () => {
  let hooks: Awaited<ReturnType<typeof startWebhookReceivers>>;
  beforeAll(async () => {
    // The CLI signs with its (fixed) clock; the receivers judge freshness by the same clock.
    hooks = await startWebhookReceivers(() => NOW.getTime());
  });
  afterAll(() => hooks.close());

  it('posts to every --webhook, signed with its --webhook-secret, and skips email when only webhooks are asked', async () => {
    const { code, stdout, stderr } = await runCliInProcess(
      [
        'daily',
        '--archive',
        join(dir.path, 'archive'),
        '--webhook',
        `wecom=${hooks.urls.wecom}`,
        '--webhook',
        `dingtalk=${hooks.urls.dingtalk}`,
        '--webhook-secret',
        `dingtalk=${hooks.secrets.dingtalk}`,
      ],
      {
        env: { ...env(), WXA_WEBHOOK_JSON: hooks.urls.json, WXA_WEBHOOK_JSON_SECRET: hooks.secrets.json },
        cwd: dir.path,
      },
    );

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(hooks.accepted('wecom')).toHaveLength(1);
    expect(hooks.accepted('dingtalk')).toHaveLength(1);
    expect(hooks.body<{ type: string }>('json').type).toBe('report.daily');
    expect(stdout).toMatch(/Sent \(wecom webhook \(127\.0\.0\.1:\d+\)\)/);
    expect(stdout).not.toContain('Sent (email)');
    await expect(readdir(join(dir.path, 'wxa-data'))).rejects.toThrow(/ENOENT/);
  });

  it('draws the email and every chat in the --colours convention', async () => {
    hooks.reset();
    const { code } = await runCliInProcess(
      [
        'daily',
        '--archive',
        join(dir.path, 'archive'),
        '--outbox',
        join(dir.path, 'outbox'),
        '--colours',
        'red-up',
        '--webhook',
        `wecom=${hooks.urls.wecom}`,
      ],
      { env: env() },
    );

    expect(code).toBe(0);
    const html = await readFile(join(dir.path, 'outbox', `daily-${APP.appid}-2026-11-22.html`), 'utf8');
    expect(html).toMatch(/class="wxa-(up|down)" style="color:#(cf222e|1a7f37);/);
    expect(html).toContain('.wxa-up { color: #ff7b72 !important; }');
    // WeCom's warm colour for up, green for down, in red-up.
    const content = hooks.body<{ markdown: { content: string } }>('wecom').markdown.content;
    expect(content).toMatch(/<font color="(warning|info)">[▲▼]/);
    expect(content).not.toMatch(/<font color="comment">[▲▼]/);
  });

  it('fails (exit 1) naming the channel, keeps the data archived, and never prints the URL key or secret', async () => {
    const { code, stderr } = await runCliInProcess(
      [
        'daily',
        '--archive',
        join(dir.path, 'archive'),
        '--outbox',
        join(dir.path, 'outbox'),
        '--webhook',
        `feishu=${hooks.urls.feishu}`,
        '--webhook-secret',
        'feishu=wrong-secret-value',
      ],
      { env: env() },
    );

    expect(code).toBe(1);
    expect(stderr).toMatch(/the data is archived .*dt=2026-11-22.*but sending failed on feishu webhook .*19021/);
    expect(stderr).not.toContain('wrong-secret-value');
    expect(stderr).not.toContain('0f1e2d3c-feishu');
    expect(await readdir(join(dir.path, 'outbox'))).toHaveLength(2);
  });

  it.each([
    [
      ['--webhook', 'teams=https://x'],
      /--webhook takes KIND=VALUE with KIND one of "wecom", "feishu", "lark", "dingtalk", "slack", "json"/,
    ],
    [['--webhook', 'slack=http://example.com/x'], /slack webhook: --webhook slack=… must start with https:\/\//],
    [['--webhook-secret', 'feishu=abc'], /--webhook-secret feishu is given without --webhook feishu=URL/],
  ])('refuses %j', async (args, message) => {
    const { code, stderr } = await daily(args);

    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });
});
