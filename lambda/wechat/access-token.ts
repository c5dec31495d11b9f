import type { Clock } from '../calendar/beijing-calendar.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from '../shared/retry-policy.js';
import type { AccessPoints } from './access-points.js';
import { isTransient, WechatApiError, WechatResponseError, WechatTransportError } from './errors.js';
import { exchange, type HttpRequest } from './http-exchange.js';
import { describeZodError, errorEnvelopeSchema, serviceTokenResponseSchema, tokenResponseSchema } from './schemas.js';

export interface IssuedToken {
  readonly accessToken: string;
  /** Lifetime from now; undefined when the source does not say (an external token service). */
  readonly expiresInSeconds?: number;
}

/** Where a source's tokens come from, which decides what a rejected token means and what to advise. */
export type TokenSourceKind = 'stable' | 'legacy' | 'service' | 'authorizer' | 'component' | 'relay';

/** Where tokens come from: WeChat's stable_token or legacy token endpoint, or the user's own service. */
export interface AccessTokenSource {
  readonly appid: string;
  /** @default unknown: the general advice for a rejected token */
  readonly kind?: TokenSourceKind;
  /** Tokens are cached under this key: the AppID plus where the token came from. */
  readonly cacheKey: string;
  issue(options: { forceRefresh: boolean }): Promise<IssuedToken>;
}

/** Treat a token as expired this long before WeChat would, so it never dies mid-request. */
export const EARLY_EXPIRY_SECONDS = 300;
/** Tokens of unknown lifetime (external services) are re-asked for after this long. */
const UNKNOWN_LIFETIME_SECONDS = 600;

export interface CachedToken {
  readonly value: string;
  /** Epoch milliseconds after which the token is no longer used. */
  readonly expiresAt: number;
}

/**
 * Tokens kept where every container of the deployment sees them (a table), for sources whose daily
 * issue count is limited (a platform's component token, its authorizers' tokens): a cold container
 * takes the token another one fetched instead of asking WeChat for one more.
 */
export interface SharedTokenStore {
  get(key: string): Promise<CachedToken | undefined>;
  put(key: string, token: CachedToken): Promise<void>;
}

/**
 * Per-AppID cache shared by every client in the process, so a warm Lambda reuses its token. Concurrent
 * requests for the same AppID share one in-flight fetch.
 */
export class AccessTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();
  /** The last token WeChat rejected, per key: the shared store may still hold it. */
  private readonly rejected = new Map<string, string>();

  constructor(
    private readonly clock: Clock = () => new Date(),
    private readonly shared?: SharedTokenStore,
  ) {}

  /** A valid token, from the cache or freshly issued. */
  async get(source: AccessTokenSource, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const cached = this.tokens.get(source.cacheKey);
    if (!options.forceRefresh && cached && cached.expiresAt > this.clock().getTime()) return cached.value;
    const pending = this.inflight.get(source.cacheKey);
    if (pending) return pending;
    const fetching = this.issue(source, options.forceRefresh ?? false).finally(() =>
      this.inflight.delete(source.cacheKey),
    );
    this.inflight.set(source.cacheKey, fetching);
    return fetching;
  }

  /**
   * Drops the cached token only if it is still the one that failed: another request may already
   * have replaced it, and that newer token must not be thrown away (compare-and-swap).
   */
  invalidate(source: AccessTokenSource, rejected: string): void {
    this.rejected.set(source.cacheKey, rejected);
    if (this.tokens.get(source.cacheKey)?.value === rejected) this.tokens.delete(source.cacheKey);
  }

  private async issue(source: AccessTokenSource, forceRefresh: boolean): Promise<string> {
    if (!forceRefresh && this.shared) {
      const stored = await this.shared.get(source.cacheKey);
      if (stored && stored.expiresAt > this.clock().getTime() && stored.value !== this.rejected.get(source.cacheKey)) {
        this.tokens.set(source.cacheKey, stored);
        return stored.value;
      }
    }
    const issued = await source.issue({ forceRefresh });
    const lifetime = issued.expiresInSeconds ?? UNKNOWN_LIFETIME_SECONDS + EARLY_EXPIRY_SECONDS;
    const usable = Math.max(0, lifetime - EARLY_EXPIRY_SECONDS);
    const token = { value: issued.accessToken, expiresAt: this.clock().getTime() + usable * 1000 };
    this.tokens.set(source.cacheKey, token);
    await this.shared?.put(source.cacheKey, token);
    return issued.accessToken;
  }
}

export interface WechatCredentials {
  readonly appid: string;
  readonly secret: string;
}

interface EndpointOptions {
  readonly accessPoints: AccessPoints;
  readonly retry?: RetryPolicy;
  /** Told when stable_token is missing (HTTP 404) and /cgi-bin/token is used instead. */
  readonly onFallback?: () => void;
  /** Told when an access point fails and the next one is used. */
  readonly warn?: (message: string) => void;
}

function parseTokenAnswer(api: string, body: Buffer, lifetimeRequired = true): IssuedToken {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw new WechatResponseError(api, 'the answer is not valid JSON', { cause });
  }
  const failure = errorEnvelopeSchema.safeParse(json);
  if (failure.success && failure.data.errcode !== 0) {
    throw new WechatApiError(api, failure.data.errcode, failure.data.errmsg ?? '');
  }
  const schema = lifetimeRequired ? tokenResponseSchema : serviceTokenResponseSchema;
  const ok = schema.safeParse(json);
  if (!ok.success) throw new WechatResponseError(api, `unexpected token answer: ${describeZodError(ok.error)}`);
  return { accessToken: ok.data.access_token, expiresInSeconds: ok.data.expires_in };
}

type TokenRequest = Omit<HttpRequest, 'timeoutMs'>;

interface AtAccessPoints {
  readonly points: AccessPoints;
  readonly at: (base: string) => TokenRequest;
  /**
   * At the same point, the request made instead when the first fails so (stable_token's 404: a proxy
   * without that path → /cgi-bin/token there). A failure of the second is the point failing like
   * any other, so the next point is tried with the first request again: an HTML 404 from a point
   * that is failing as a whole moves on, as for a datacube call, instead of ending on /cgi-bin/token.
   */
  readonly instead?: {
    readonly api: string;
    readonly when: (error: unknown) => boolean;
    readonly at: (base: string) => TokenRequest;
    /** Told each time the second request answers. */
    readonly told?: () => void;
  };
}

/**
 * One token request, with the transient-error retries, parsed and checked; at WeChat's access
 * points (the request built for each base) or at one URL of the user's own.
 */
function requestToken(
  api: string,
  request: TokenRequest | AtAccessPoints,
  retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  lifetimeRequired = true,
  warn?: (message: string) => void,
): Promise<IssuedToken> {
  const send = (name: string, one: TokenRequest) => exchange(name, { ...one, timeoutMs: retry.requestTimeoutMs });
  const atPoint = async (points: AtAccessPoints, base: string) => {
    try {
      return parseTokenAnswer(api, (await send(api, points.at(base))).body, lifetimeRequired);
    } catch (error) {
      const other = points.instead;
      if (!other?.when(error)) throw error;
      const issued = parseTokenAnswer(other.api, (await send(other.api, other.at(base))).body, lifetimeRequired);
      other.told?.();
      return issued;
    }
  };
  return withRetries(
    async () =>
      'points' in request
        ? (await request.points.attempt(api, (base) => atPoint(request, base), warn)).value
        : parseTokenAnswer(api, (await send(api, request)).body, lifetimeRequired),
    retry,
    isTransient,
  );
}

const isNotFound = (error: unknown) => error instanceof WechatTransportError && error.status === 404;

/** GET /cgi-bin/token's request at one access point. */
function legacyTokenRequest(credentials: WechatCredentials): (base: string) => TokenRequest {
  const query = new URLSearchParams({
    grant_type: 'client_credential',
    appid: credentials.appid,
    secret: credentials.secret,
  });
  return (base) => ({ method: 'GET', url: `${base}/cgi-bin/token?${query}` });
}

/**
 * POST /cgi-bin/stable_token, the default. In normal mode WeChat hands back the current token while
 * it is valid, so it never invalidates a token another system of the same Mini Program holds.
 */
export function stableTokenSource(credentials: WechatCredentials, options: EndpointOptions): AccessTokenSource {
  return {
    appid: credentials.appid,
    kind: 'stable',
    cacheKey: `${options.accessPoints.key}#${credentials.appid}`,
    issue: ({ forceRefresh }) =>
      requestToken(
        'stable_token',
        {
          points: options.accessPoints,
          at: (base) => ({
            method: 'POST',
            url: `${base}/cgi-bin/stable_token`,
            json: {
              grant_type: 'client_credential',
              appid: credentials.appid,
              secret: credentials.secret,
              force_refresh: forceRefresh,
            },
          }),
          // Real WeChat always has stable_token; some compatible gateways and older proxies only have
          // /cgi-bin/token. On a 404 (an HTML page or not) that point is asked for /cgi-bin/token.
          instead: { api: 'token', when: isNotFound, at: legacyTokenRequest(credentials), told: options.onFallback },
        },
        options.retry,
        true,
        options.warn,
      ),
  };
}

/** GET /cgi-bin/token: each call issues a new token and retires the previous one within 5 minutes. */
export function legacyTokenSource(credentials: WechatCredentials, options: EndpointOptions): AccessTokenSource {
  const at = legacyTokenRequest(credentials);
  return {
    appid: credentials.appid,
    kind: 'legacy',
    cacheKey: `${options.accessPoints.key}#${credentials.appid}`,
    issue: () => requestToken('token', { points: options.accessPoints, at }, options.retry, true, options.warn),
  };
}

/** How messages name a token service's URL when the caller does not say which setting gave it. */
export const TOKEN_SERVICE_SETTING = "the token service URL (--token-service, or the app's tokenService)";

export type TokenFunction = (request: { appid: string; forceRefresh: boolean }) => Promise<string | IssuedToken>;

/**
 * The user's own token service (a central token server is common when several systems share a
 * Mini Program): a function, or an HTTP URL answering `{"access_token", "expires_in"?}` to
 * `GET <url>?appid=…[&force_refresh=1]`.
 */
export function externalTokenSource(
  appid: string,
  provider: TokenFunction | string,
  options: {
    retry?: RetryPolicy;
    /** How messages name the URL's setting. @default TOKEN_SERVICE_SETTING */
    setting?: string;
  } = {},
): AccessTokenSource {
  if (typeof provider === 'function') {
    return {
      appid,
      kind: 'service',
      cacheKey: `function#${appid}`,
      issue: async ({ forceRefresh }) => {
        const result = await provider({ appid, forceRefresh });
        return typeof result === 'string' ? { accessToken: result } : result;
      },
    };
  }
  return {
    appid,
    kind: 'service',
    cacheKey: `${provider}#${appid}`,
    issue: ({ forceRefresh }) => {
      const url = new URL(provider);
      url.searchParams.set('appid', appid);
      if (forceRefresh) url.searchParams.set('force_refresh', '1');
      // A token service may leave the lifetime out; it then owns the renewal.
      return requestToken(
        'token service',
        { method: 'GET', url: url.toString(), setting: options.setting ?? TOKEN_SERVICE_SETTING },
        options.retry,
        false,
      );
    },
  };
}
