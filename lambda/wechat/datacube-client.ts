import type { Clock, IsoDate, YearMonth } from '../calendar/beijing-calendar.js';
import type { DailyVisitTrend } from '../domain/daily-visit-trend.js';
import type { MonthlyRetention } from '../domain/monthly-retention.js';
import { classifyFailure } from '../shared/classify-failure.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { redactUrl, SecretScrubber } from '../shared/redact.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from '../shared/retry-policy.js';
import { AccessPoints, DEFAULT_ACCESS_POINTS } from './access-points.js';
import type { AccessTokenCache, AccessTokenSource } from './access-token.js';
import { type AnswerShape, answerShape, asHttpsShape } from './answer-shape.js';
import { CallGate, type GateCallOptions, isMinuteLimit } from './call-gate.js';
import { type CloudRelay, callRelay } from './cloud-relay.js';
import {
  type DatacubeEndpoint,
  type DatacubeRequest,
  dailyVisitTrendEndpoint,
  monthlyRetainEndpoint,
} from './datacube-endpoints.js';
import { afterEveryTry, isTransient, WechatApiError, WechatResponseError } from './errors.js';
import { exchange } from './http-exchange.js';
import { errorEnvelopeSchema } from './schemas.js';

/** What one datacube call produced: the data (with its raw bytes), or "not computed yet". */
export type DatacubeOutcome<Value> =
  | {
      readonly status: 'ok';
      readonly api: string;
      readonly request: DatacubeRequest;
      /** The response body exactly as WeChat sent it: this is what gets archived. */
      readonly raw: Buffer;
      readonly value: Value;
      readonly fetchedAt: Date;
      /** The shape the raw bytes are in: WeChat's HTTPS answer, or a cloud call's (through a relay). */
      readonly shape: AnswerShape;
      /** Which access point answered (`https://api2.weixin.qq.com`), or the relay's URL. */
      readonly accessPoint: string;
    }
  | {
      readonly status: 'not-yet-available';
      readonly api: string;
      readonly request: DatacubeRequest;
      /** Why: errcode 61503, or an empty answer. */
      readonly reason: string;
      /**
       * WeChat answered, with nothing in it (an empty list): for a period that ended long enough ago
       * (a day before the Mini Program existed) that is final. False for 61503 ("not computed yet").
       */
      readonly empty: boolean;
    };

export interface DatacubeClientOptions {
  readonly tokenSource: AccessTokenSource;
  readonly tokenCache: AccessTokenCache;
  /** WeChat's access points, tried in order (process-wide state). @default DEFAULT_ACCESS_POINTS */
  readonly accessPoints?: AccessPoints;
  /** WeChat's limits for the run this client works in (shared with the run's other clients). @default one for this client */
  readonly gate?: CallGate;
  /** @default DEFAULT_RETRY_POLICY */
  readonly retry?: RetryPolicy;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Where a warning the operator should see goes (an access point failed). @default logger.warn */
  readonly warn?: (message: string) => void;
  /** Secrets to scrub from anything this client logs or throws (the AppSecret, typically). */
  readonly scrubber?: SecretScrubber;
  /**
   * Call through the project's CloudBase relay (cloud call) instead of WeChat's HTTPS API: no access
   * token here, the relay's function holds the Mini Program's identity. @default HTTPS with tokens
   */
  readonly relay?: CloudRelay;
}

/** How many times a rejected token is replaced before giving up (normal refresh, then forced). */
const MAX_TOKEN_RENEWALS = 2;

/**
 * What to do when WeChat keeps rejecting the tokens of a source even after one forced refresh,
 * by where the tokens come from (the errcode table's advice fits /cgi-bin/token users).
 */
const REJECTED_TOKEN_FIX: Partial<Record<NonNullable<AccessTokenSource['kind']>, string>> = {
  stable:
    "another system forced a refresh of this AppID's stable token (each forced refresh retires the token for every system; WeChat allows 20 a day, 30 s apart), or the token is not this AppID's (check the AppID, and any proxy at the API base). wxa-reporter forced one refresh and stops there: find the system that forces refreshes, or run again in a few minutes",
  service:
    "your token service handed out tokens WeChat rejects, even when asked to refresh (force_refresh=1): check that it serves this AppID's current token",
  authorizer:
    "the platform's authorizer_access_token for this Mini Program was rejected even after a refresh: check that the Mini Program still authorizes the platform (wxa-report authorizers)",
};

/** Retried by the client; the minute limit (45011) is the gate's, which pauses the whole run instead. */
const retryable = (error: unknown) => isTransient(error) && !isMinuteLimit(error);

export class DatacubeClient {
  private readonly points: AccessPoints;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly scrubber: SecretScrubber;
  readonly gate: CallGate;

  constructor(private readonly options: DatacubeClientOptions) {
    this.points = options.accessPoints ?? AccessPoints.of(DEFAULT_ACCESS_POINTS);
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.clock = options.clock ?? (() => new Date());
    this.logger = options.logger ?? silentLogger;
    this.scrubber = options.scrubber ?? new SecretScrubber();
    this.gate = options.gate ?? new CallGate({ clock: this.clock });
  }

  get appid(): string {
    return this.options.tokenSource.appid;
  }

  getDailyVisitTrend(date: IsoDate): Promise<DatacubeOutcome<DailyVisitTrend>> {
    return this.call(dailyVisitTrendEndpoint, date);
  }

  getMonthlyRetain(month: YearMonth): Promise<DatacubeOutcome<MonthlyRetention>> {
    return this.call(monthlyRetainEndpoint, month);
  }

  /**
   * Calls any datacube endpoint with the token, retry and validation rules, through the run's gate
   * (`options.deadline`: not sent, nor waited for past it).
   */
  async call<Period, Value>(
    endpoint: DatacubeEndpoint<Period, Value>,
    period: Period,
    options?: GateCallOptions,
  ): Promise<DatacubeOutcome<Value>> {
    const request = endpoint.request(period, this.clock());
    try {
      return await this.gate.run(
        this.appid,
        endpoint.name,
        (signal) => {
          const { relay } = this.options;
          if (!relay) return this.callWithTokenRenewal(endpoint, period, request, signal);
          return withRetries(
            async () =>
              this.interpret(
                endpoint,
                period,
                request,
                await callRelay(relay, endpoint.name, request, this.retry, this.clock(), signal),
                relay.url,
              ),
            this.retry,
            retryable,
          );
        },
        options,
      );
    } catch (error) {
      throw this.scrubbed(afterEveryTry(error));
    }
  }

  private async callWithTokenRenewal<Period, Value>(
    endpoint: DatacubeEndpoint<Period, Value>,
    period: Period,
    request: DatacubeRequest,
    signal: AbortSignal | undefined,
  ): Promise<DatacubeOutcome<Value>> {
    const { tokenCache, tokenSource } = this.options;
    let token = await this.tokenOrStop(endpoint.name, () => tokenCache.get(tokenSource));
    this.scrubber.add(token);
    for (let renewals = 0; ; renewals++) {
      try {
        return await withRetries(
          () => this.callOnce(endpoint, period, request, token, signal),
          this.retry,
          retryable,
          // A retry is routine (info); if every try fails, the error says so once.
          (error, attempt) =>
            this.logger.info('datacube call failed, retrying', {
              api: endpoint.name,
              attempt,
              error: this.scrubber.scrub(error instanceof Error ? error.message : String(error)),
            }),
        );
      } catch (error) {
        if (!(error instanceof WechatApiError && error.handling === 'refresh-token')) throw error;
        if (renewals >= MAX_TOKEN_RENEWALS) throw this.stillRejected(error);
        // First rejection: the cached token may simply be stale, a normal fetch is enough. If the
        // freshly fetched one is rejected too, only then ask WeChat to force a new one: once per
        // AppID for the whole run, shared by every call that meets the rejection.
        const force = renewals > 0;
        this.logger.warn('access token rejected, fetching a new one', {
          api: endpoint.name,
          errcode: error.errcode,
          forceRefresh: force,
        });
        tokenCache.invalidate(tokenSource, token);
        const rejected = token;
        if (!force) token = await this.tokenOrStop(endpoint.name, () => tokenCache.get(tokenSource));
        else {
          const forced = await this.tokenOrStop(endpoint.name, () =>
            this.gate.forceRefreshOnce(tokenSource.cacheKey, () => tokenCache.get(tokenSource, { forceRefresh: true })),
          );
          // Someone else's forced refresh gave the very token just rejected: a second would not help.
          if (!forced.first && forced.token === rejected) throw this.stillRejected(error);
          token = forced.token;
        }
        this.scrubber.add(token);
      }
    }
  }

  /**
   * A token, or a refusal that stops every call of the app for the rest of the run: a source that
   * cannot hand out a token (a wrong AppSecret, a token service answering 401, an authorization
   * withdrawn) will not hand one to the next call either. A transient failure stops nothing.
   */
  private async tokenOrStop<T>(api: string, fetch: () => Promise<T>): Promise<T> {
    try {
      return await fetch();
    } catch (error) {
      if (!classifyFailure(error).retryable) this.gate.refuse(this.appid, api, error, 'app');
      throw error;
    }
  }

  /** The last rejection of a token, with the advice that fits where the tokens come from. */
  private stillRejected(error: WechatApiError): WechatApiError {
    const fix = REJECTED_TOKEN_FIX[this.options.tokenSource.kind ?? 'legacy'];
    return fix ? new WechatApiError(error.api, error.errcode, error.errmsg, { cause: error, fix }) : error;
  }

  private async callOnce<Period, Value>(
    endpoint: DatacubeEndpoint<Period, Value>,
    period: Period,
    request: DatacubeRequest,
    token: string,
    signal: AbortSignal | undefined,
  ): Promise<DatacubeOutcome<Value>> {
    const answered = await this.points.attempt(
      endpoint.name,
      (base) => {
        const url = `${base}${endpoint.path}?access_token=${encodeURIComponent(token)}`;
        this.logger.debug('datacube request', { api: endpoint.name, url: redactUrl(url), request });
        return exchange(endpoint.name, {
          method: 'POST',
          url,
          json: request,
          timeoutMs: this.retry.requestTimeoutMs,
          ...(signal ? { signal } : {}),
        });
      },
      (message) => (this.options.warn ?? this.logger.warn.bind(this.logger))(message),
    );
    return this.interpret(endpoint, period, request, answered.value.body, answered.accessPoint);
  }

  /** One answer, in either shape: an errcode thrown (or "not yet"), the data checked, the bytes kept. */
  private interpret<Period, Value>(
    endpoint: DatacubeEndpoint<Period, Value>,
    period: Period,
    request: DatacubeRequest,
    body: Buffer,
    accessPoint: string,
  ): DatacubeOutcome<Value> {
    const fetchedAt = this.clock();
    let received: unknown;
    try {
      received = JSON.parse(body.toString('utf8'));
    } catch (cause) {
      throw new WechatResponseError(endpoint.name, `the answer is not valid JSON (${body.length} bytes)`, {
        cause,
      });
    }
    const shape = answerShape(received);
    const json = asHttpsShape(received);
    const envelope = errorEnvelopeSchema.safeParse(json);
    if (envelope.success && envelope.data.errcode !== 0) {
      const error = new WechatApiError(endpoint.name, envelope.data.errcode, envelope.data.errmsg ?? '');
      if (error.handling === 'not-yet-available') {
        return {
          status: 'not-yet-available',
          api: endpoint.name,
          request,
          reason: `errcode ${error.errcode}: ${error.explanation}`,
          empty: false,
        };
      }
      throw error;
    }
    const value = endpoint.parse(json, period);
    if (value === undefined) {
      return {
        status: 'not-yet-available',
        api: endpoint.name,
        request,
        reason: 'WeChat answered with no data for this period',
        empty: true,
      };
    }
    return { status: 'ok', api: endpoint.name, request, raw: body, value, fetchedAt, shape, accessPoint };
  }

  private scrubbed(error: unknown): unknown {
    if (error instanceof Error) {
      error.message = this.scrubber.scrub(error.message);
      if (error.stack) error.stack = this.scrubber.scrub(error.stack);
    }
    return error;
  }
}
