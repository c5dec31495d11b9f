import { redactServerUrl, redactServerUrls, redactUrl } from '../shared/redact.js';
import { API_BASE_SETTING, STATUS_TEXT, WechatResponseError, WechatTransportError } from './errors.js';

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
  /**
   * The setting the URL came from, as messages name it (`--token-service`, `--relay-url`, an app's
   * tokenService). @default WeChat's access points (API_BASE_SETTING)
   */
  readonly setting?: string;
  /** The caller's own end (the work's deadline): aborts the exchange at once, and it is not retried. */
  readonly signal?: AbortSignal;
}

/**
 * One HTTP exchange with WeChat (or a compatible server, or the user's own token service or relay).
 * Network failures, timeouts, 5xx and an HTML page from a gateway where JSON was due become a
 * WechatTransportError (its `kind` says which, so another access point can be tried); an HTML page
 * is a gateway's whatever its status (WeChat never answers HTML), retryable only where a retry may
 * help (200, 5xx). The URL in any message has its secrets masked, and is followed by a space (a
 * masked value runs to the next one); a message names the setting the URL came from.
 */
export async function exchange(api: string, request: HttpRequest): Promise<HttpAnswer> {
  // The user's own server (a setting named) may be keyed in its path: only its host and first word show.
  const where = request.setting === undefined ? redactUrl(request.url) : redactServerUrl(request.url);
  const setting = request.setting ?? API_BASE_SETTING;
  const fail = (message: string, retryable: boolean, options: ConstructorParameters<typeof WechatTransportError>[3]) =>
    new WechatTransportError(api, message, retryable, { ...options, setting: request.setting });
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
      // Not followed: a POST would become a GET and a token would travel to another host. Said below.
      redirect: 'manual',
    });
    body = await readCapped(api, response, where);
  } catch (error) {
    if (error instanceof WechatResponseError) throw error;
    if (request.signal?.aborted)
      throw fail(`aborted by the caller, its time ran out (${where})`, false, { cause: sanitiseCause(error) });
    if (isUnsendable(error))
      // fetch refused to build the request (a URL with a user or password…): no other try or point helps.
      throw fail(
        `could not make the request (${withoutUserinfo(error.message)}), nothing was sent: check ${setting}`,
        false,
        {
          kind: 'request',
        },
      );
    throw fail(`${describeNetworkError(error, request.timeoutMs)} at ${where}`, true, { cause: sanitiseCause(error) });
  }
  const failure = statusFailure(response, body, where, request.setting);
  if (failure) throw fail(failure.message, failure.retryable, { status: response.status, kind: failure.kind });
  return { status: response.status, body };
}

/**
 * What an answer other than WeChat's JSON means: an HTML page (a gateway's, whatever its status),
 * a 5xx or 429 (try again), a redirect (never followed: set the URL it points to), a refusal of this client (401, 403), any other status (the wrong server).
 */
function statusFailure(
  response: Response,
  body: Buffer,
  where: string,
  setting: string | undefined,
): { readonly message: string; readonly retryable: boolean; readonly kind?: 'gateway-page' } | undefined {
  const { status } = response;
  const named = `HTTP ${status}${STATUS_TEXT[status] ? ` (${STATUS_TEXT[status]})` : ''}`;
  const check = setting ?? API_BASE_SETTING;
  // Before the page check: a redirect often carries a small HTML body, and it is never a gateway's failure.
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    return {
      message: `HTTP ${status} from ${where}: the URL redirects (${location ? `to ${setting === undefined ? redactUrl(location) : redactServerUrl(location)}, secrets masked` : 'without saying where'}); set ${check} to where it points`,
      retryable: false,
    };
  }
  if (isHtmlPage(response, body))
    return {
      message: `HTTP ${status} with an HTML page from ${where} (a gateway or proxy answered, not ${setting === undefined ? 'WeChat' : 'the server'})`,
      retryable: status === 200 || status === 429 || status >= 500,
      kind: 'gateway-page',
    };
  if (status >= 500 || status === 429) return { message: `HTTP ${status} from ${where}`, retryable: true };
  if (status === 401 || status === 403)
    return {
      message: `${named} from ${where} (it refused this client: check ${check}, and any key it needs)`,
      retryable: false,
    };
  if (status !== 200)
    return {
      message: `${named} from ${where} (check ${check}: is it ${setting === undefined ? 'a WeChat-compatible server' : 'the right URL'}?)`,
      retryable: false,
    };
  return undefined;
}

/** fetch refusing to build a request (undici's TypeError other than "fetch failed"): nothing reached the network. */
function isUnsendable(error: unknown): error is TypeError {
  return error instanceof TypeError && error.message !== 'fetch failed';
}

/** A message that may quote the URL, without its user and password. */
const withoutUserinfo = (message: string) =>
  redactServerUrls(message.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1'));

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
