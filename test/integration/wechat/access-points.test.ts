import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import type { Logger } from '../../../lambda/shared/logger.js';
import { demoComponent } from '../../../lambda/simulator/simulated-component.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { ApiBaseError, DEFAULT_ACCESS_POINTS, parseAccessPoints } from '../../../lambda/wechat/access-points.js';
import { AccessTokenCache } from '../../../lambda/wechat/access-token.js';
import { ComponentApi } from '../../../lambda/wechat/component/component-api.js';
import { STATUS_TEXT, WechatApiError, WechatTransportError } from '../../../lambda/wechat/errors.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP, clientFor, FAST_RETRY, fixedClock, startSimulator } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * WeChat's access points as real peers: a closed port (connection refused), other simulators behind
 * which a gateway answers nginx's HTML page or nothing answers in time, and a healthy one.
 * The failover state is per process and per list, so each test uses its own list.
 */
let healthy: WechatSimulator;
let closedUrls: string[];
beforeAll(async () => {
  healthy = await startSimulator();
  // Ports that refuse connections: simulators started and closed again.
  closedUrls = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const sim = await startSimulator();
      const url = sim.url;
      await sim.close();
      return url;
    }),
  );
}, 30_000);
afterAll(async () => {
  await healthy?.close();
});
beforeEach(() => healthy.reset());

let used = 0;
/** A closed port not used by another test: the process-wide failover state is per list. */
const closedPort = () => closedUrls[used++] as string;

/** nginx's own error page. */
function nginxPage(status: number): string {
  const title = `${status} ${STATUS_TEXT[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/**
 * An access point's front: forwards to WeChat (the simulator) until told to fail, then answers what
 * a failing gateway does (nginx's HTML error page, or a bare status).
 */
async function startGateway(wechat: string, options: { missing?: readonly string[] } = {}) {
  // `everywhere`: token paths too, not only the datacube's.
  let failure: { status: number; html: boolean; everywhere?: boolean } | undefined;
  let failed = 0;
  const failsAt = (url = '') => failure !== undefined && (failure.everywhere === true || url.startsWith('/datacube/'));
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // A proxy without a route for this path: nginx's own 404 page.
    const missing = options.missing?.some((path) => req.url?.startsWith(path));
    if (missing || failsAt(req.url)) {
      const status = missing ? 404 : (failure?.status ?? 502);
      failed += 1;
      const html = missing || failure?.html === true;
      res.writeHead(status, { 'content-type': html ? 'text/html' : 'text/plain' }).end(html ? nginxPage(status) : '');
      return;
    }
    const answer = await fetch(`${wechat}${req.url}`, {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
    });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failWith: (f: { status: number; html: boolean; everywhere?: boolean }) => {
      failure = f;
    },
    get failed() {
      return failed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function recorder(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const quiet = () => {};
  return { logger: { debug: quiet, info: quiet, error: quiet, warn: (m) => warnings.push(m) }, warnings };
}

describe('a list of access points', () => {
  it('falls over from a point that refuses connections, for the token and the datacube, and stays there', async () => {
    // Prepare
    const primary = closedPort();
    const { logger, warnings } = recorder();
    const client = clientFor(healthy, { apiBase: `${primary},${healthy.url}`, logger });

    // Act
    const first = await client.getDailyVisitTrend('2026-11-22');
    const second = await clientFor(healthy, { apiBase: `${primary},${healthy.url}`, logger }).getDailyVisitTrend(
      '2026-11-21',
    );

    // Assess: both answered by the alternate; one warning naming both; the primary never tried again.
    expect([first.status, second.status]).toEqual(['ok', 'ok']);
    expect(first.status === 'ok' && first.accessPoint).toBe(healthy.url);
    expect(healthy.callCount('stable_token')).toBe(2);
    expect(healthy.callCount('getDailyVisitTrend')).toBe(2);
    expect(warnings).toEqual([
      `WeChat access point ${primary} failed (connection failed: ECONNREFUSED); using ${healthy.url} for the rest of this run`,
    ]);
  });

  it.each([
    ["HTTP 502 with nginx's page", { status: 502, html: true }, /HTTP 502 with an HTML page/],
    ['an HTML page with HTTP 200', { status: 200, html: true }, /HTTP 200 with an HTML page/],
    ['HTTP 503', { status: 503, html: false }, /failed \(HTTP 503\)/],
    ["nginx's 404 page (a proxy without the route)", { status: 404, html: true }, /HTTP 404 with an HTML page/],
    ["nginx's 403 page (a firewall in front)", { status: 403, html: true }, /HTTP 403 with an HTML page/],
  ])('falls over on %s from the gateway in front of a point, with the token it has', async (_name, failure, reason) => {
    // Prepare: the first point is a gateway in front of the same WeChat; it works, then fails.
    const gateway = await startGateway(healthy.url);
    try {
      const { logger, warnings } = recorder();
      const client = clientFor(healthy, { apiBase: [gateway.url, healthy.url], logger });
      const before = await client.getDailyVisitTrend('2026-11-21');
      gateway.failWith(failure);

      // Act
      const outcome = await client.getDailyVisitTrend('2026-11-22');

      // Assess: the same token serves the other point; nothing fetched twice.
      expect(before.status === 'ok' && before.accessPoint).toBe(gateway.url);
      expect(outcome.status === 'ok' && outcome.accessPoint).toBe(healthy.url);
      expect(gateway.failed).toBe(1);
      expect(healthy.callCount('stable_token')).toBe(1);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(reason);
      expect(warnings[0]).toContain(`WeChat access point ${gateway.url} failed`);
    } finally {
      await gateway.close();
    }
  });

  it("a proxy without stable_token (nginx's 404 page) gets /cgi-bin/token at the same point, not the next point", async () => {
    // Prepare: the user's proxy first (it may be the one the IP whitelist knows), WeChat's point next.
    const proxy = await startGateway(healthy.url, { missing: ['/cgi-bin/stable_token'] });
    try {
      const { logger, warnings } = recorder();

      // Act
      const outcome = await clientFor(healthy, { apiBase: [proxy.url, healthy.url], logger }).getDailyVisitTrend(
        '2026-11-22',
      );

      // Assess: the token and the data through the proxy; no access point warning.
      expect(outcome.status === 'ok' && outcome.accessPoint).toBe(proxy.url);
      expect(proxy.failed).toBe(1);
      expect(healthy.callCount('token')).toBe(1);
      expect(warnings).toEqual([
        expect.stringMatching(/no \/cgi-bin\/stable_token \(HTTP 404\); using \/cgi-bin\/token/),
      ]);
    } finally {
      await proxy.close();
    }
  });

  it.each([
    ["nginx's 404 page", 404],
    ["a firewall's 403 page", 403],
  ])(
    'a point whose gateway answers %s for every path falls over for the token as for the datacube: stable_token at the next point, never /cgi-bin/token',
    async (_what, status) => {
      // Prepare: the first point's gateway answers an HTML page for everything, tokens included.
      const gateway = await startGateway(healthy.url, { missing: status === 404 ? ['/'] : [] });
      if (status !== 404) gateway.failWith({ status, html: true, everywhere: true });
      try {
        const { logger, warnings } = recorder();

        // Act
        const outcome = await clientFor(healthy, { apiBase: [gateway.url, healthy.url], logger }).getDailyVisitTrend(
          '2026-11-22',
        );

        // Assess: the token from the next point's stable_token (no /cgi-bin/token retiring other systems' tokens).
        expect(outcome.status === 'ok' && outcome.accessPoint).toBe(healthy.url);
        expect(healthy.callCount('stable_token')).toBe(1);
        expect(healthy.callCount('token')).toBe(0);
        expect(warnings).toEqual([
          expect.stringContaining(`WeChat access point ${gateway.url} failed (HTTP ${status} with an HTML page`),
        ]);
      } finally {
        await gateway.close();
      }
    },
  );

  it('says once what to check when every point answers an HTML 404: no retry, it would not change', async () => {
    const [a, b] = await Promise.all([
      startGateway(healthy.url, { missing: ['/datacube/'] }),
      startGateway(healthy.url, { missing: ['/datacube/'] }),
    ]);
    try {
      const error = await clientFor(healthy, { apiBase: [a.url, b.url] })
        .getDailyVisitTrend('2026-11-22')
        .catch((e: unknown) => e);

      expect((error as WechatTransportError).retryable).toBe(false);
      expect((error as Error).message).toBe(
        `getDailyVisitTrend: no WeChat access point answered (${a.url}: HTTP 404 with an HTML page (a gateway or proxy answered, not WeChat); ${b.url}: HTTP 404 with an HTML page (a gateway or proxy answered, not WeChat)): a gateway or proxy answered each with an HTML page. Check the API base (--api-base, WECHAT_API_BASE, or apiBase in the config), and any proxy or firewall on the way (a proxy without this path answers 404, a firewall that refuses this machine 403)`,
      );
      expect(a.failed + b.failed).toBe(2);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('falls over when a point does not answer in time', async () => {
    const other = await startSimulator();
    try {
      other.addFault({ endpoint: 'stable_token', action: { kind: 'hang' } });
      const { logger, warnings } = recorder();

      const outcome = await clientFor(healthy, {
        apiBase: [other.url, healthy.url],
        logger,
        retry: { ...FAST_RETRY, requestTimeoutMs: 200 },
      }).getDailyVisitTrend('2026-11-22');

      expect(outcome.status === 'ok' && outcome.accessPoint).toBe(healthy.url);
      expect(warnings[0]).toMatch(/no complete answer within 200 ms/);
    } finally {
      await other.close();
    }
  });

  it('never falls over on a WeChat errcode: that is an answer', async () => {
    const other = await startSimulator();
    try {
      other.addFault({ endpoint: 'getDailyVisitTrend', action: { kind: 'errcode', errcode: 48001 } });

      const error = await clientFor(healthy, { apiBase: [other.url, healthy.url] })
        .getDailyVisitTrend('2026-11-22')
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(WechatApiError);
      expect((error as WechatApiError).errcode).toBe(48001);
      expect(healthy.callCount('stable_token') + healthy.callCount('getDailyVisitTrend')).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('says what each point did when none answers, after the retries', async () => {
    const [a, b] = [closedPort(), closedPort()];

    const error = await clientFor(healthy, { apiBase: [a, b] })
      .getDailyVisitTrend('2026-11-22')
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WechatTransportError);
    expect((error as WechatTransportError).retryable).toBe(true);
    expect((error as Error).message).toBe(
      `stable_token: no WeChat access point answered on every try (${a}: connection failed: ECONNREFUSED; ${b}: connection failed: ECONNREFUSED): WeChat, or the network or a proxy on the way, is failing. Run the same command again later (on AWS the retry schedule does); if it lasts, check the API base (--api-base, WECHAT_API_BASE, or apiBase in the config) and this machine's network`,
    );
  });

  it("reaches a third-party platform's endpoints the same way", async () => {
    const platform = demoComponent(2);
    const sim = await WechatSimulator.start({ clock: fixedClock, component: platform });
    try {
      const warnings: string[] = [];
      const api = new ComponentApi(
        {
          componentAppid: platform.appid,
          componentSecret: async () => platform.secret,
          verifyTicket: async () => platform.verifyTicket,
        },
        {
          apiBase: `${closedPort()},${sim.url}`,
          cache: new AccessTokenCache(fixedClock),
          retry: FAST_RETRY,
          warn: (m) => warnings.push(m),
        },
      );

      const page = await api.authorizerPage(0);

      expect(page.total).toBe(2);
      expect(warnings).toHaveLength(1);
      expect(sim.callCount('api_component_token')).toBe(1);
    } finally {
      await sim.close();
    }
  });
});

describe('the list, as users write it', () => {
  it('defaults to api.weixin.qq.com, then api2.weixin.qq.com', () => {
    expect(parseAccessPoints(undefined, '--api-base')).toEqual([
      'https://api.weixin.qq.com',
      'https://api2.weixin.qq.com',
    ]);
    expect(DEFAULT_ACCESS_POINTS).toEqual(parseAccessPoints(undefined, 'x'));
  });

  it('takes one URL or an ordered list, trimmed, without trailing slashes or repeats', () => {
    expect(parseAccessPoints('https://sh.api.weixin.qq.com/', 'x')).toEqual(['https://sh.api.weixin.qq.com']);
    expect(
      parseAccessPoints(
        ' https://hk.api.weixin.qq.com , https://api.weixin.qq.com,https://hk.api.weixin.qq.com/,',
        'x',
      ),
    ).toEqual(['https://hk.api.weixin.qq.com', 'https://api.weixin.qq.com']);
    expect(parseAccessPoints('https://proxy.example.com/wechat/', 'x')).toEqual(['https://proxy.example.com/wechat']);
  });

  it.each([
    ['', /WECHAT_API_BASE is empty: give one or more WeChat access points separated by commas/],
    ['api.weixin.qq.com', /WECHAT_API_BASE: "api.weixin.qq.com" is not a URL/],
    [
      'https://api.weixin.qq.com,ftp://mirror',
      /WECHAT_API_BASE \(entry 2 of 2\): "ftp:\/\/mirror" is not an http\(s\) URL/,
    ],
    ['https://user:s3cr3t-pass@proxy.example.com', /carries a user name or password, which are never sent/],
    ['https://proxy.example.com/?key=s3cr3t-pass', /has a query or fragment/],
  ])('refuses %j in one line that names the setting and never echoes a secret', (value, message) => {
    let error: unknown;
    try {
      parseAccessPoints(value, 'WECHAT_API_BASE');
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(ApiBaseError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('s3cr3t-pass');
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('wxa-report with a list of access points', () => {
  const env = (apiBase: string) => ({
    WECHAT_APPID: APP.appid,
    WECHAT_APPSECRET: APP.secret,
    WECHAT_API_BASE: apiBase,
  });

  it('fetches through the alternate with one warning line, and the archive says which point answered', async () => {
    // Prepare
    const primary = closedPort();
    const dir = await tempDir();
    try {
      // Act
      const fetched = await runCliInProcess(['fetch', 'daily', '--date', '2026-11-22'], {
        env: env(`${primary},${healthy.url}`),
      });
      const backfilled = await runCliInProcess(
        [
          'backfill',
          '--from',
          '2026-11-20',
          '--to',
          '2026-11-21',
          '--archive',
          dir.path,
          '--api-base',
          `${closedPort()},${healthy.url}`,
        ],
        { env: env('') },
      );

      // Assess
      expect(fetched.code).toBe(0);
      expect(fetched.stderr).toBe(
        `wxa-report: warning: WeChat access point ${primary} failed (connection failed: ECONNREFUSED); using ${healthy.url} for the rest of this run\n`,
      );
      expect(JSON.parse(fetched.stdout).list[0].ref_date).toBe('20261122');
      expect(backfilled.code).toBe(0);
      const key = archiveKeys.dailyVisitTrend(APP.appid, '2026-11-21');
      const provenance = JSON.parse(
        await readFile(join(dir.path, `provenance/${key.replace(/^raw\//, '')}.provenance.json`), 'utf8'),
      );
      expect(provenance.accessPoint).toBe(healthy.url);
    } finally {
      await dir.remove();
    }
  });

  it('refuses a wrong list in one line, naming where it came from', async () => {
    const flag = await runCliInProcess(
      ['fetch', 'daily', '--api-base', 'https://api.weixin.qq.com,api2.weixin.qq.com'],
      {
        env: env(''),
      },
    );
    const variable = await runCliInProcess(['fetch', 'daily'], { env: env('https://u:s3cr3t-pass@proxy.example.com') });

    expect(flag).toMatchObject({
      code: 1,
      stderr:
        'wxa-report: --api-base (entry 2 of 2): "api2.weixin.qq.com" is not a URL; give one or more WeChat access points separated by commas, e.g. https://api.weixin.qq.com,https://api2.weixin.qq.com\n',
    });
    expect(variable.code).toBe(1);
    expect(variable.stderr).toMatch(
      /^wxa-report: WECHAT_API_BASE: "https:\/\/proxy.example.com" carries a user name or password/,
    );
    expect(variable.stderr).not.toContain('s3cr3t-pass');
  });

  it.each([';', '|'])('refuses two points joined by %j, saying to use commas', async (separator) => {
    const { code, stderr } = await runCliInProcess(
      ['fetch', 'daily', '--api-base', `http://127.0.0.1:1${separator}https://api2.weixin.qq.com`],
      { env: env('') },
    );

    expect(code).toBe(1);
    expect(stderr).toBe(
      `wxa-report: --api-base holds two URLs joined by "${separator.trim() || 'a space'}": separate access points with commas, e.g. https://api.weixin.qq.com,https://api2.weixin.qq.com\n`,
    );
  });
});
