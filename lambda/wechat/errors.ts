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
 * from a gateway or proxy where WeChat answers JSON (`gateway-page`), or an HTTP status (`http`).
 */
export type TransportFailure = 'network' | 'gateway-page' | 'http';

/** The HTTP exchange itself failed (5xx, reset, timeout) after every allowed retry. */
export class WechatTransportError extends Error {
  override name = 'WechatTransportError';
  constructor(
    readonly api: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; status?: number; kind?: TransportFailure; explained?: boolean },
  ) {
    super(`${api}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
    this.kind = options?.kind ?? (options?.status === undefined ? 'network' : 'http');
    this.explained = options?.explained ?? false;
  }

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

const STATUS_TEXT: Readonly<Record<number, string>> = {
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const API_BASE_SETTING = 'the API base (--api-base, WECHAT_API_BASE, or apiBase in the config)';

/**
 * The last transport error of a call that failed on every try, retold as what happened and what to
 * do: by then the retries (and the access points) are used up, so "HTTP 502" alone helps nobody.
 * Other errors are returned as they are.
 */
export function afterEveryTry(error: unknown): unknown {
  if (!(error instanceof WechatTransportError) || !error.retryable) return error;
  const detail = error.message.slice(error.api.length + 2);
  const every = 'no WeChat access point answered: ';
  if (detail.startsWith(every)) {
    // Every point of the list failed: say each one's reason, then what to do.
    const told = `no WeChat access point answered on every try (${detail.slice(every.length)}): WeChat, or the network or a proxy on the way, is failing. Run the same command again later (on AWS the retry schedule does); if it lasts, check ${API_BASE_SETTING} and this machine's network`;
    return new WechatTransportError(error.api, told, true, {
      cause: error,
      status: error.status,
      kind: error.kind,
      explained: true,
    });
  }
  const url = /https?:\/\/[^/\s)?#]+/.exec(detail)?.[0];
  const host = url ? new URL(url).host : 'the server';
  const code = /connection failed: (\w+)/.exec(detail)?.[1];
  let told: string;
  if (error.kind === 'gateway-page' && (error.status === undefined || error.status < 400))
    told = `${host} answered with an HTML page (a gateway or proxy, not WeChat) on every try: run the same command again later; if it lasts, check ${API_BASE_SETTING}, or use another of WeChat's access points (api2.weixin.qq.com, sh.api.weixin.qq.com, sz.api.weixin.qq.com, hk.api.weixin.qq.com)`;
  else if (error.status === 429)
    told = `${host} answered HTTP 429 (${STATUS_TEXT[429]}) on every try: too many calls at once; run again in a minute, with less concurrency`;
  else if (error.status !== undefined)
    told = `${host} answered HTTP ${error.status}${STATUS_TEXT[error.status] ? ` (${STATUS_TEXT[error.status]})` : ''} on every try: WeChat, or a proxy on the way, is failing. Run the same command again later (on AWS the retry schedule does); if it lasts, check ${API_BASE_SETTING}, or use another of WeChat's access points (api2.weixin.qq.com, sh.api.weixin.qq.com, sz.api.weixin.qq.com, hk.api.weixin.qq.com)`;
  else if (code === 'ECONNREFUSED')
    told = `${host} refused the connection on every try: nothing accepts connections there. Check ${API_BASE_SETTING}`;
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    told = `${host} does not resolve (DNS): check ${API_BASE_SETTING} and this machine's DNS`;
  else if (/no complete answer within/.test(detail))
    told = `${host} did not answer in time on every try: check this machine's network (a function in a VPC needs a NAT gateway) and any proxy, then run again`;
  else told = `${detail} on every try: run the same command again later`;
  return new WechatTransportError(error.api, told, true, {
    cause: error,
    status: error.status,
    kind: error.kind,
    explained: true,
  });
}
