/** The simulator's endpoints, as fault rules and call counts name them. */
export type SimulatorEndpoint =
  | 'stable_token'
  | 'token'
  | 'getDailyVisitTrend'
  | 'getMonthlyRetain'
  | 'getDailySummary'
  | 'getWeeklyVisitTrend'
  | 'getMonthlyVisitTrend'
  | 'getDailyRetain'
  | 'getWeeklyRetain'
  | 'getVisitDistribution'
  | 'getVisitPage'
  | 'getUserPortrait'
  | 'api_component_token'
  | 'api_authorizer_token'
  | 'api_get_authorizer_list'
  | 'api_get_authorizer_info';

/** What a fault does instead of (or before) the normal answer. */
export type FaultAction =
  /** Answer HTTP 200 with `{"errcode": N, "errmsg": …}`. */
  | { readonly kind: 'errcode'; readonly errcode: number; readonly errmsg?: string }
  /** Answer with this HTTP status (5xx, 429, 404 …): an HTML page, or `body` as plain text unless it starts with `<`. */
  | { readonly kind: 'http'; readonly status: number; readonly body?: string }
  /**
   * A proxy or gateway in front of the access point redirects (an http→https rule, a moved host):
   * 301 (or this status) to `to` with the request's path and query.
   */
  | { readonly kind: 'redirect'; readonly to: string; readonly status?: number }
  /**
   * A gateway in front of the access point answers instead of WeChat: nginx's HTML error page with
   * this status. @default status 502
   */
  | { readonly kind: 'gateway'; readonly status?: number }
  /** Answer HTTP 200 with a body that is not JSON. */
  | { readonly kind: 'malformed' }
  /** Answer HTTP 200 with exactly this body (hostile or odd shapes). */
  | { readonly kind: 'body'; readonly body: string }
  /**
   * Answer HTTP 200 with a JSON-looking body of this many bytes, streamed (never held in memory);
   * chunked, or with its Content-Length declared up front.
   */
  | { readonly kind: 'oversized'; readonly bytes: number; readonly declareLength?: boolean }
  /** Answer normally, but only after this many milliseconds. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Never answer; the connection stays open until the client gives up or the simulator closes. */
  | { readonly kind: 'hang' }
  /** Drop the connection without an answer. */
  | { readonly kind: 'reset' }
  /** errcode 61503: the data is not ready yet. */
  | { readonly kind: 'not-ready' }
  /** A success answer with no data (`{"list":[]}`, or monthly with empty series). */
  | { readonly kind: 'empty' };

/**
 * WeChat's call limits for an endpoint, per Mini Program: a daily quota (then errcode 45009 until
 * midnight, Beijing) and a per-minute limit (then 45011 until the minute turns), on the simulator's clock.
 */
export interface CallLimit {
  /** Which endpoint; every datacube endpoint when absent. */
  readonly endpoint?: SimulatorEndpoint;
  /** Calls answered a day; the rest get 45009. */
  readonly daily?: number;
  /** Calls answered a minute; the rest get 45011. */
  readonly perMinute?: number;
}

export interface FaultRule {
  /** Which endpoint; every endpoint when absent. */
  readonly endpoint?: SimulatorEndpoint;
  /** Only for this period: `YYYY-MM-DD` for daily calls (a week's Monday, a portrait's last day), `YYYY-MM` for monthly ones. */
  readonly period?: string;
  /** How many matching calls it applies to before it is used up. @default every call */
  readonly times?: number;
  readonly action: FaultAction;
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

/** Fault rules in the order they were added; the first that matches a call is used (and counted down). */
export class FaultPlan {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  take(endpoint: SimulatorEndpoint, period: string | undefined): FaultAction | undefined {
    const match = this.rules.find(
      ({ rule, remaining }) =>
        remaining > 0 &&
        (rule.endpoint === undefined || rule.endpoint === endpoint) &&
        (rule.period === undefined || rule.period === period),
    );
    if (!match) return undefined;
    match.remaining -= 1;
    return match.rule.action;
  }
}
