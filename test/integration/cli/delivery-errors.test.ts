import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP, startSimulator } from '../../support/simulator.js';
import { closedPort, randomLoopbackHost, type SmtpReceiver, startSmtpReceiver } from '../../support/smtp-receiver.js';
import { tempDir } from '../../support/temp-dir.js';
import { startWebhookReceivers } from '../../support/webhook-receivers.js';

// `wxa-report daily` as users run it, against real SMTP servers and webhook receivers that fail the
// way they do in the field: each failure is one human line on stderr that says what to do.

let sim: WechatSimulator;
let dir: Awaited<ReturnType<typeof tempDir>>;
let receiver: SmtpReceiver | undefined;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.reset();
  dir = await tempDir();
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await dir.remove();
});

const env = (extra: Record<string, string> = {}) => ({
  WECHAT_APPID: APP.appid,
  WECHAT_APPSECRET: APP.secret,
  WECHAT_API_BASE: sim.url,
  ...extra,
});
const daily = (args: string[], extra: Record<string, string> = {}) =>
  runCliInProcess(['daily', '--date', '2026-11-22', '--archive', join(dir.path, 'archive'), ...args], {
    env: env(extra),
    cwd: dir.path,
  });
/** What follows "sending failed on <channel>: " in the one line, after checking it is one line. */
const failureOf = (stderr: string, channel: string) => {
  expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(stderr).toMatch(/^wxa-report: the data is archived \(.*dt=2026-11-22.*\), but sending failed on /);
  return stderr.replace(new RegExp(`^.*but sending failed on ${channel}: `), '').trimEnd();
};

describe('SMTP as users set it up', () => {
  it('sends over TLS with SMTP_URL=smtp://user:code@host:465, as the built binary run by a user', async () => {
    // Prepare: an implicit-TLS server on port 465 (its own loopback address), its certificate trusted
    // the way a user trusts a private CA.
    receiver = await startSmtpReceiver({
      implicitTls: true,
      host: randomLoopbackHost(),
      port: 465,
      credentials: { user: 'reports@qq.example', password: 'abcdefghijklmnop' },
    });
    const ca = join(dir.path, 'ca.pem');
    await writeFile(ca, receiver.certificate ?? '');

    // Act
    const started = Date.now();
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [resolve('dist/wxa-report.mjs'), 'daily', '--date', '2026-11-22', '--to', 'ops@example.com'],
      {
        cwd: dir.path,
        env: {
          PATH: process.env.PATH,
          NODE_EXTRA_CA_CERTS: ca,
          ...env({ SMTP_URL: `smtp://reports%40qq.example:abcdefghijklmnop@${receiver.host}:465` }),
        },
      },
    );

    // Assess: delivered over TLS, at once (a plain-text client would wait 30 s for a greeting).
    const mail = await receiver.nextMessage();
    expect(mail.secure).toBe(true);
    expect(mail.envelope).toEqual({ from: 'reports@qq.example', to: ['ops@example.com'] });
    expect(stdout).toContain(`Sent (email)  ${receiver.host}:465 accepted for ops@example.com`);
    expect(stderr).toBe('');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  type Server = { readonly host: string; readonly port: number };
  it.each([
    {
      what: 'smtp://user:code@host:994 (163 mail)',
      port: 994,
      flags: () => [],
      extra: (r: Server) => ({ SMTP_URL: `smtp://reports%40163.example:abcdefghijklmnop@${r.host}:${r.port}` }),
    },
    {
      what: '--smtp-host/--smtp-port on an unusual port with --smtp-tls implicit',
      port: undefined,
      flags: (r: Server) => [
        ...['--smtp-host', r.host, '--smtp-port', String(r.port)],
        ...['--smtp-user', 'reports@163.example', '--smtp-tls', 'implicit'],
      ],
      extra: () => ({ SMTP_PASSWORD: 'abcdefghijklmnop' }),
    },
  ])(
    'sends over TLS from the first byte with $what, as the built binary run by a user',
    async ({ port, flags, extra }) => {
      receiver = await startSmtpReceiver({
        implicitTls: true,
        host: randomLoopbackHost(),
        ...(port ? { port } : {}),
        credentials: { user: 'reports@163.example', password: 'abcdefghijklmnop' },
      });
      const ca = join(dir.path, 'ca.pem');
      await writeFile(ca, receiver.certificate ?? '');

      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [
          resolve('dist/wxa-report.mjs'),
          'daily',
          '--date',
          '2026-11-22',
          '--to',
          'ops@example.com',
          ...flags(receiver),
        ],
        {
          cwd: dir.path,
          env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: ca, ...env(extra(receiver)) },
        },
      );

      expect((await receiver.nextMessage()).secure).toBe(true);
      expect(stdout).toContain(`Sent (email)  ${receiver.host}:${receiver.port} accepted for ops@example.com`);
      expect(stderr).toBe('');
    },
  );

  it.each([
    [
      ['--to', 'ops@example.com'],
      { SMTP_URL: 'smtp://reports%40qq.example@smtp.qq.example:465' },
      'SMTP_URL names a user but no password: give it in SMTP_PASSWORD, or in the URL, percent-encoded',
    ],
    [
      ['--smtp-host', '127.0.0.1', '--smtp-user', 'reports@qq.example', '--to', 'ops@example.com'],
      {},
      '--smtp-user is given but SMTP_PASSWORD is not set: export the password',
    ],
    [
      ['--smtp-host', '127.0.0.1', '--smtp-tls', 'ssl', '--to', 'ops@example.com'],
      {},
      '--smtp-tls must be "implicit" (TLS from the first byte) or "starttls", not "ssl"',
    ],
  ])(
    'refuses %j before fetching anything: nothing was refused by a server, something is missing',
    async (flags, extra, line) => {
      const { code, stderr } = await daily(flags, extra);

      expect(code).toBe(1);
      expect(stderr.startsWith(`wxa-report: ${line}`)).toBe(true);
      expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(sim.callCount('getDailyVisitTrend')).toBe(0);
    },
  );

  it('says what to do when the SMTP server refuses connections', async () => {
    const port = await closedPort();

    const { code, stderr } = await daily(['--to', 'ops@example.com'], { SMTP_URL: `smtp://u:pw@127.0.0.1:${port}` });

    expect(code).toBe(1);
    expect(failureOf(stderr, 'email')).toBe(
      `SMTP server 127.0.0.1:${port} refused the connection: nothing accepts connections on port ${port} there. Check the host and port in SMTP_URL: mail providers take 465 (TLS from the first byte) or 587 (STARTTLS)`,
    );
  });

  it('says what to do when STARTTLS is required but not offered', async () => {
    receiver = await startSmtpReceiver();

    const { code, stderr } = await daily([
      '--smtp-host',
      '127.0.0.1',
      '--smtp-port',
      String(receiver.port),
      '--smtp-require-tls',
      '--to',
      'ops@example.com',
    ]);

    expect(code).toBe(1);
    expect(failureOf(stderr, 'email')).toBe(
      `SMTP server 127.0.0.1:${receiver.port} does not offer STARTTLS (500 Error: command not recognized), and sending in clear is not allowed (--smtp-require-tls): use the provider's TLS port (--smtp-port 465), or a server that offers STARTTLS`,
    );
    expect(receiver.messages).toHaveLength(0);
  });

  it('refuses to send without logging in when the server offers no AUTH', async () => {
    receiver = await startSmtpReceiver({ offerAuth: false });

    const { code, stderr } = await daily([
      '--smtp-url',
      `smtp://reports%40example.com:secret-pw@127.0.0.1:${receiver.port}`,
      '--to',
      'ops@example.com',
    ]);

    expect(code).toBe(1);
    expect(failureOf(stderr, 'email')).toMatch(
      /^SMTP server 127\.0\.0\.1:\d+ offers no login \(AUTH\), but a user and password were given: nothing was sent\. Check the host and port in --smtp-url/,
    );
    expect(stderr).not.toContain('secret-pw');
    expect(receiver.messages).toHaveLength(0);
  });

  it('refuses a pasted SES password before fetching anything, naming the setting and the other ways', async () => {
    const { code, stderr } = await daily(['--to', 'ops@example.com'], {
      SMTP_URL: 'smtps://AKIAEXAMPLE:BPx+Zq/9kLm3@email-smtp.ap-east-1.amazonaws.com:465',
    });

    expect(code).toBe(1);
    expect(stderr).toBe(
      'wxa-report: SMTP_URL is not a URL that can be read: its user and password must be percent-encoded (% as %25, / as %2F, ? as %3F, # as %23, @ as %40, : as %3A, + as %2B, space as %20), or leave the password out of the URL and give it in SMTP_PASSWORD, or give --smtp-host, --smtp-port and --smtp-user with SMTP_PASSWORD\n',
    );
    expect(sim.callCount('getDailyVisitTrend')).toBe(0);
  });

  it('logs in with --smtp-host, --smtp-user and SMTP_PASSWORD, whatever the password holds', async () => {
    receiver = await startSmtpReceiver({ credentials: { user: 'AKIAEXAMPLE', password: 'BPx+Zq/9kLm3%@:#?' } });

    const { code } = await daily(
      [
        '--smtp-host',
        '127.0.0.1',
        '--smtp-port',
        String(receiver.port),
        '--smtp-user',
        'AKIAEXAMPLE',
        '--to',
        'ops@example.com',
        '--from',
        'r@example.com',
      ],
      { SMTP_PASSWORD: 'BPx+Zq/9kLm3%@:#?' },
    );

    expect(code).toBe(0);
    expect(await receiver.nextMessage()).toBeDefined();
  });
});

describe('webhooks as users set them up', () => {
  it('says what to do when a webhook receiver refuses connections, never printing its key', async () => {
    // Prepare: the receivers of a robot that went away.
    const gone = await startWebhookReceivers();
    const url = gone.urls.wecom;
    await gone.close();

    // Act
    const { code, stderr } = await daily([], { WXA_WEBHOOK_WECOM: url });

    // Assess
    const host = new URL(url).host;
    expect(code).toBe(1);
    expect(failureOf(stderr, `wecom webhook \\(${host}\\)`)).toBe(
      `connection refused: nothing accepts connections at ${host}. Check the host and port in WXA_WEBHOOK_WECOM, and any proxy or firewall on the way (tried 4 times)`,
    );
    expect(stderr).not.toContain(gone.wecomKey);
  }, 20_000);
});

describe('webhook answers that refuse, each with what to do', () => {
  let hooks: Awaited<ReturnType<typeof startWebhookReceivers>>;
  beforeEach(async () => {
    hooks = await startWebhookReceivers();
  });
  afterEach(() => hooks.close());
  const hostOf = (url: string) => new URL(url).host;

  it('says a 5xx that lasts through the retries is the platform or a proxy failing: run again later', async () => {
    // Prepare: a Slack webhook behind a proxy that answers 502 every time.
    hooks.failNext('slack', 10, { status: 502, body: '<html>Bad Gateway</html>' });

    // Act
    const { code, stderr } = await daily(['--webhook', `slack=${hooks.urls.slack}`]);

    // Assess
    expect(code).toBe(1);
    expect(failureOf(stderr, `slack webhook \\(${hostOf(hooks.urls.slack)}\\)`)).toBe(
      'HTTP 502 (tried 4 times). The platform or a proxy on the way is failing: run again later',
    );
  }, 30_000);

  it('says an HTML page where a Feishu answer was due means the URL is not the robot’s, naming the setting', async () => {
    // Prepare: a login page in front of the robot, answering 200.
    hooks.failNext('feishu', 1, { status: 200, body: '<!DOCTYPE html><html><body>Sign in</body></html>' });

    // Act
    const { code, stderr } = await daily([], {
      WXA_WEBHOOK_FEISHU: hooks.urls.feishu,
      WXA_WEBHOOK_FEISHU_SECRET: hooks.secrets.feishu,
    });

    // Assess
    expect(code).toBe(1);
    expect(failureOf(stderr, `feishu webhook \\(${hostOf(hooks.urls.feishu)}\\)`)).toBe(
      "the answer is not a feishu bot answer. Check the URL in WXA_WEBHOOK_FEISHU: is it the robot's webhook URL?",
    );
    expect(stderr).not.toContain(hooks.secrets.feishu);
  });

  it('says a 404 means the URL is not the robot’s, never quoting the access token the page echoes', async () => {
    // Prepare: a DingTalk URL whose path is wrong; the error page quotes the request.
    const token = new URL(hooks.urls.dingtalk).searchParams.get('access_token') ?? '';
    hooks.failNext('dingtalk', 1, { status: 404, body: `{"error":"no route for /robot/send?access_token=${token}"}` });

    // Act
    const { code, stderr } = await daily(['--webhook', `dingtalk=${hooks.urls.dingtalk}`], {
      WXA_WEBHOOK_DINGTALK_SECRET: hooks.secrets.dingtalk,
    });

    // Assess
    expect(code).toBe(1);
    const line = failureOf(stderr, `dingtalk webhook \\(${hostOf(hooks.urls.dingtalk)}\\)`);
    expect(line).toMatch(/^HTTP 404: .*\. Check the URL in --webhook dingtalk=…: is it the robot's webhook URL\?$/);
    expect(token).not.toBe('');
    expect(stderr).not.toContain(token);
  });

  it('says a 403 is the robot refusing this sender: key, signing secret, IP allow-list', async () => {
    // Prepare
    hooks.failNext('wecom', 1, { status: 403, body: 'Forbidden' });

    // Act
    const { code, stderr } = await daily([], { WXA_WEBHOOK_WECOM: hooks.urls.wecom });

    // Assess
    expect(code).toBe(1);
    expect(failureOf(stderr, `wecom webhook \\(${hostOf(hooks.urls.wecom)}\\)`)).toBe(
      "HTTP 403: Forbidden. The robot refuses this sender: check the robot's key in WXA_WEBHOOK_WECOM, its signing secret, and its IP allow-list",
    );
    expect(stderr).not.toContain(hooks.wecomKey);
  });
});
