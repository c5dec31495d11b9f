import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  addDays,
  beijingToday,
  type Clock,
  fromCompactDate,
  isValidIsoDate,
  lastDayOfMonth,
  systemClock,
  toCompactDate,
} from '../calendar/beijing-calendar.js';
import { DATACUBE_APIS } from '../wechat/datacube-apis.js';
import { type CallLimit, type FaultAction, FaultPlan, type FaultRule, type SimulatorEndpoint } from './faults.js';
import { demoComponent, encryptedPush, type SimulatedComponent } from './simulated-component.js';
import {
  DEMO_APPS,
  type SimulatedApp,
  simulatedDailyVisitTrendAnswer,
  simulatedMonthlyRetain,
} from './simulated-data.js';
import { SIMULATED_DATACUBE } from './simulated-datacube.js';

export interface WechatSimulatorOptions {
  /** @default DEMO_APPS */
  readonly apps?: readonly SimulatedApp[];
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** The simulator's idea of now: drives the date rules and token expiry. @default the system clock */
  readonly clock?: Clock;
  /** Added to every answer. @default 0 */
  readonly latencyMs?: number;
  /** Token lifetime in seconds. @default 7200, as WeChat */
  readonly tokenLifetimeSeconds?: number;
  /** A third-party platform and the Mini Programs that authorized it. @default the demo platform */
  readonly component?: SimulatedComponent;
  /** Hand out a new authorizer_refresh_token with every authorizer token. @default false */
  readonly rotateRefreshTokens?: boolean;
}

export interface ReceivedRequest {
  readonly endpoint: SimulatorEndpoint;
  readonly query: Readonly<Record<string, string>>;
  /** The parsed JSON body, or undefined when there was none or it was not JSON. */
  readonly body: unknown;
}

interface IssuedToken {
  readonly appid: string;
  expiresAt: number;
}

const JSON_TYPE = 'application/json; encoding=utf-8';
// WeChat keeps a token retired by a newer /cgi-bin/token call usable for five more minutes.
const LEGACY_OVERLAP_MS = 5 * 60_000;
// stable_token's forced refresh: 20 a day, and one within 30 s of the last does not refresh
// (getStableAccessToken, 其他说明: "该模式限制每天20次 … 请保证调用时间隔至少为30s，否则不会刷新").
const FORCED_REFRESHES_A_DAY = 20;
const FORCED_REFRESH_SPACING_MS = 30_000;

/** nginx's error page, as a gateway in front of an access point answers when WeChat does not. */
function gatewayPage(status: number): string {
  const title = `${status} ${status === 502 ? 'Bad Gateway' : status === 504 ? 'Gateway Time-out' : status === 503 ? 'Service Temporarily Unavailable' : 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/**
 * A WeChat API server on loopback that follows the documented rules: both token endpoints, the two
 * datacube endpoints, the Asia/Shanghai date rules with WeChat's own error codes, deterministic data,
 * and scriptable faults. Used by the tests, `wxa-report simulate`, `npm start` and the benchmarks.
 */
export class WechatSimulator {
  readonly faults = new FaultPlan();
  latencyMs: number;
  private readonly apps: Map<string, SimulatedApp>;
  private readonly clock: Clock;
  private readonly lifetimeMs: number;
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly stableTokens = new Map<string, string>();
  private readonly legacyTokens = new Map<string, string>();
  private readonly counts = new Map<SimulatorEndpoint, number>();
  private readonly abandoned = new Map<SimulatorEndpoint, number>();
  private readonly received: ReceivedRequest[] = [];
  readonly component: SimulatedComponent;
  private readonly rotateRefreshTokens: boolean;
  private readonly componentTokens = new Map<string, number>();
  private limits: CallLimit[] = [];
  /** Calls answered, per `appid#endpoint#day` and `appid#endpoint#minute`. */
  private readonly used = new Map<string, number>();
  /** Forced stable_token refreshes per app: the Beijing day, how many that day, and the last one (ms). */
  private readonly forced = new Map<string, { day: string; count: number; last: number }>();
  /** The permission sets behind an authorizer token (absent for a Mini Program's own token). */
  private readonly tokenScopes = new Map<string, readonly number[]>();
  private readonly server: Server;
  private address: AddressInfo | undefined;

  private constructor(options: WechatSimulatorOptions) {
    this.apps = new Map((options.apps ?? DEMO_APPS).map((a) => [a.appid, a]));
    this.clock = options.clock ?? systemClock;
    this.latencyMs = options.latencyMs ?? 0;
    this.lifetimeMs = (options.tokenLifetimeSeconds ?? 7200) * 1000;
    this.component = options.component ?? demoComponent();
    this.rotateRefreshTokens = options.rotateRefreshTokens ?? false;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });
  }

  static async start(options: WechatSimulatorOptions = {}): Promise<WechatSimulator> {
    const sim = new WechatSimulator(options);
    await new Promise<void>((resolve, reject) => {
      sim.server.once('error', reject);
      sim.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    sim.address = sim.server.address() as AddressInfo;
    return sim;
  }

  /** Base URL to give clients as their API base, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    if (!this.address) throw new Error('simulator not started');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `http://${host}:${this.address.port}`;
  }

  get knownApps(): readonly SimulatedApp[] {
    return [...this.apps.values()];
  }

  /** How many requests reached an endpoint (faulted ones included). */
  callCount(endpoint: SimulatorEndpoint): number {
    return this.counts.get(endpoint) ?? 0;
  }

  /** How many hung requests (the `hang` fault) of an endpoint the client gave up on, closing the connection. */
  abandonedCount(endpoint: SimulatorEndpoint): number {
    return this.abandoned.get(endpoint) ?? 0;
  }

  /** Requests that reached an endpoint, oldest first: what a client really sent. */
  requests(endpoint: SimulatorEndpoint): readonly ReceivedRequest[] {
    return this.received.filter((r) => r.endpoint === endpoint);
  }

  addFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  /** WeChat's daily quota and per-minute limit for an endpoint (or all datacube endpoints), per app. */
  setLimit(limit: CallLimit): void {
    this.limits.push(limit);
  }

  /**
   * Forgets faults, limits, counts (calls, quota used, forced refreshes) and recorded requests.
   * Issued tokens stay valid, as they would at WeChat.
   */
  reset(): void {
    this.faults.clear();
    this.counts.clear();
    this.abandoned.clear();
    this.received.length = 0;
    this.limits = [];
    this.used.clear();
    this.forced.clear();
  }

  /**
   * The merchant withdrew its authorization and granted it again: WeChat issues a new refresh token
   * (the stored one, and any rotated one, are refused with 61023) and the app's authorizer tokens stop
   * working. Returns the new refresh token, which api_get_authorizer_list now lists.
   */
  reauthorize(appid: string): string {
    const authorizer = this.component.authorizers.find((a) => a.appid === appid);
    if (!authorizer) throw new Error(`${appid} has not authorized the simulated platform`);
    authorizer.refreshToken = `refreshtoken@@@reauthorized-${randomBytes(8).toString('hex')}`;
    for (const [token, issued] of this.tokens)
      if (issued.appid === appid && this.tokenScopes.has(token)) {
        this.tokens.delete(token);
        this.tokenScopes.delete(token);
      }
    return authorizer.refreshToken;
  }

  /** Makes every token of an app unknown to the server, as if another system had force-refreshed it. */
  revokeTokens(appid: string): void {
    for (const [token, issued] of this.tokens) if (issued.appid === appid) this.tokens.delete(token);
    this.stableTokens.delete(appid);
    this.legacyTokens.delete(appid);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const body = await readBody(req);
    if (url.pathname.startsWith('/__simulator/')) {
      this.admin(url.pathname, req.method, body, res);
      return;
    }
    const endpoint = ENDPOINTS[url.pathname];
    if (!endpoint || req.method !== endpoint.method) {
      send(res, 404, JSON_TYPE, JSON.stringify({ errcode: 404, errmsg: 'not found' }));
      return;
    }
    this.counts.set(endpoint.name, this.callCount(endpoint.name) + 1);
    const parsed = parseJson(body);
    this.received.push({ endpoint: endpoint.name, query: Object.fromEntries(url.searchParams), body: parsed });
    if (this.latencyMs > 0) await delay(this.latencyMs);

    const fault = this.faults.take(endpoint.name, periodOf(endpoint.name, parsed));
    if (fault) {
      const handled = await this.applyFault(fault, endpoint.name, res, req.url ?? '/');
      if (handled) return;
    }
    const answer = this.answer(endpoint.name, url, body, parsed);
    send(res, 200, JSON_TYPE, JSON.stringify(answer));
  }

  /** Returns true when the fault produced the whole answer. */
  private async applyFault(
    fault: FaultAction,
    endpoint: SimulatorEndpoint,
    res: ServerResponse,
    requestUri: string,
  ): Promise<boolean> {
    switch (fault.kind) {
      case 'redirect': {
        // As nginx's `return 301 https://host$request_uri`: the path and query (with the token) kept.
        const location = `${fault.to.replace(/\/+$/, '')}${requestUri}`;
        res.writeHead(fault.status ?? 301, { location, 'content-type': 'text/html', 'content-length': '0' });
        res.end();
        return true;
      }
      case 'errcode':
        send(
          res,
          200,
          JSON_TYPE,
          JSON.stringify({
            errcode: fault.errcode,
            errmsg: fault.errmsg ?? `simulated error rid: ${randomBytes(6).toString('hex')}`,
          }),
        );
        return true;
      case 'http':
        // A body given as plain text is sent as such (a bare status from a proxy); the default is an HTML page.
        if (fault.body !== undefined && !/^\s*</.test(fault.body)) send(res, fault.status, 'text/plain', fault.body);
        else send(res, fault.status, 'text/html', fault.body ?? `<html><body>${fault.status}</body></html>`);
        return true;
      case 'gateway':
        send(res, fault.status ?? 502, 'text/html', gatewayPage(fault.status ?? 502));
        return true;
      case 'malformed':
        send(res, 200, JSON_TYPE, '{"list":[{"ref_date":"2026');
        return true;
      case 'body':
        send(res, 200, JSON_TYPE, fault.body);
        return true;
      case 'oversized':
        await streamOversized(res, fault.bytes, fault.declareLength ?? false);
        return true;
      case 'delay':
        await delay(fault.ms);
        return false;
      case 'hang':
        // Never answered; a client that gives up closes the connection, which is counted.
        res.on('close', () => this.abandoned.set(endpoint, this.abandonedCount(endpoint) + 1));
        return true;
      case 'reset':
        res.socket?.destroy();
        return true;
      case 'not-ready':
        send(
          res,
          200,
          JSON_TYPE,
          JSON.stringify({ errcode: 61503, errmsg: `data not ready rid: ${randomBytes(6).toString('hex')}` }),
        );
        return true;
      case 'empty':
        send(
          res,
          200,
          JSON_TYPE,
          endpoint === 'getMonthlyRetain' ? '{"ref_date":"","visit_uv_new":[],"visit_uv":[]}' : '{"list":[]}',
        );
        return true;
    }
  }

  private answer(endpoint: SimulatorEndpoint, url: URL, rawBody: string, json: unknown): object {
    switch (endpoint) {
      case 'stable_token':
        return this.stableToken(json);
      case 'token':
        return this.legacyToken(url.searchParams);
      case 'api_component_token':
        return this.componentToken(json);
      case 'api_authorizer_token':
      case 'api_get_authorizer_list':
      case 'api_get_authorizer_info':
        return this.componentCall(endpoint, url, json);
      default:
        return this.analysis(endpoint, url, rawBody, json);
    }
  }

  /** A datacube call: the token, the body, WeChat's limits, then the answer for the period. */
  private analysis(endpoint: SimulatorEndpoint, url: URL, rawBody: string, json: unknown): object {
    const tokenError = this.checkToken(url.searchParams.get('access_token'));
    if (tokenError) return tokenError;
    const scope = this.tokenScopes.get(url.searchParams.get('access_token') ?? '');
    if (scope && !scope.some((id) => id === 18 || id === 21))
      return { errcode: 61007, errmsg: 'api is unauthorized to component' };
    if (!rawBody) return { errcode: 44002, errmsg: 'empty post data' };
    if (json === undefined || typeof json !== 'object' || json === null) {
      return { errcode: 47001, errmsg: 'data format error' };
    }
    const appid = this.tokens.get(url.searchParams.get('access_token') ?? '')?.appid ?? '';
    const limited = this.overLimit(appid, endpoint);
    if (limited) return limited;
    const beforeLaunch = this.beforeLaunch(appid, endpoint, json);
    if (beforeLaunch) return beforeLaunch;
    if (endpoint === 'getDailyVisitTrend') return this.daily(appid, json);
    if (endpoint === 'getMonthlyRetain') return this.monthly(appid, json);
    return this.datacube(endpoint, appid, json);
  }

  /**
   * A period that ended before the app went live (`since`): WeChat has nothing for it and says so
   * with an empty answer, once the period's own rule is met (a bad period is still 61500/61501).
   */
  private beforeLaunch(appid: string, endpoint: SimulatorEndpoint, json: object): object | undefined {
    const since = this.apps.get(appid)?.since;
    if (!since) return undefined;
    const range = this.dateRange(json);
    if ('errcode' in range) return undefined;
    const { begin, end } = range as { begin: string; end: string };
    if (end >= since || end >= beijingToday(this.clock())) return undefined;
    if (endpoint === 'getDailyVisitTrend') return begin === end ? { list: [] } : undefined;
    if (endpoint === 'getMonthlyRetain')
      return begin.endsWith('-01') && end === lastDayOfMonth(begin.slice(0, 7))
        ? { ref_date: toCompactDate(begin).slice(0, 6), visit_uv_new: [], visit_uv: [] }
        : undefined;
    const simulated = SIMULATED_DATACUBE[endpoint];
    if (!simulated?.accepts(begin, end, beijingToday(this.clock()))) return undefined;
    // The list-shaped answers (a day's summary, pages, retention, sources; a week's or month's trend).
    return endpoint === 'getUserPortrait' ? undefined : { ref_date: toCompactDate(begin), list: [] };
  }

  /** The other analysis APIs: WeChat's period rule for each (61501 when broken), then the data. */
  private datacube(endpoint: SimulatorEndpoint, appid: string, json: object): object {
    const range = this.dateRange(json);
    if ('errcode' in range) return range;
    const { begin, end } = range as { begin: string; end: string };
    const today = beijingToday(this.clock());
    const simulated = SIMULATED_DATACUBE[endpoint];
    if (!simulated) return { errcode: 404, errmsg: 'not found' };
    if (end >= today || !simulated.accepts(begin, end, today)) return { errcode: 61501, errmsg: 'date range error' };
    return simulated.answer(appid, begin, end, addDays(today, -1));
  }

  /** 45009 past the day's quota, 45011 past the minute's limit; otherwise the call is counted. */
  private overLimit(appid: string, endpoint: SimulatorEndpoint): object | undefined {
    const limits = this.limits.filter((l) => l.endpoint === undefined || l.endpoint === endpoint);
    if (limits.length === 0) return undefined;
    const now = this.clock();
    const dayKey = `${appid}#${endpoint}#${beijingToday(now)}`;
    const minuteKey = `${appid}#${endpoint}#m${Math.floor(now.getTime() / 60_000)}`;
    const rid = randomBytes(6).toString('hex');
    for (const limit of limits) {
      if (limit.daily !== undefined && (this.used.get(dayKey) ?? 0) >= limit.daily)
        return { errcode: 45009, errmsg: `reach max api daily quota limit rid: ${rid}` };
      if (limit.perMinute !== undefined && (this.used.get(minuteKey) ?? 0) >= limit.perMinute)
        return { errcode: 45011, errmsg: `api minute-quota reach limit  mustslower  retry next minute rid: ${rid}` };
    }
    this.used.set(dayKey, (this.used.get(dayKey) ?? 0) + 1);
    this.used.set(minuteKey, (this.used.get(minuteKey) ?? 0) + 1);
    return undefined;
  }

  private componentToken(json: unknown): object {
    const body = (json ?? {}) as Record<string, unknown>;
    const c = this.component;
    if (body.component_appid !== c.appid) return { errcode: 61003, errmsg: 'component is not authorized' };
    if (body.component_appsecret !== c.secret) return { errcode: 40125, errmsg: 'invalid appsecret' };
    if (body.component_verify_ticket !== c.verifyTicket)
      return { errcode: 61006, errmsg: 'component ticket is invalid' };
    const token = randomBytes(60).toString('base64url');
    this.componentTokens.set(token, this.clock().getTime() + this.lifetimeMs);
    return { component_access_token: token, expires_in: this.lifetimeMs / 1000 };
  }

  private componentCall(endpoint: SimulatorEndpoint, url: URL, json: unknown): object {
    const token = url.searchParams.get('component_access_token');
    const expiresAt = token ? this.componentTokens.get(token) : undefined;
    if (!token) return { errcode: 41001, errmsg: 'access_token missing' };
    if (expiresAt === undefined)
      return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
    if (expiresAt <= this.clock().getTime()) return { errcode: 42001, errmsg: 'access_token expired' };
    const body = (json ?? {}) as Record<string, unknown>;
    if (body.component_appid !== this.component.appid) return { errcode: 61003, errmsg: 'component is not authorized' };
    if (endpoint === 'api_get_authorizer_list') {
      const offset = Number(body.offset ?? 0);
      const count = Number(body.count ?? 0);
      if (!Number.isInteger(offset) || !Number.isInteger(count) || count < 1 || count > 500)
        return { errcode: 40097, errmsg: 'invalid args' };
      return {
        total_count: this.component.authorizers.length,
        list: this.component.authorizers
          .slice(offset, offset + count)
          .map((a) => ({ authorizer_appid: a.appid, refresh_token: a.refreshToken, auth_time: a.authTime })),
      };
    }
    const authorizer = this.component.authorizers.find((a) => a.appid === body.authorizer_appid);
    if (!authorizer) return { errcode: 61003, errmsg: 'component is not authorized by this account' };
    if (endpoint === 'api_get_authorizer_info') {
      return {
        authorizer_info: { nick_name: authorizer.name, MiniProgramInfo: { network: {}, categories: [] } },
        authorization_info: {
          authorizer_appid: authorizer.appid,
          func_info: authorizer.permissionSets.map((id) => ({ funcscope_category: { id } })),
        },
      };
    }
    if (body.authorizer_refresh_token !== authorizer.refreshToken)
      return { errcode: 61023, errmsg: 'refresh_token is invalid' };
    if (this.rotateRefreshTokens) authorizer.refreshToken = `refreshtoken@@@${randomBytes(8).toString('hex')}`;
    const issued = this.issue(authorizer.appid);
    this.tokenScopes.set(issued, authorizer.permissionSets);
    return {
      authorizer_access_token: issued,
      expires_in: this.lifetimeMs / 1000,
      authorizer_refresh_token: authorizer.refreshToken,
    };
  }

  /** A push to the platform's authorization event URL, as WeChat would send it. */
  componentPush(infoType: string, fields: Readonly<Record<string, string>> = {}) {
    return encryptedPush(this.component, infoType, fields, this.clock());
  }

  private stableToken(json: unknown): object {
    const body = (json ?? {}) as Record<string, unknown>;
    if (body.grant_type !== 'client_credential') return { errcode: 40002, errmsg: 'invalid grant_type' };
    const credentialError = this.checkCredentials(body.appid, body.secret);
    if (credentialError) return credentialError;
    const appid = body.appid as string;
    const now = this.clock().getTime();
    const current = this.stableTokens.get(appid);
    const issued = current ? this.tokens.get(current) : undefined;
    const valid = current && issued && issued.expiresAt > now ? { current, issued } : undefined;
    if (body.force_refresh === true && valid) {
      const day = beijingToday(this.clock());
      const forced = this.forced.get(appid);
      const today = forced?.day === day ? forced : { day, count: 0, last: Number.NEGATIVE_INFINITY };
      if (today.count >= FORCED_REFRESHES_A_DAY)
        return { errcode: 45009, errmsg: `reach max api daily quota limit rid: ${randomBytes(6).toString('hex')}` };
      // Within 30 s of the last forced refresh WeChat does not refresh: the current token comes back.
      if (now - today.last < FORCED_REFRESH_SPACING_MS)
        return { access_token: valid.current, expires_in: Math.floor((valid.issued.expiresAt - now) / 1000) };
      this.forced.set(appid, { day, count: today.count + 1, last: now });
    } else if (valid) {
      return { access_token: valid.current, expires_in: Math.floor((valid.issued.expiresAt - now) / 1000) };
    }
    // Force refresh (or first call): the previous stable token stops working at once.
    if (current) this.tokens.delete(current);
    const token = this.issue(appid);
    this.stableTokens.set(appid, token);
    return { access_token: token, expires_in: this.lifetimeMs / 1000 };
  }

  private legacyToken(query: URLSearchParams): object {
    if (query.get('grant_type') !== 'client_credential') return { errcode: 40002, errmsg: 'invalid grant_type' };
    const credentialError = this.checkCredentials(query.get('appid'), query.get('secret'));
    if (credentialError) return credentialError;
    const appid = query.get('appid') as string;
    const previous = this.legacyTokens.get(appid);
    const previousIssued = previous ? this.tokens.get(previous) : undefined;
    if (previousIssued) {
      previousIssued.expiresAt = Math.min(previousIssued.expiresAt, this.clock().getTime() + LEGACY_OVERLAP_MS);
    }
    const token = this.issue(appid);
    this.legacyTokens.set(appid, token);
    return { access_token: token, expires_in: this.lifetimeMs / 1000 };
  }

  private checkCredentials(appid: unknown, secret: unknown): object | undefined {
    if (typeof appid !== 'string' || !appid) return { errcode: 41002, errmsg: 'appid missing' };
    if (typeof secret !== 'string' || !secret) return { errcode: 41004, errmsg: 'appsecret missing' };
    const app = this.apps.get(appid);
    if (!app) return { errcode: 40013, errmsg: `invalid appid rid: ${randomBytes(6).toString('hex')}` };
    if (app.secret !== secret)
      return { errcode: 40125, errmsg: `invalid appsecret rid: ${randomBytes(6).toString('hex')}` };
    return undefined;
  }

  private issue(appid: string): string {
    const token = randomBytes(102).toString('base64url');
    this.tokens.set(token, { appid, expiresAt: this.clock().getTime() + this.lifetimeMs });
    return token;
  }

  private checkToken(token: string | null): object | undefined {
    if (!token) return { errcode: 41001, errmsg: 'access_token missing' };
    const issued = this.tokens.get(token);
    if (!issued) {
      return {
        errcode: 40001,
        errmsg: `invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r rid: ${randomBytes(6).toString('hex')}`,
      };
    }
    if (issued.expiresAt <= this.clock().getTime()) return { errcode: 42001, errmsg: 'access_token expired' };
    return undefined;
  }

  private dateRange(json: object): { begin: string; end: string } | object {
    const { begin_date: begin, end_date: end } = json as Record<string, unknown>;
    if (typeof begin !== 'string' || typeof end !== 'string') return { errcode: 47001, errmsg: 'data format error' };
    const valid = (d: string) => /^\d{8}$/.test(d) && isValidIsoDate(fromCompactDate(d));
    if (!valid(begin) || !valid(end)) return { errcode: 61500, errmsg: 'date format error' };
    return { begin: fromCompactDate(begin), end: fromCompactDate(end) };
  }

  private daily(appid: string, json: object): object {
    const range = this.dateRange(json);
    if ('errcode' in range) return range;
    const { begin, end } = range as { begin: string; end: string };
    const yesterday = addDays(beijingToday(this.clock()), -1);
    if (begin !== end || end > yesterday) return { errcode: 61501, errmsg: 'date range error' };
    return { list: [simulatedDailyVisitTrendAnswer(appid, begin)] };
  }

  private monthly(appid: string, json: object): object {
    const range = this.dateRange(json);
    if ('errcode' in range) return range;
    const { begin, end } = range as { begin: string; end: string };
    const month = begin.slice(0, 7);
    const wholeMonth = begin.endsWith('-01') && end === lastDayOfMonth(month);
    if (!wholeMonth || month >= beijingToday(this.clock()).slice(0, 7)) {
      return { errcode: 61501, errmsg: 'date range error' };
    }
    return simulatedMonthlyRetain(appid, month, this.clock());
  }

  private admin(path: string, method: string | undefined, body: string, res: ServerResponse): void {
    if (path === '/__simulator/faults' && method === 'POST') {
      this.faults.add(JSON.parse(body) as FaultRule);
      send(res, 204, JSON_TYPE, '');
    } else if (path === '/__simulator/limits' && method === 'POST') {
      this.setLimit(JSON.parse(body) as CallLimit);
      send(res, 204, JSON_TYPE, '');
    } else if (path === '/__simulator/reset' && method === 'POST') {
      this.reset();
      send(res, 204, JSON_TYPE, '');
    } else if (path === '/__simulator/calls' && method === 'GET') {
      send(res, 200, JSON_TYPE, JSON.stringify(Object.fromEntries(this.counts)));
    } else {
      send(res, 404, JSON_TYPE, '{}');
    }
  }
}

const ENDPOINTS: Record<string, { name: SimulatorEndpoint; method: 'GET' | 'POST' }> = {
  '/cgi-bin/stable_token': { name: 'stable_token', method: 'POST' },
  '/cgi-bin/token': { name: 'token', method: 'GET' },
  '/datacube/getweanalysisappiddailyvisittrend': { name: 'getDailyVisitTrend', method: 'POST' },
  '/datacube/getweanalysisappidmonthlyretaininfo': { name: 'getMonthlyRetain', method: 'POST' },
  '/cgi-bin/component/api_component_token': { name: 'api_component_token', method: 'POST' },
  '/cgi-bin/component/api_authorizer_token': { name: 'api_authorizer_token', method: 'POST' },
  '/cgi-bin/component/api_get_authorizer_list': { name: 'api_get_authorizer_list', method: 'POST' },
  '/cgi-bin/component/api_get_authorizer_info': { name: 'api_get_authorizer_info', method: 'POST' },
  ...Object.fromEntries(
    DATACUBE_APIS.map((api) => [api.path, { name: api.name as SimulatorEndpoint, method: 'POST' as const }]),
  ),
};

function periodOf(endpoint: SimulatorEndpoint, json: unknown): string | undefined {
  const begin = (json as { begin_date?: unknown } | undefined)?.begin_date;
  if (typeof begin !== 'string' || !/^\d{8}$/.test(begin)) return undefined;
  const date = fromCompactDate(begin);
  if (endpoint === 'getMonthlyRetain' || endpoint === 'getMonthlyVisitTrend') return date.slice(0, 7);
  const end = (json as { end_date?: unknown }).end_date;
  return endpoint === 'getUserPortrait' && typeof end === 'string' ? fromCompactDate(end) : date;
}

function parseJson(body: string): unknown {
  try {
    return body ? JSON.parse(body) : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `{"list":[…padding…]}` of exactly `bytes` bytes, written in 64 KiB pieces; stops when the client goes away. */
async function streamOversized(res: ServerResponse, bytes: number, declareLength: boolean): Promise<void> {
  const head = '{"list":[{"ref_date":"';
  const tail = '"}]}';
  res.writeHead(200, {
    'content-type': JSON_TYPE,
    ...(declareLength ? { 'content-length': String(bytes) } : {}),
  });
  res.write(head);
  const piece = Buffer.alloc(64 * 1024, 0x61);
  let left = Math.max(0, bytes - head.length - tail.length);
  while (left > 0 && !res.destroyed) {
    const chunk = left >= piece.length ? piece : piece.subarray(0, left);
    left -= chunk.length;
    if (!res.write(chunk))
      await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
  }
  if (!res.destroyed) res.end(tail);
}
