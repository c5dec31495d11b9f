import type { Clock, IsoDate, YearMonth } from '../calendar/beijing-calendar.js';
import type { DailyVisitTrend } from '../domain/daily-visit-trend.js';
import type { MonthlyRetention } from '../domain/monthly-retention.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { redactUrl, SecretScrubber } from '../shared/redact.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from '../shared/retry-policy.js';
import type { AccessTokenCache, AccessTokenSource } from './access-token.js';
import { type AnswerShape, answerShape, asHttpsShape } from './answer-shape.js';
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

export const DEFAULT_API_BASE = 'https://api.weixin.qq.com';

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
    }
  | {
      readonly status: 'not-yet-available';
      readonly api: string;
      readonly request: DatacubeRequest;
      /** Why: errcode 61503, or an empty answer. */
      readonly reason: string;
    };

export interface DatacubeClientOptions {
  readonly tokenSource: AccessTokenSource;
  readonly tokenCache: AccessTokenCache;
  /** @default https://api.weixin.qq.com */
  readonly apiBase?: string;
  /** @default DEFAULT_RETRY_POLICY */
  readonly retry?: RetryPolicy;
  readonly clock?: Clock;
  readonly logger?: Logger;
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

export class DatacubeClient {
  private readonly apiBase: string;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly scrubber: SecretScrubber;

  constructor(private readonly options: DatacubeClientOptions) {
    this.apiBase = (options.apiBase ?? DEFAULT_API_BASE).replace(/\/+$/, '');
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.clock = options.clock ?? (() => new Date());
    this.logger = options.logger ?? silentLogger;
    this.scrubber = options.scrubber ?? new SecretScrubber();
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

  /** Calls any datacube endpoint with the token, retry and validation rules. */
  async call<Period, Value>(
    endpoint: DatacubeEndpoint<Period, Value>,
    period: Period,
  ): Promise<DatacubeOutcome<Value>> {
    const request = endpoint.request(period, this.clock());
    try {
      const { relay } = this.options;
      if (relay) {
        return await withRetries(
          async () =>
            this.interpret(
              endpoint,
              period,
              request,
              await callRelay(relay, endpoint.name, request, this.retry, this.clock()),
            ),
          this.retry,
          isTransient,
        );
      }
      return await this.callWithTokenRenewal(endpoint, period, request);
    } catch (error) {
      throw this.scrubbed(afterEveryTry(error));
    }
  }

  private async callWithTokenRenewal<Period, Value>(
    endpoint: DatacubeEndpoint<Period, Value>,
    period: Period,
    request: DatacubeRequest,
  ): Promise<DatacubeOutcome<Value>> {
    const { tokenCache, tokenSource } = this.options;
    let token = await tokenCache.get(tokenSource);
    this.scrubber.add(token);
    for (let renewals = 0; ; renewals++) {
      try {
        return await withRetries(
          () => this.callOnce(endpoint, period, request, token),
          this.retry,
          isTransient,
          // A retry is routine (info); if every try fails, the error says so once.
          (error, attempt) =>
            this.logger.info('datacube call failed, retrying', {
              api: endpoint.name,
              attempt,
              error: this.scrubber.scrub(error instanceof Error ? error.message : String(error)),
            }),
        );
      } catch (error) {
        if (
          !(error instanceof WechatApiError && error.handling === 'refresh-token') ||
          renewals >= MAX_TOKEN_RENEWALS
        ) {
          throw error;
        }
        // First rejection: the cached token may simply be stale, a normal fetch is enough. If the
        // freshly fetched one is rejected too, only then ask WeChat to force a new one.
        const force = renewals > 0;
        this.logger.warn('access token rejected, fetching a new one', {
          api: endpoint.name,
          errcode: error.errcode,
          forceRefresh: force,
        });
        tokenCache.invalidate(tokenSource, token);
        token = await tokenCache.get(tokenSource, { forceRefresh: force });
        this.scrubber.add(token);
      }
    }
  }

  private async callOnce<Period, Value>(
    endpoint: DatacubeEndpoint<Period, Value>,
    period: Period,
    request: DatacubeRequest,
    token: string,
  ): Promise<DatacubeOutcome<Value>> {
    const url = `${this.apiBase}${endpoint.path}?access_token=${encodeURIComponent(token)}`;
    this.logger.debug('datacube request', { api: endpoint.name, url: redactUrl(url), request });
    const answer = await exchange(endpoint.name, {
      method: 'POST',
      url,
      json: request,
      timeoutMs: this.retry.requestTimeoutMs,
    });
    return this.interpret(endpoint, period, request, answer.body);
  }

  /** One answer, in either shape: an errcode thrown (or "not yet"), the data checked, the bytes kept. */
  private interpret<Period, Value>(
    endpoint: DatacubeEndpoint<Period, Value>,
    period: Period,
    request: DatacubeRequest,
    body: Buffer,
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
      };
    }
    return { status: 'ok', api: endpoint.name, request, raw: body, value, fetchedAt, shape };
  }

  private scrubbed(error: unknown): unknown {
    if (error instanceof Error) {
      error.message = this.scrubber.scrub(error.message);
      if (error.stack) error.stack = this.scrubber.scrub(error.stack);
    }
    return error;
  }
}
