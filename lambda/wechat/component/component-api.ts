import * as z from 'zod/mini';
import type { Clock } from '../../calendar/beijing-calendar.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from '../../shared/retry-policy.js';
import { AccessPoints, parseAccessPoints } from '../access-points.js';
import { type AccessTokenCache, type AccessTokenSource, externalTokenSource } from '../access-token.js';
import { isTransient, WechatApiError, WechatResponseError } from '../errors.js';
import { exchange } from '../http-exchange.js';
import { describeZodError, errorEnvelopeSchema } from '../schemas.js';

/** A third-party platform's credentials (开放平台 → 第三方平台). Secrets: never logged. */
export interface ComponentCredentials {
  readonly componentAppid: string;
  /** Read when a component token is needed (from the environment, or SSM in the deployment). */
  readonly componentSecret: () => Promise<string>;
  /** The latest component_verify_ticket WeChat pushed (every 10 minutes). */
  readonly verifyTicket: () => Promise<string>;
}

/** Where an authorizer's refresh token is kept once WeChat rotates it (the authorizer list is the fallback). */
export interface RefreshTokenStore {
  get(authorizerAppid: string): Promise<string | undefined>;
  put(authorizerAppid: string, refreshToken: string): Promise<void>;
}

export interface ComponentOptions {
  /** WeChat's access points, tried in order (a comma-separated list or an array). @default DEFAULT_ACCESS_POINTS */
  readonly apiBase?: string | readonly string[];
  /** Told when an access point fails and the next one is used. */
  readonly warn?: (message: string) => void;
  /** Shared by every client in the process (and, given a shared store, every container): the component token's daily issue count is limited. */
  readonly cache: AccessTokenCache;
  /** @default the refresh tokens of api_get_authorizer_list only */
  readonly refreshTokens?: RefreshTokenStore;
  /**
   * The agency's own platform server, which hands out the component token (no secret or ticket is
   * then read here). @default api_component_token with the secret and the latest ticket
   */
  readonly tokenService?: string;
  readonly retry?: RetryPolicy;
  readonly clock?: Clock;
}

/** A Mini Program that authorized the platform, as api_get_authorizer_list lists it. */
export interface Authorizer {
  readonly appid: string;
  readonly refreshToken: string;
  readonly authTime: number;
}

/** What api_get_authorizer_info says of one: its name, and whether the data-analysis sets were granted. */
export interface AuthorizerInfo {
  readonly appid: string;
  readonly name: string;
  /** Permission set 18 or 21 (data analysis) was granted: the datacube APIs may be called. */
  readonly dataPermission: boolean;
  readonly permissionSets: readonly number[];
}

/** The permission sets that open the datacube APIs to a platform (数据分析). */
export const DATA_PERMISSION_SETS = [18, 21] as const;
/** api_get_authorizer_list answers at most this many a page. */
export const AUTHORIZER_PAGE = 500;

const schemas = {
  componentToken: z.object({ component_access_token: z.string().check(z.minLength(1)), expires_in: z.int() }),
  authorizerToken: z.object({
    authorizer_access_token: z.string().check(z.minLength(1)),
    expires_in: z.int(),
    authorizer_refresh_token: z.optional(z.string()),
  }),
  authorizerList: z.object({
    total_count: z.int(),
    list: z.array(
      z.object({ authorizer_appid: z.string(), refresh_token: z.string(), auth_time: z.optional(z.int()) }),
    ),
  }),
  authorizerInfo: z.looseObject({
    authorizer_info: z.looseObject({ nick_name: z.optional(z.string()) }),
    authorization_info: z.looseObject({
      authorizer_appid: z.optional(z.string()),
      func_info: z.optional(z.array(z.looseObject({ funcscope_category: z.object({ id: z.int() }) }))),
    }),
  }),
};

/** One JSON call at the access points: transient failures retried, a non-zero errcode thrown, the answer checked. */
async function callJson<S extends z.ZodMiniType>(
  api: string,
  points: AccessPoints,
  url: (base: string) => string,
  body: unknown,
  schema: S,
  retry: RetryPolicy,
  warn?: (message: string) => void,
): Promise<z.infer<S>> {
  return withRetries(
    async () => {
      const { value: answer } = await points.attempt(
        api,
        (base) => exchange(api, { method: 'POST', url: url(base), json: body, timeoutMs: retry.requestTimeoutMs }),
        warn,
      );
      let json: unknown;
      try {
        json = JSON.parse(answer.body.toString('utf8'));
      } catch (cause) {
        throw new WechatResponseError(api, 'the answer is not valid JSON', { cause });
      }
      const envelope = errorEnvelopeSchema.safeParse(json);
      if (envelope.success && envelope.data.errcode !== 0)
        throw new WechatApiError(api, envelope.data.errcode, envelope.data.errmsg ?? '');
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new WechatResponseError(api, `unexpected answer: ${describeZodError(parsed.error)}`);
      return parsed.data;
    },
    retry,
    isTransient,
  );
}

/**
 * The third-party platform's side of WeChat: its component_access_token (cached and shared, since
 * WeChat limits how many are issued a day), authorizer tokens, and the list of Mini Programs that
 * authorized it. A component token WeChat rejects is dropped and fetched once more.
 */
export class ComponentApi {
  readonly tokenSource: AccessTokenSource;
  private readonly retry: RetryPolicy;
  private readonly points: AccessPoints;

  constructor(
    private readonly credentials: ComponentCredentials,
    private readonly options: ComponentOptions,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.points = AccessPoints.of(parseAccessPoints(options.apiBase, 'apiBase'));
    if (options.tokenService) {
      const service = externalTokenSource(credentials.componentAppid, options.tokenService, {
        retry: this.retry,
        setting: 'component.tokenService in the deployment config',
      });
      this.tokenSource = {
        ...service,
        kind: 'component',
        cacheKey: `${options.tokenService}#component#${credentials.componentAppid}`,
      };
      return;
    }
    this.tokenSource = {
      appid: credentials.componentAppid,
      kind: 'component',
      cacheKey: `${this.points.key}#component#${credentials.componentAppid}`,
      issue: async () => {
        const answer = await callJson(
          'api_component_token',
          this.points,
          (base) => `${base}/cgi-bin/component/api_component_token`,
          {
            component_appid: credentials.componentAppid,
            component_appsecret: await credentials.componentSecret(),
            component_verify_ticket: await credentials.verifyTicket(),
          },
          schemas.componentToken,
          this.retry,
          options.warn,
        );
        return { accessToken: answer.component_access_token, expiresInSeconds: answer.expires_in };
      },
    };
  }

  get componentAppid(): string {
    return this.credentials.componentAppid;
  }

  /** An authorizer's access token; a rotated refresh token comes back with it. */
  async authorizerToken(
    authorizerAppid: string,
    refreshToken: string,
  ): Promise<{ accessToken: string; expiresInSeconds: number; refreshToken: string }> {
    const answer = await this.withComponentToken(
      'api_authorizer_token',
      '/cgi-bin/component/api_authorizer_token',
      {
        component_appid: this.credentials.componentAppid,
        authorizer_appid: authorizerAppid,
        authorizer_refresh_token: refreshToken,
      },
      schemas.authorizerToken,
    );
    return {
      accessToken: answer.authorizer_access_token,
      expiresInSeconds: answer.expires_in,
      refreshToken: answer.authorizer_refresh_token || refreshToken,
    };
  }

  /** One page of the Mini Programs that authorized the platform. */
  async authorizerPage(offset: number, count = AUTHORIZER_PAGE): Promise<{ total: number; authorizers: Authorizer[] }> {
    const answer = await this.withComponentToken(
      'api_get_authorizer_list',
      '/cgi-bin/component/api_get_authorizer_list',
      { component_appid: this.credentials.componentAppid, offset, count: Math.min(count, AUTHORIZER_PAGE) },
      schemas.authorizerList,
    );
    return {
      total: answer.total_count,
      authorizers: answer.list.map((a) => ({
        appid: a.authorizer_appid,
        refreshToken: a.refresh_token,
        authTime: a.auth_time ?? 0,
      })),
    };
  }

  /** Every authorizer, page by page. */
  async *authorizers(pageSize = AUTHORIZER_PAGE): AsyncIterable<Authorizer> {
    for (let offset = 0; ; ) {
      const page = await this.authorizerPage(offset, pageSize);
      yield* page.authorizers;
      offset += page.authorizers.length;
      if (page.authorizers.length === 0 || offset >= page.total) return;
    }
  }

  private listed: Promise<Map<string, string>> | undefined;
  private relisting: Promise<Map<string, string>> | undefined;

  private async readList(): Promise<Map<string, string>> {
    const tokens = new Map<string, string>();
    for await (const a of this.authorizers()) tokens.set(a.appid, a.refreshToken);
    return tokens;
  }

  /**
   * An authorizer's current refresh token from the authorizer list, read once and kept (one list for
   * a whole run of many apps); read again once when an app is not on it.
   */
  async refreshTokenOf(authorizerAppid: string): Promise<string> {
    const stored = await this.options.refreshTokens?.get(authorizerAppid);
    if (stored) return stored;
    this.listed ??= this.readList();
    let token = (await this.listed).get(authorizerAppid);
    if (token === undefined) token = await this.listedNow(authorizerAppid);
    if (token === undefined)
      throw new WechatApiError('api_get_authorizer_list', 61003, `${authorizerAppid} has not authorized this platform`);
    return token;
  }

  /**
   * The refresh token api_get_authorizer_list gives now, read afresh (calls at once share one read):
   * after a merchant authorizes again, this is where WeChat says the current one is. Undefined when
   * the app is not on the list.
   */
  async listedNow(authorizerAppid: string): Promise<string | undefined> {
    this.relisting ??= this.readList().finally(() => {
      this.relisting = undefined;
    });
    const reading = this.relisting;
    this.listed = reading;
    return (await reading).get(authorizerAppid);
  }

  /** Keeps a refresh token WeChat rotated, so the next token is asked for with it. */
  async rememberRefreshToken(authorizerAppid: string, refreshToken: string): Promise<void> {
    await this.options.refreshTokens?.put(authorizerAppid, refreshToken);
    this.listed?.then((tokens) => tokens.set(authorizerAppid, refreshToken)).catch(() => undefined);
  }

  async authorizerInfo(authorizerAppid: string): Promise<AuthorizerInfo> {
    const answer = await this.withComponentToken(
      'api_get_authorizer_info',
      '/cgi-bin/component/api_get_authorizer_info',
      { component_appid: this.credentials.componentAppid, authorizer_appid: authorizerAppid },
      schemas.authorizerInfo,
    );
    const sets = (answer.authorization_info.func_info ?? []).map((f) => f.funcscope_category.id);
    return {
      appid: authorizerAppid,
      name: answer.authorizer_info.nick_name ?? authorizerAppid,
      dataPermission: sets.some((id) => (DATA_PERMISSION_SETS as readonly number[]).includes(id)),
      permissionSets: sets,
    };
  }

  private async withComponentToken<S extends z.ZodMiniType>(api: string, path: string, body: unknown, schema: S) {
    for (let attempt = 0; ; attempt++) {
      const token = await this.options.cache.get(this.tokenSource);
      try {
        return await callJson(
          api,
          this.points,
          (base) => `${base}${path}?component_access_token=${encodeURIComponent(token)}`,
          body,
          schema,
          this.retry,
          this.options.warn,
        );
      } catch (error) {
        if (attempt > 0 || !(error instanceof WechatApiError && error.handling === 'refresh-token')) throw error;
        this.options.cache.invalidate(this.tokenSource, token);
      }
    }
  }
}

/** errcode 61023: WeChat refused the authorizer_refresh_token (the merchant authorized again, or it was rotated elsewhere). */
const REFRESH_TOKEN_REFUSED = 61023;
const isRefreshTokenRefused = (error: unknown): error is WechatApiError =>
  error instanceof WechatApiError && error.errcode === REFRESH_TOKEN_REFUSED;

/**
 * An authorizer's tokens as an AccessTokenSource, so the datacube client uses them like any other.
 * A rotated refresh token is handed to `onRotated` to be stored. A refused refresh token (61023) goes
 * through WeChat's recovery once: the current one from api_get_authorizer_list, stored, then asked
 * with; refused again (or the same), the merchant must authorize again, and the error says so.
 * Source: "出现 refresh_token is invalid 怎么办", developers.weixin.qq.com/doc/knowledge/86c3b157336fa115
 */
export function authorizerTokenSource(
  api: ComponentApi,
  authorizerAppid: string,
  refreshToken: () => Promise<string>,
  onRotated?: (refreshToken: string) => Promise<void>,
): AccessTokenSource {
  const keep = async (token: string) => {
    await api.rememberRefreshToken(authorizerAppid, token);
    await onRotated?.(token);
  };
  const authorizeAgain = (error: WechatApiError, listed: boolean) =>
    new WechatApiError(error.api, error.errcode, error.errmsg, {
      cause: error,
      fix: `WeChat refused the refresh token of ${authorizerAppid}${listed ? ', and the current one from api_get_authorizer_list too' : ' and api_get_authorizer_list has no other'}: the merchant must authorize the platform again (its authorization page); the next run takes the new token from the authorizer list`,
    });
  return {
    appid: authorizerAppid,
    kind: 'authorizer',
    cacheKey: `component:${api.componentAppid}#${authorizerAppid}`,
    issue: async () => {
      const current = await refreshToken();
      let used = current;
      let issued: Awaited<ReturnType<ComponentApi['authorizerToken']>>;
      try {
        issued = await api.authorizerToken(authorizerAppid, current);
      } catch (error) {
        if (!isRefreshTokenRefused(error)) throw error;
        const listed = await api.listedNow(authorizerAppid);
        if (listed === undefined)
          throw new WechatApiError(
            'api_get_authorizer_list',
            61003,
            `${authorizerAppid} has not authorized this platform`,
          );
        if (listed === current) throw authorizeAgain(error, false);
        await keep(listed);
        used = listed;
        try {
          issued = await api.authorizerToken(authorizerAppid, listed);
        } catch (again) {
          throw isRefreshTokenRefused(again) ? authorizeAgain(again, true) : again;
        }
      }
      if (issued.refreshToken !== used) await keep(issued.refreshToken);
      return { accessToken: issued.accessToken, expiresInSeconds: issued.expiresInSeconds };
    },
  };
}
