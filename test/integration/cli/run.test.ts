import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { beijingToday, beijingYesterday } from '../../../lambda/calendar/beijing-calendar.js';
import { DEMO_APPS } from '../../../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { closedPort, type SmtpReceiver, startSmtpReceiver } from '../../support/smtp-receiver.js';
import { tempDir } from '../../support/temp-dir.js';

const [SHOP, COFFEE] = DEMO_APPS as [(typeof DEMO_APPS)[0], (typeof DEMO_APPS)[0]];
const CLI = resolve('dist/wxa-report.mjs');
let sim: WechatSimulator;
let smtp: SmtpReceiver;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  // The real clock here: the spawned CLI runs on it too.
  [sim, smtp] = await Promise.all([WechatSimulator.start(), startSmtpReceiver()]);
});
afterAll(() => Promise.all([sim?.close(), smtp?.close()]));
beforeEach(async () => {
  sim.reset();
  smtp.messages.length = 0;
  dir = await tempDir();
  await writeFile(
    join(dir.path, 'wxa.config.json'),
    JSON.stringify({
      apps: [
        { name: 'shop', appid: SHOP.appid, displayName: '喵喵商城', recipients: ['ops@example.com'] },
        { name: 'coffee.cn', appid: COFFEE.appid, recipients: ['growth@example.com'], language: 'en' },
      ],
      email: { transport: 'smtp', from: 'wxa-reporter <r@example.com>' },
      digest: { recipients: ['boss@example.com'] },
    }),
  );
});
afterEach(() => dir.remove());

/** 10:00 of today in Beijing: before the cut-off whenever the suite runs, so "not yet" stays "not yet". */
const morning = () => new Date(`${beijingToday(new Date())}T02:00:00Z`);
const DATE = () => beijingYesterday(morning());
const env = (extra: Record<string, string> = {}) => ({
  WXA_APP_SHOP_SECRET: SHOP.secret,
  WXA_APP_COFFEE_CN_SECRET: COFFEE.secret,
  WECHAT_API_BASE: sim.url,
  ...extra,
});
const run = (args: string[], extra: Record<string, string> = {}) =>
  runCliInProcess(['run', ...args, '--config', 'wxa.config.json'], {
    env: env(extra),
    cwd: dir.path,
    clock: morning,
  });

describe('wxa-report run', () => {
  it('runs every app once, writes the archive, ledger and outbox beside each other, and exits 0', async () => {
    // Act
    const first = await run(['daily']);
    const second = await run(['daily', '--json']);

    // Assess
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^sent +shop daily ${DATE()} +email$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^sent +coffee\\.cn daily ${DATE()} +email$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^sent +digest ${DATE()} +email$`, 'm'));
    // Each app's first report fetched its history once: the report day and 20 days; the second run nothing.
    expect(sim.callCount('getDailyVisitTrend')).toBe(2 * 21);
    expect((await readdir(join(dir.path, 'wxa-data'))).sort()).toEqual(['archive', 'outbox', 'state']);
    expect((await readdir(join(dir.path, 'wxa-data', 'outbox'))).filter((f) => f.endsWith('.eml')).sort()).toEqual([
      `daily-${COFFEE.appid}-${DATE()}.en.eml`,
      `daily-${SHOP.appid}-${DATE()}.eml`,
      `digest-${DATE()}.eml`,
    ]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({
      job: 'daily',
      outcomes: [
        { app: 'shop', job: 'daily', period: DATE(), status: 'skipped', detail: 'already sent' },
        { app: 'coffee.cn', job: 'daily', period: DATE(), status: 'skipped', detail: 'already sent' },
        { app: 'digest', job: 'digest', period: DATE(), status: 'skipped', detail: 'already sent' },
      ],
    });
  });

  it("draws each app in its own colours, the others and the digest in the config's", async () => {
    // Prepare
    const config = JSON.parse(await readFile(join(dir.path, 'wxa.config.json'), 'utf8'));
    config.colours = 'green-up';
    config.apps[0].colours = 'red-up';
    await writeFile(join(dir.path, 'wxa.config.json'), JSON.stringify(config));

    // Act
    const { code } = await run(['daily']);

    // Assess: the dark-mode rule of "up" names the convention's colour.
    const html = (name: string) => readFile(join(dir.path, 'wxa-data', 'outbox', `${name}.html`), 'utf8');
    expect(code).toBe(0);
    expect(await html(`daily-${SHOP.appid}-${DATE()}`)).toContain('.wxa-up { color: #ff7b72 !important; }');
    expect(await html(`daily-${COFFEE.appid}-${DATE()}.en`)).toContain('.wxa-up { color: #3fb950 !important; }');
    expect(await html(`digest-${DATE()}`)).toContain('.wxa-up { color: #3fb950 !important; }');
  });

  it('exits 75 when a period is not published yet and nothing failed, then sends it on retry', async () => {
    sim.addFault({ endpoint: 'getDailyVisitTrend', period: DATE(), times: 2, action: { kind: 'not-ready' } });

    const first = await run(['daily']);
    const retry = await run(['retry', '--json']);

    expect(first.code).toBe(75);
    expect(first.stdout).toMatch(/^not-yet-available +shop daily .*61503/m);
    expect(retry.code).toBe(0);
    expect(
      JSON.parse(retry.stdout)
        .outcomes.map((o: { app: string; status: string }) => `${o.app} ${o.status}`)
        .sort(),
    ).toEqual(['coffee.cn sent', 'digest sent', 'shop sent']);
  });

  it('exits 1 naming each failure on stderr, after doing every other app', async () => {
    const { code, stdout, stderr } = await run(['daily', '--json'], { WXA_APP_SHOP_SECRET: '' });

    expect(code).toBe(1);
    expect(stderr).toBe(
      `wxa-report: shop daily ${DATE()} failed: shop: WXA_APP_SHOP_SECRET is not set: export the app's AppSecret there\n`,
    );
    expect(JSON.parse(stdout).outcomes.find((o: { app: string }) => o.app === 'coffee.cn').status).toBe('sent');
    expect(stdout).not.toContain(COFFEE.secret);
  });

  it('the digest names an invalid entry and a missing secret by display name, with the fault and a fix that fits run', async () => {
    // Prepare: an entry with a display name and a bad AppID; shop's AppSecret never exported
    const config = JSON.parse(await readFile(join(dir.path, 'wxa.config.json'), 'utf8'));
    config.apps.push({ name: 'jingan', appid: 'wx-not-an-appid', displayName: '喵喵商城 · 静安店' });
    await writeFile(join(dir.path, 'wxa.config.json'), JSON.stringify(config));

    // Act
    const { code } = await run(['daily'], { WXA_APP_SHOP_SECRET: '' });

    // Assess
    const html = await readFile(join(dir.path, 'wxa-data', 'outbox', `digest-${DATE()}.html`), 'utf8');
    expect(code).toBe(1);
    expect(html).toContain(
      '<b>喵喵商城 · 静安店</b>：配置文件中的设置有误（appid 不是有效的 AppID）。在 run 的配置文件中修正该字段，下次运行即生效。',
    );
    expect(html).toContain(
      '<b>喵喵商城</b>：没有找到所需的密钥。设置环境变量 WXA_APP_SHOP_SECRET（该小程序的 AppSecret）后重跑。',
    );
    expect(html).not.toMatch(/apps show|重置 AppSecret/);
  });

  it('sends each report once when two run processes race (SMTP)', async () => {
    // Act: two real processes, one ledger.
    const spawn = () =>
      promisify(execFile)(process.execPath, [CLI, 'run', 'daily', '--config', 'wxa.config.json', '--json'], {
        cwd: dir.path,
        env: { PATH: process.env.PATH, ...env({ SMTP_URL: smtp.url }) },
      }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    const [a, b] = await Promise.all([spawn(), spawn()]);
    // Whatever either left pending (a channel the other held), a retry settles.
    await run(['retry'], { SMTP_URL: smtp.url });

    // Assess
    for (const result of [a, b]) expect([0, 75]).toContain((result as { code?: number }).code ?? 0);
    const recipients = smtp.messages.map((m) => m.envelope.to[0]).sort();
    expect(recipients).toEqual(['boss@example.com', 'growth@example.com', 'ops@example.com']);
  }, 60_000);

  it('archives the other APIs on schedule: the days daily, the week on Monday, the month monthly', async () => {
    // Act: the daily job for Sunday 2026-11-22 (run on the Monday), then the monthly job.
    const daily = await run(['daily', '--date', '2026-11-22']);
    const monthly = await run(['monthly', '--month', '2026-10']);

    // Assess
    expect([daily.code, monthly.code]).toEqual([0, 0]);
    const raw = join(dir.path, 'wxa-data', 'archive', 'raw');
    const folders = async (app: string) =>
      (
        await Promise.all(
          (
            await readdir(raw)
          ).map(async (folder) =>
            (
              await readdir(join(raw, folder, `appid=${app}`), { recursive: true })
            )
              .filter((f) => f.endsWith('response.json'))
              .map((f) => `${folder}/${f}`),
          ),
        )
      )
        .flat()
        .sort();
    expect(await folders(SHOP.appid)).toEqual(
      expect.arrayContaining([
        'daily-summary/dt=2026-11-22/response.json',
        'daily-retain/dt=2026-11-22/response.json',
        'visit-distribution/dt=2026-11-22/response.json',
        'visit-page/dt=2026-11-22/response.json',
        'user-portrait/days=1/dt=2026-11-22/response.json',
        'user-portrait/days=7/dt=2026-11-22/response.json',
        'weekly-visit-trend/week=2026-11-16/response.json',
        'weekly-retain/week=2026-11-16/response.json',
        'monthly-visit-trend/month=2026-10/response.json',
        'user-portrait/days=30/dt=2026-10-31/response.json',
      ]),
    );
  });

  it('archives only the APIs the config names (and what the report itself reads)', async () => {
    const config = JSON.parse(await readFile(join(dir.path, 'wxa.config.json'), 'utf8'));
    await writeFile(
      join(dir.path, 'wxa.config.json'),
      JSON.stringify({ ...config, archive: { apis: ['visit-page'] } }),
    );

    await run(['daily', '--date', '2026-11-21']);

    // The report reads the day's summary and pages, so those are archived whatever the config says.
    expect((await readdir(join(dir.path, 'wxa-data', 'archive', 'raw'))).sort()).toEqual([
      'daily-summary',
      'daily-visit-trend',
      'visit-page',
    ]);
  });

  it('reports on apps reached through the third-party platform, with no AppSecret', async () => {
    // Prepare: two apps that authorized the simulator's demo platform, one without the data permission.
    const platform = sim.component;
    const [, coffee, fruit] = platform.authorizers as unknown as [
      { appid: string },
      { appid: string },
      { appid: string },
    ];
    await writeFile(
      join(dir.path, 'agency.json'),
      JSON.stringify({
        apps: [
          { name: 'coffee', appid: coffee.appid, tokenMode: 'component', recipients: ['growth@example.com'] },
          { name: 'fruit', appid: fruit.appid, tokenMode: 'component', recipients: ['fruit@example.com'] },
        ],
        email: { transport: 'smtp', from: 'r@example.com' },
        archive: { apis: [] },
      }),
    );

    // Act
    const { code, stdout, stderr } = await runCliInProcess(['run', 'daily', '--config', 'agency.json', '--json'], {
      env: {
        WECHAT_API_BASE: sim.url,
        WECHAT_COMPONENT_APPID: platform.appid,
        WECHAT_COMPONENT_APPSECRET: platform.secret,
        WECHAT_COMPONENT_VERIFY_TICKET: platform.verifyTicket,
      },
      cwd: dir.path,
      clock: () => new Date(),
    });

    // Assess
    expect(code).toBe(1);
    const outcomes = JSON.parse(stdout).outcomes as { app: string; status: string; detail: string }[];
    expect(outcomes.find((o) => o.app === 'coffee')?.status).toBe('sent');
    expect(outcomes.find((o) => o.app === 'fruit')).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/61007.*set \(18 or 21\)/),
    });
    expect(stderr).toMatch(/^wxa-report: fruit daily .* failed: .*61007/m);
    for (const secret of [platform.secret, platform.verifyTicket]) expect(stdout + stderr).not.toContain(secret);
  });

  it('refuses a broken config naming what is wrong, and an unknown job', async () => {
    await writeFile(join(dir.path, 'bad.json'), '{"apps": [}');
    await writeFile(
      join(dir.path, 'wrong.json'),
      JSON.stringify({ apps: [{ name: 'x', appid: SHOP.appid, recipients: [] }], schedule: { cutoffHour: 25 } }),
    );

    const notJson = await runCliInProcess(['run', 'daily', '--config', 'bad.json'], { cwd: dir.path });
    const wrong = await runCliInProcess(['run', 'daily', '--config', 'wrong.json'], { cwd: dir.path });
    const job = await runCliInProcess(['run', 'weekly', '--config', 'bad.json'], { cwd: dir.path });
    const date = await runCliInProcess(['run', 'monthly', '--date', '2026-11-01', '--config', 'bad.json'], {
      cwd: dir.path,
    });

    expect(notJson).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^wxa-report: --config .*bad\.json is not valid JSON/),
    });
    expect(wrong).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/wrong\.json is invalid: schedule\.cutoffHour/),
    });
    expect(job).toMatchObject({
      code: 1,
      stderr: 'wxa-report: the job must be daily, monthly or retry, not "weekly"\n',
    });
    expect(date).toMatchObject({ code: 1, stderr: 'wxa-report: --date goes with the daily job\n' });
  });

  it('names the missing config file and the allowed values of a wrong enum, in one line each', async () => {
    await writeFile(
      join(dir.path, 'typo.json'),
      JSON.stringify({
        apps: [{ name: 'shop', appid: SHOP.appid, recipients: ['ops@example.com'] }],
        email: { transport: 'smpt', from: 'r@example.com' },
      }),
    );

    const missing = await runCliInProcess(['run', 'daily', '--config', 'nope.json'], { cwd: dir.path });
    const typo = await runCliInProcess(['run', 'daily', '--config', 'typo.json'], { cwd: dir.path });

    expect(missing).toMatchObject({
      code: 1,
      stderr: `wxa-report: cannot read --config ${join(dir.path, 'nope.json')}: there is no such file: give the path of your config (see "Run every app without AWS" in the README for one to start from)\n`,
    });
    expect(typo).toMatchObject({
      code: 1,
      stderr: `wxa-report: ${join(dir.path, 'typo.json')} is invalid: email.transport must be one of "smtp", "ses"\n`,
    });
  });

  it('says what to do when an app lists a webhook whose URL is not set: set the variable, or remove the kind', async () => {
    // Prepare: the shop's chat is listed, its URL variable never exported.
    const path = join(dir.path, 'hooks.json');
    await writeFile(
      path,
      JSON.stringify({
        apps: [{ name: 'shop', appid: SHOP.appid, webhooks: ['wecom'] }],
        email: { transport: 'smtp', from: 'r@example.com' },
      }),
    );

    // Act
    const { code, stderr } = await runCliInProcess(['run', 'daily', '--config', 'hooks.json', '--outbox', 'outbox'], {
      env: env(),
      cwd: dir.path,
      clock: morning,
    });

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain(
      `webhook "wecom" is configured but WXA_APP_SHOP_WEBHOOK_WECOM is not set: set WXA_APP_SHOP_WEBHOOK_WECOM to the robot's webhook URL, or remove "wecom" from the app's webhooks in ${path}\n`,
    );
  });

  it('says every problem of a config in one line, joined with "; ", with no bullets', async () => {
    // Prepare: two mistakes at once, as the verifier made them.
    await writeFile(
      join(dir.path, 'multi.json'),
      JSON.stringify({
        apps: [{ name: 'shop', appid: SHOP.appid, recipients: ['ops@example.com'] }],
        colours: 'blue',
        email: { transport: 'smtp', from: 'r@example.com', form: 'x@example.com' },
      }),
    );

    // Act
    const { code, stderr } = await runCliInProcess(['run', 'daily', '--config', 'multi.json'], { cwd: dir.path });

    // Assess
    expect(code).toBe(1);
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(stderr).toMatch(
      new RegExp(
        `^wxa-report: ${join(dir.path, 'multi.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is invalid: colours must be one of .*; email\\.form is not a field`,
      ),
    );
    expect(stderr).not.toMatch(/(^|: |; )- /);
  });

  it('stops before anything runs when SMTP_URL cannot be read, naming it and never its password', async () => {
    const { code, stdout, stderr } = await run(['daily'], {
      SMTP_URL: 'smtps://AKIAEXAMPLE:BPx+Zq/9kLm3@email-smtp.ap-east-1.amazonaws.com:465',
    });

    expect(code).toBe(1);
    expect(stderr).toBe(
      'wxa-report: SMTP_URL is not a URL that can be read: its user and password must be percent-encoded (% as %25, / as %2F, ? as %3F, # as %23, @ as %40, : as %3A, + as %2B, space as %20), or leave the password out of SMTP_URL and give it in SMTP_PASSWORD\n',
    );
    expect(stdout).toBe('');
    expect(sim.callCount('getDailyVisitTrend')).toBe(0);
  });

  it('names the SMTP server as host:port when it refuses connections, even with no password in SMTP_URL', async () => {
    const port = await closedPort();

    const { code, stderr } = await run(['daily'], { SMTP_URL: `smtp://127.0.0.1:${port}` });

    // shop and coffee.cn, one line each, in the order they finished (the digest waits for them)
    const lines = stderr.trim().split('\n').sort().reverse();
    expect(code).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^wxa-report: shop daily ${DATE()} failed: the data is archived \\(.*\\), but sending failed on email: `,
      ),
    );
    expect(lines[0]?.replace(/^.*but sending failed on email: /, '')).toBe(
      `SMTP server 127.0.0.1:${port} refused the connection: nothing accepts connections on port ${port} there. Check the host and port in SMTP_URL: mail providers take 465 (TLS from the first byte) or 587 (STARTTLS)`,
    );
    expect(stderr).not.toContain('***');
  });
});
