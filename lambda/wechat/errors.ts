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
    options?: { cause?: unknown; status?: number; kind?: TransportFailure },
  ) {
    super(`${api}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
    this.kind = options?.kind ?? (options?.status === undefined ? 'network' : 'http');
  }

  /** The HTTP status, when an answer arrived at all. */
  readonly status: number | undefined;
  readonly kind: TransportFailure;
}

/** True for failures that another attempt after a backoff may cure. */
export function isTransient(error: unknown): boolean {
  return (error instanceof WechatApiError || error instanceof WechatTransportError) && error.retryable;
}
