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
    options?: { cause?: unknown },
  ) {
    const info = errcodeInfo(errcode);
    const errmsg = normaliseErrmsg(rawErrmsg);
    super(
      `${api} failed: WeChat errcode ${errcode} (${errmsg || info.meaning}): ${info.meaning}. Fix: ${info.fix}`,
      options,
    );
    this.errmsg = errmsg;
    this.handling = info.handling;
    this.explanation = info.meaning;
    this.fix = info.fix;
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

/** The HTTP exchange itself failed (5xx, reset, timeout) after every allowed retry. */
export class WechatTransportError extends Error {
  override name = 'WechatTransportError';
  constructor(
    readonly api: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; status?: number },
  ) {
    super(`${api}: ${message}`, options);
    this.status = options?.status;
  }

  /** The HTTP status, when an answer arrived at all. */
  readonly status: number | undefined;
}

/** True for failures that another attempt after a backoff may cure. */
export function isTransient(error: unknown): boolean {
  return (error instanceof WechatApiError || error instanceof WechatTransportError) && error.retryable;
}
