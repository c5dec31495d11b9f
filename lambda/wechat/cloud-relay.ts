import { createHmac, randomBytes } from 'node:crypto';
import type { RetryPolicy } from '../shared/retry-policy.js';
import type { DatacubeRequest } from './datacube-endpoints.js';
import { WechatTransportError } from './errors.js';
import { exchange } from './http-exchange.js';

/**
 * The project's CloudBase relay (`cloudbase/wxa-relay`): a cloud function reached over CloudBase's
 * HTTP access that calls `cloud.openapi.analysis.<api>` for its own Mini Program, so the AppSecret
 * never leaves CloudBase. Requests are authenticated with an HMAC over the exact body.
 */
export interface CloudRelay {
  /** The function's HTTP access URL (https://<env>.service.tcloudbase.com/wxa-relay). */
  readonly url: string;
  /** Shared with the function (its WXA_RELAY_SECRET): never sent, only used to sign. */
  readonly secret: string;
  /** How messages name the URL's setting. @default RELAY_URL_SETTING */
  readonly setting?: string;
}

/** How messages name the relay's URL when the caller does not say which setting gave it. */
export const RELAY_URL_SETTING = "the relay URL (--relay-url, or the app's relayUrl)";

export const RELAY_HEADERS = {
  timestamp: 'x-wxa-timestamp',
  nonce: 'x-wxa-nonce',
  signature: 'x-wxa-signature',
} as const;

/** Hex HMAC-SHA256 of "<timestamp>\n<nonce>\n<body>": what the relay recomputes and compares. */
export function relaySignature(secret: string, timestamp: string, nonce: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${nonce}\n${body}`).digest('hex');
}

/** One datacube call through the relay: the cloud call's answer, as the relay sent it. */
export async function callRelay(
  relay: CloudRelay,
  api: string,
  request: DatacubeRequest,
  retry: RetryPolicy,
  now: Date = new Date(),
  signal?: AbortSignal,
): Promise<Buffer> {
  const body = JSON.stringify({ api, beginDate: request.begin_date, endDate: request.end_date });
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = randomBytes(12).toString('hex');
  try {
    const answer = await exchange(api, {
      method: 'POST',
      url: relay.url,
      body,
      headers: {
        [RELAY_HEADERS.timestamp]: timestamp,
        [RELAY_HEADERS.nonce]: nonce,
        [RELAY_HEADERS.signature]: relaySignature(relay.secret, timestamp, nonce, body),
      },
      timeoutMs: retry.requestTimeoutMs,
      setting: relay.setting ?? RELAY_URL_SETTING,
      ...(signal ? { signal } : {}),
    });
    return answer.body;
  } catch (error) {
    if (error instanceof WechatTransportError && (error.status === 401 || error.status === 403))
      throw new WechatTransportError(
        api,
        `the cloud relay refused the request (HTTP ${error.status}): the shared secret must equal the function's WXA_RELAY_SECRET, and this machine's clock be within 5 minutes of the right time`,
        false,
        { status: error.status, setting: error.setting },
      );
    throw error;
  }
}
