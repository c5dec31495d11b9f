import { redactUrl } from '../shared/redact.js';
import { WechatResponseError, WechatTransportError } from './errors.js';

/** Real datacube and token answers are under 2 KB; anything past this is refused unread. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface HttpAnswer {
  readonly status: number;
  /** The body exactly as received. */
  readonly body: Buffer;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly json?: unknown;
  /** A body sent as is (JSON), for a signature computed over its exact bytes. */
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** The caller's own end (the work's deadline): aborts the exchange at once, and it is not retried. */
  readonly signal?: AbortSignal;
}

/**
 * One HTTP exchange with WeChat (or a compatible server). Network failures, timeouts, 5xx and an HTML
 * page from a gateway where JSON was due become a retryable WechatTransportError (its `kind` says
 * which, so another access point can be tried); the URL in any message has its secrets masked.
 */
export async function exchange(api: string, request: HttpRequest): Promise<HttpAnswer> {
  const where = redactUrl(request.url);
  let response: Response;
  let body: Buffer;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: {
        ...(request.json === undefined && request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      body: request.body ?? (request.json === undefined ? undefined : JSON.stringify(request.json)),
      signal: request.signal
        ? AbortSignal.any([AbortSignal.timeout(request.timeoutMs), request.signal])
        : AbortSignal.timeout(request.timeoutMs),
      redirect: 'error',
    });
    body = await readCapped(api, response, where);
  } catch (error) {
    if (error instanceof WechatResponseError) throw error;
    if (request.signal?.aborted)
      throw new WechatTransportError(api, `aborted by the caller, its time ran out (${where})`, false, {
        cause: sanitiseCause(error),
      });
    throw new WechatTransportError(api, `${describeNetworkError(error, request.timeoutMs)} (${where})`, true, {
      cause: sanitiseCause(error),
    });
  }
  if ((response.status === 200 || response.status >= 500) && isHtmlPage(response, body)) {
    throw new WechatTransportError(
      api,
      `HTTP ${response.status} with an HTML page from ${where} (a gateway or proxy answered, not WeChat)`,
      true,
      { status: response.status, kind: 'gateway-page' },
    );
  }
  if (response.status >= 500 || response.status === 429) {
    throw new WechatTransportError(api, `HTTP ${response.status} from ${where}`, true, { status: response.status });
  }
  if (response.status !== 200) {
    throw new WechatTransportError(
      api,
      `HTTP ${response.status} from ${where}: is the API base a WeChat-compatible server?`,
      false,
      { status: response.status },
    );
  }
  return { status: response.status, body };
}

/**
 * The body, or a refusal once it passes MAX_ANSWER_BYTES: a hostile or broken server cannot make us
 * hold, archive or print 50 MB. A declared Content-Length over the cap is refused before reading.
 */
async function readCapped(api: string, response: Response, where: string): Promise<Buffer> {
  const refuse = (size: string) =>
    new WechatResponseError(
      api,
      `refused an answer of ${size} from ${where}: over the ${MAX_ANSWER_BYTES / 1024 / 1024} MiB cap (real answers are under 2 KB); nothing of it was archived or printed. Is the API base a WeChat-compatible server?`,
    );
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > MAX_ANSWER_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw refuse(`${declared} bytes`);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw refuse(`more than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, total);
}

/** An HTML page (a gateway's 502, a captive portal) where WeChat answers JSON. */
function isHtmlPage(response: Response, body: Buffer): boolean {
  if (/^text\/html\b/i.test(response.headers.get('content-type') ?? '')) return true;
  const start = body.subarray(0, 64).toString('utf8').trimStart().toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html');
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no complete answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const code = cause?.code ?? (error instanceof Error ? error.message : String(error));
  return `connection failed: ${code}`;
}

// undici errors do not carry the URL today, but a cause is logged verbatim: keep only what is safe.
function sanitiseCause(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e.cause as { code?: string } | undefined)?.code;
  const safe = new Error(redactUrl(code ? `${e.message}: ${code}` : e.message));
  safe.name = e.name;
  return safe;
}
