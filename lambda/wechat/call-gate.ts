import { beijingToday, type Clock, systemClock } from '../calendar/beijing-calendar.js';
import { errcodeInfo, type RefusalScope } from './error-codes.js';
import { WechatApiError } from './errors.js';

export type { RefusalScope } from './error-codes.js';

/** errcode 45009: the API's daily quota for this account is used up until midnight (Beijing). */
export const DAILY_QUOTA = 45009;
/** errcode 45011: too many calls this minute ("api minute-quota reach limit ... retry next minute"). */
export const MINUTE_LIMIT = 45011;

export const isDailyQuota = (error: unknown): error is WechatApiError =>
  error instanceof WechatApiError && error.errcode === DAILY_QUOTA;
export const isMinuteLimit = (error: unknown): error is WechatApiError =>
  error instanceof WechatApiError && error.errcode === MINUTE_LIMIT;

/**
 * A call the gate did not send: the API's daily quota ran out earlier in this run (errcode 45009).
 * It is a WechatApiError of that errcode, so it is handled as WeChat's own refusal would be.
 */
export class QuotaClosedError extends WechatApiError {
  override name = 'QuotaClosedError';
  constructor(api: string, since: string) {
    super(api, DAILY_QUOTA, `not called: the daily quota ran out at ${since} in this run`);
  }
}

/**
 * A call the gate did not send, or did not wait for, because the work it belongs to ran out of time
 * (a first report fetching its history within the unit's time): what is not fetched now is asked
 * again by the next run.
 */
export class CallDeadlineError extends Error {
  override name = 'CallDeadlineError';
  constructor(
    readonly api: string,
    readonly deadline: Date,
    options?: { cause?: unknown },
    /** `refused`: never sent; `aborted`: sent, and given up when the time ran out. */
    readonly stage: 'refused' | 'aborted' = 'refused',
  ) {
    super(
      stage === 'aborted'
        ? `${api}: aborted unanswered, the time for it ran out at ${deadline.toISOString()}`
        : `${api}: not called, the time for it ran out at ${deadline.toISOString()}`,
      options,
    );
  }
}

/** A signal that aborts at `deadline`, measured from `now` on the gate's clock. */
function abortAt(deadline: Date, now: number): AbortSignal {
  return AbortSignal.timeout(Math.max(0, deadline.getTime() - now));
}

export const isDeadline = (error: unknown): error is CallDeadlineError => error instanceof CallDeadlineError;

/** How one call may use the gate. */
export interface GateCallOptions {
  /**
   * Past this instant the call is not sent, no pause (45011) that would end after it is waited for,
   * and a call still in flight is aborted (its AbortSignal): CallDeadlineError instead.
   * @default none: only the limits decide
   */
  readonly deadline?: Date;
}

/**
 * Whether a failure is a refusal that no other call of the run can change, and what it reaches: a
 * token still rejected after the one forced refresh (every API of the app: the token or the
 * credentials are wrong), or a code that needs a person whose table entry names its reach (40125
 * the app, 48001 the API). Undefined for anything another call may cure or that concerns one request
 * (a date WeChat refuses), and for the daily quota, which has its own rule (closed until midnight).
 */
export function refusalScope(error: unknown): RefusalScope | undefined {
  if (!(error instanceof WechatApiError) || error.errcode === DAILY_QUOTA) return undefined;
  // A rejected token reaches the gate only when the client's renewals (and the forced refresh) are spent.
  if (error.handling === 'refresh-token') return 'app';
  return error.handling === 'fatal' ? errcodeInfo(error.errcode).scope : undefined;
}

/** Calls stopped for the rest of a run: by which refusal (the error each of them fails with), and how far it reaches. */
export interface StoppedCalls {
  readonly refusal: unknown;
  readonly scope: RefusalScope;
}

/** A pause of every call of an app after errcode 45011, until the minute after. */
export interface MinutePause {
  readonly appid: string;
  readonly api: string;
  readonly until: Date;
}

export interface CallGateOptions {
  /** Decides the Beijing day of a quota and the minute of a pause. @default the system clock */
  readonly clock?: Clock;
  /** How a pause waits. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told when every call of an app is paused (once per pause, however many calls hit the limit). */
  readonly onPause?: (pause: MinutePause) => void;
  /** Pauses one call may wait through before its 45011 is its answer. @default 5 */
  readonly maxPausesPerCall?: number;
}

/** WeChat counts its minutes on its own clock: start again a little after ours says the minute turned. */
const MINUTE_MARGIN_MS = 1_000;

/**
 * WeChat's limits for one run (a backfill, a report, a first report fetching its history), shared by
 * every call the run makes, however many run at once. Per AppID:
 *
 * - errcode 45009 (daily quota): the API is not called again that Beijing day; later calls fail at
 *   once with QuotaClosedError, so what was fetched is kept and the rest is left for tomorrow;
 * - errcode 45011 (minute limit, "retry next minute"): every call of the app waits until the next
 *   minute, then the refused call is sent again;
 * - a forced token refresh (stable_token allows 20 a day, 30 s apart, and each retires the token for
 *   every system of the app) happens at most once, shared by concurrent work;
 * - a refusal no other call can change (`refusalScope`: a wrong AppSecret, a token rejected after the
 *   forced refresh, an API the account may not call) stops the calls it reaches for the rest of the
 *   run: each fails at once with that very refusal (the same error object), unsent.
 *
 * Source: 全局错误码 (45009, 45011), getStableAccessToken (force_refresh),
 * https://developers.weixin.qq.com/doc/oplatform/developers/errCode/errCode.html
 */
export class CallGate {
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxPauses: number;
  /** `${appid}#${api}` → the instant (ISO) its quota ran out, and the Beijing day it stays closed. */
  private readonly closed = new Map<string, { day: string; since: string }>();
  /** appid → epoch ms before which nothing of the app is sent. */
  private readonly pausedUntil = new Map<string, number>();
  private readonly forced = new Map<string, Promise<string>>();
  /** `${appid}` (every API) or `${appid}#${api}` → the refusal that stopped its calls. */
  private readonly refused = new Map<string, StoppedCalls>();

  constructor(private readonly options: CallGateOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxPauses = options.maxPausesPerCall ?? 5;
  }

  /**
   * Sends one call of `api` for `appid` when the limits allow: refused at once (QuotaClosedError)
   * once the API's daily quota ran out, or with the earlier refusal that stopped the API or the app
   * (`refuse`); held while the app is paused; sent again after a pause when it met the minute limit.
   * Any other outcome is the call's own. With a deadline, a call is not sent, a pause not waited
   * for, and a call in flight aborted, past it (CallDeadlineError, the 45011 or the aborted call's
   * error as its cause): `call` passes the signal to its requests.
   */
  async run<T>(
    appid: string,
    api: string,
    call: (signal?: AbortSignal) => Promise<T>,
    options: GateCallOptions = {},
  ): Promise<T> {
    let refused: unknown;
    for (let pauses = 0; ; pauses++) {
      this.refuseIfClosed(appid, api);
      const resumeAt = this.pausedUntil.get(appid) ?? 0;
      this.refuseIfLate(api, Math.max(resumeAt, this.clock().getTime()), options.deadline, refused);
      const wait = resumeAt - this.clock().getTime();
      if (wait > 0) await this.sleep(wait);
      this.refuseIfClosed(appid, api);
      const sentAt = this.clock().getTime();
      const signal = options.deadline ? abortAt(options.deadline, sentAt) : undefined;
      try {
        return await call(signal);
      } catch (error) {
        this.afterRefusal(appid, api, error, { aborted: signal?.aborted === true, ...options }, pauses);
        refused = error;
        // A call sent before a pause that has begun since met the same minute: it waits, nothing more.
        if ((this.pausedUntil.get(appid) ?? 0) <= sentAt) this.pause(appid, api);
      }
    }
  }

  /**
   * What a failed call means for the gate: thrown on (aborted at its deadline as CallDeadlineError; a
   * daily quota closing the API, or a refusal stopping what it reaches, first), or returned from when it met the minute limit and may wait.
   */
  private afterRefusal(
    appid: string,
    api: string,
    error: unknown,
    call: GateCallOptions & { readonly aborted: boolean },
    pauses: number,
  ): void {
    if (call.aborted && call.deadline) throw new CallDeadlineError(api, call.deadline, { cause: error }, 'aborted');
    this.learnFrom(appid, api, error);
    if (!isMinuteLimit(error) || pauses >= this.maxPauses) throw error;
  }

  /** A call that could only go (again) after its deadline is not sent. */
  private refuseIfLate(api: string, sendAt: number, deadline: Date | undefined, cause: unknown): void {
    if (deadline && sendAt > deadline.getTime())
      throw new CallDeadlineError(api, deadline, cause === undefined ? undefined : { cause });
  }

  /**
   * Stops, for the rest of the run, every later call of `api` of `appid` (`scope` 'api') or of every
   * API of the app ('app'): each fails at once with `refusal`. For a refusal the gate cannot read
   * from the error alone, e.g. a token service that answers 401 (the client knows it came from the
   * token). The first refusal of a scope is kept.
   */
  refuse(appid: string, api: string, refusal: unknown, scope: RefusalScope): void {
    const key = scope === 'app' ? appid : `${appid}#${api}`;
    if (!this.refused.has(key)) this.refused.set(key, { refusal, scope });
  }

  /** The refusal that stopped the calls of `api` of `appid` in this run (the app's, or the API's), if any. */
  refusalOf(appid: string, api: string): StoppedCalls | undefined {
    return this.refused.get(appid) ?? this.refused.get(`${appid}#${api}`);
  }

  /** Whether `api` of `appid` has used up its quota for today (Beijing). */
  isClosed(appid: string, api: string): boolean {
    return this.closed.get(`${appid}#${api}`)?.day === beijingToday(this.clock());
  }

  /**
   * At most one forced refresh per token key (an AppID's) for the run: the first caller's `refresh`
   * runs, every other caller, concurrent or later, gets its token. `first` says whether this caller's
   * refresh was the one sent. A refresh that fails may be tried again.
   */
  async forceRefreshOnce(key: string, refresh: () => Promise<string>): Promise<{ token: string; first: boolean }> {
    const done = this.forced.get(key);
    if (done) return { token: await done, first: false };
    const fetching = refresh();
    this.forced.set(key, fetching);
    try {
      return { token: await fetching, first: true };
    } catch (error) {
      this.forced.delete(key);
      throw error;
    }
  }

  /** What a failed call says of the calls after it: a quota that ran out, a refusal that stops them. */
  private learnFrom(appid: string, api: string, error: unknown): void {
    if (isDailyQuota(error) && !(error instanceof QuotaClosedError)) this.close(appid, api);
    const scope = refusalScope(error);
    if (scope) this.refuse(appid, api, error, scope);
  }

  private refuseIfClosed(appid: string, api: string): void {
    const stopped = this.refusalOf(appid, api);
    if (stopped) throw stopped.refusal;
    const closed = this.closed.get(`${appid}#${api}`);
    if (closed?.day === beijingToday(this.clock())) throw new QuotaClosedError(api, closed.since);
  }

  private close(appid: string, api: string): void {
    if (this.isClosed(appid, api)) return;
    const now = this.clock();
    this.closed.set(`${appid}#${api}`, { day: beijingToday(now), since: now.toISOString() });
  }

  private pause(appid: string, api: string): void {
    const now = this.clock().getTime();
    const until = (Math.floor(now / 60_000) + 1) * 60_000 + MINUTE_MARGIN_MS;
    if ((this.pausedUntil.get(appid) ?? 0) >= until) return;
    this.pausedUntil.set(appid, until);
    this.options.onPause?.({ appid, api, until: new Date(until) });
  }
}
