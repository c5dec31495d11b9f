import { type ErrcodeHandling, errcodeInfo, normaliseErrmsg } from './error-codes.js';

/** WeChat answered with a non-zero errcode. */
export class WechatApiError extends Error {
  override name = 'WechatApiError';
  readonly errmsg: string;
  readonly handling: ErrcodeHandling;
  readonly explanation: string;
  readonly fix: string;

  constructor(
    readonly api: string,
    readonly errcode: number,
    rawErrmsg: string,
    options?: {
      cause?: unknown;
      /** What the person should do, where the situation says more than the errcode's table entry. */
      fix?: string;
    },
  ) {
    const info = errcodeInfo(errcode);
    const errmsg = normaliseErrmsg(rawErrmsg);
    const fix = options?.fix ?? info.fix;
    super(
      `${api} failed: ${info.source === 'cloudbase' ? 'CloudBase errCode' : 'WeChat errcode'} ${errcode} (${errmsg || info.meaning}): ${info.meaning}. Fix: ${fix}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.errmsg = errmsg;
    this.handling = info.handling;
    this.explanation = info.meaning;
    this.fix = fix;
  }

  /** Whether calling again (after a backoff) may succeed. */
  get retryable(): boolean {
    return this.handling === 'retry';
  }
}

/** The request was refused locally, before anything was sent (bad dates, bad options). */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
}

/** WeChat (or whatever is at the API base) answered with something that is not the documented shape. */
export class WechatResponseError extends Error {
  override name = 'WechatResponseError';
  constructor(
    readonly api: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${api}: ${message}`, options);
  }
}

/**
 * How an exchange failed: no connection or no complete answer in time (`network`), an HTML page
 * from a gateway or proxy where WeChat answers JSON (`gateway-page`, whatever its status), an HTTP
 * status (`http`), or a request that could not be made here at all, nothing sent (`request`: a URL
 * fetch refuses).
 */
export type TransportFailure = 'network' | 'gateway-page' | 'http' | 'request';

/** The HTTP exchange itself failed (5xx, reset, timeout) after every allowed retry. */
export class WechatTransportError extends Error {
  override name = 'WechatTransportError';
  constructor(
    readonly api: string,
    message: string,
    readonly retryable: boolean,
    options?: {
      cause?: unknown;
      status?: number;
      kind?: TransportFailure;
      explained?: boolean;
      /** The setting that named the URL, as messages say it. @default WeChat's access points (API_BASE_SETTING) */
      setting?: string;
    },
  ) {
    super(`${api}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
    this.kind = options?.kind ?? (options?.status === undefined ? 'network' : 'http');
    this.explained = options?.explained ?? false;
    this.setting = options?.setting;
  }

  /** The setting that named the URL (`--token-service`, …); undefined for WeChat's access points. */
  readonly setting: string | undefined;

  /** The message already says what to do (the line after every try): `classifyFailure` adds nothing. */
  readonly explained: boolean;

  /** The HTTP status, when an answer arrived at all. */
  readonly status: number | undefined;
  readonly kind: TransportFailure;
}

/** True for failures that another attempt after a backoff may cure. */
export function isTransient(error: unknown): boolean {
  return (error instanceof WechatApiError || error instanceof WechatTransportError) && error.retryable;
}

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** How messages name WeChat's access points, the URL setting of every request that names no other. */
export const API_BASE_SETTING = 'the API base (--api-base, WECHAT_API_BASE, or apiBase in the config)';

const OTHER_ACCESS_POINTS =
  "use another of WeChat's access points (api2.weixin.qq.com; in mainland China also sh.api.weixin.qq.com or sz.api.weixin.qq.com, from Hong Kong or abroad hk.api.weixin.qq.com)";

/**
 * The last transport error of a call that failed on every try, retold as what happened and what to
 * do, naming the setting the URL came from (the API base, `--token-service`, `--relay-url`…): by
 * then the retries (and the access points) are used up, so "HTTP 502" alone helps nobody. An HTML
 * page that will not change (a proxy's 404, a firewall's 403) is retold too. Other errors are
 * returned as they are.
 */
export function afterEveryTry(error: unknown): unknown {
  if (!(error instanceof WechatTransportError) || (!error.retryable && error.kind !== 'gateway-page')) return error;
  const detail = error.message.slice(error.api.length + 2);
  const setting = error.setting ?? API_BASE_SETTING;
  const every = 'no WeChat access point answered: ';
  const told = detail.startsWith(every)
    ? everyPointFailed(detail.slice(every.length), error.retryable, setting)
    : onePointFailed(error, detail, setting);
  return new WechatTransportError(error.api, told, error.retryable, {
    cause: error,
    status: error.status,
    kind: error.kind,
    explained: true,
    setting: error.setting,
  });
}

/** Every point of WeChat's list failed: each one's reason, then what to do. */
function everyPointFailed(each: string, retryable: boolean, setting: string): string {
  if (!retryable)
    return `no WeChat access point answered (${each}): a gateway or proxy answered each with an HTML page. Check ${setting}, and any proxy or firewall on the way (a proxy without this path answers 404, a firewall that refuses this machine 403)`;
  return `no WeChat access point answered on every try (${each}): WeChat, or the network or a proxy on the way, is failing. Run the same command again later (on AWS the retry schedule does); if it lasts, check ${setting} and this machine's network`;
}

/** The one server of the setting (an access point, a token service, a relay) failed: what it did, what to do. */
function onePointFailed(error: WechatTransportError, detail: string, setting: string): string {
  const wechat = error.setting === undefined;
  const peer = wechat ? 'WeChat' : 'the server';
  const url = /https?:\/\/[^/\s)?#]+/.exec(detail)?.[0];
  const host = url ? new URL(url).host : 'the server';
  const code = /connection failed: (\w+)/.exec(detail)?.[1];
  const status =
    error.status === undefined
      ? ''
      : `HTTP ${error.status}${STATUS_TEXT[error.status] ? ` (${STATUS_TEXT[error.status]})` : ''}`;
  const elsewhere = wechat ? `, or ${OTHER_ACCESS_POINTS}` : '';
  if (error.kind === 'gateway-page' && !error.retryable)
    return `${host} answered ${status} with an HTML page (a gateway or proxy, not ${peer}): check ${setting}, and any proxy or firewall on the way (a proxy without this path answers 404, a firewall that refuses this machine 403)`;
  if (error.kind === 'gateway-page' && (error.status === undefined || error.status < 400))
    return `${host} answered with an HTML page (a gateway or proxy, not ${peer}) on every try: run the same command again later; if it lasts, check ${setting}${elsewhere}`;
  if (error.status === 429)
    return `${host} answered ${status} on every try: too many calls at once; run again in a minute, with less concurrency`;
  if (error.status !== undefined)
    return `${host} answered ${status} on every try: ${peer}, or a proxy on the way, is failing. Run the same command again later (on AWS the retry schedule does); if it lasts, check ${setting}${elsewhere}`;
  if (code === 'ECONNREFUSED')
    return `${host} refused the connection on every try: nothing accepts connections there. Check ${setting}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `${host} does not resolve (DNS): check ${setting} and this machine's DNS`;
  if (/no complete answer within/.test(detail))
    return `${host} did not answer in time on every try: check this machine's network (a function in a VPC needs a NAT gateway) and any proxy, then run again; if it lasts, check ${setting}`;
  return `${detail} on every try: run the same command again later; if it lasts, check ${setting}`;
}
