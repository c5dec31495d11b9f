import { pastedTextProblem } from '../shared/url-setting.js';
import { WechatTransportError } from './errors.js';

/**
 * WeChat's access points (接入点), in the order tried. WeChat documents five: `api.weixin.qq.com`
 * (general, the nearest point), `api2.weixin.qq.com` (general, disaster recovery in another site),
 * `sh.api.weixin.qq.com`, `sz.api.weixin.qq.com` and `hk.api.weixin.qq.com` (Shanghai, Shenzhen,
 * Hong Kong), and advises using another point when one fails. Source: 公众平台接口域名说明,
 * https://developers.weixin.qq.com/doc/service/Basic_Information/Interface_field_description.html
 */
export const DEFAULT_ACCESS_POINTS: readonly string[] = ['https://api.weixin.qq.com', 'https://api2.weixin.qq.com'];

const EXAMPLE = 'https://api.weixin.qq.com,https://api2.weixin.qq.com';

/** An access-point list that cannot be used; the message names the setting and never its secrets. */
export class ApiBaseError extends Error {
  override name = 'ApiBaseError';
}

/** The entry as it may be shown: no user, password, query or fragment (they may hold secrets). */
function shown(entry: string): string {
  try {
    const url = new URL(entry);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    // Not a URL at all: show its shape, not its content (it may be a secret pasted in the wrong place).
    return entry.length > 40 || /[@?#]/.test(entry) ? `${entry.slice(0, 8)}…` : entry;
  }
}

/**
 * An ordered, comma-separated list of access points (`--api-base`, `WECHAT_API_BASE`, the config's
 * `apiBase`) as base URLs without a trailing slash, duplicates dropped; undefined or blank gives the
 * default list. Throws ApiBaseError naming `setting` and the entry at fault.
 */
export function parseAccessPoints(value: string | readonly string[] | undefined, setting: string): readonly string[] {
  if (value === undefined) return DEFAULT_ACCESS_POINTS;
  const entries = (typeof value === 'string' ? value.split(',') : value).map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0)
    throw new ApiBaseError(
      `${setting} is empty: give one or more WeChat access points separated by commas, e.g. ${EXAMPLE}`,
    );
  const bases: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const base = accessPoint(entry, entries.length > 1 ? `${setting} (entry ${i + 1} of ${entries.length})` : setting);
    if (!bases.includes(base)) bases.push(base);
  }
  return bases;
}

/** One entry of the list as a base URL without a trailing slash; `which` names it in a refusal. */
function accessPoint(entry: string, which: string): string {
  // The checks of every URL-shaped setting: a full-width comma (，) typed by an input method joins two entries.
  const pasted = pastedTextProblem(entry);
  if (pasted) throw new ApiBaseError(`${which} ${pasted}`);
  // Two points joined by another separator read as one URL whose port or path holds the second.
  const joined = /\s*[;；|\s]\s*(?=https?:\/\/)/i.exec(entry.slice(1));
  if (joined)
    throw new ApiBaseError(
      `${which} holds two URLs joined by "${joined[0].trim() || 'a space'}": separate access points with commas, e.g. ${EXAMPLE}`,
    );
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new ApiBaseError(
      `${which}: "${shown(entry)}" is not a URL; give one or more WeChat access points separated by commas, e.g. ${EXAMPLE}`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ApiBaseError(`${which}: "${shown(entry)}" is not an http(s) URL; e.g. ${EXAMPLE}`);
  if (url.username || url.password)
    throw new ApiBaseError(
      `${which}: "${shown(entry)}" carries a user name or password, which are never sent; put a proxy's credentials in the proxy, not in the access point`,
    );
  if (url.search || url.hash)
    throw new ApiBaseError(
      `${which}: "${shown(entry)}" has a query or fragment; an access point is a base URL such as https://api2.weixin.qq.com (a proxy may add a path)`,
    );
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/**
 * Whether another access point may answer where this one failed: no connection, no complete answer
 * in time, HTTP 5xx, or an HTML page from a gateway instead of WeChat's JSON (whatever its status:
 * a proxy's 404 or a firewall's 403 page is the point failing, not WeChat answering). A WeChat
 * errcode is an answer and never one of these.
 */
export function isAccessPointFailure(error: unknown): error is WechatTransportError {
  return (
    error instanceof WechatTransportError &&
    (error.kind === 'network' || error.kind === 'gateway-page' || (error.status ?? 0) >= 500)
  );
}

/** The access point that answered, beside what it answered. */
export interface Answered<T> {
  readonly value: T;
  readonly accessPoint: string;
}

/**
 * The access points of one list, shared by every client of the process (a CLI run, a Lambda
 * container): the one in use, and the move to the next when it fails. Once moved, the process stays
 * on the point that works; a point that fails later moves it on again, round the list.
 */
export class AccessPoints {
  private static readonly shared = new Map<string, AccessPoints>();
  private index = 0;

  private constructor(readonly bases: readonly string[]) {}

  /** The process-wide state of this list (one per distinct list). */
  static of(bases: readonly string[]): AccessPoints {
    const key = bases.join(',');
    let points = AccessPoints.shared.get(key);
    if (!points) {
      points = new AccessPoints(bases);
      AccessPoints.shared.set(key, points);
    }
    return points;
  }

  /** Names the list, for cache keys: the same tokens serve every point of it. */
  get key(): string {
    return this.bases.join(',');
  }

  get current(): string {
    return this.bases[this.index] as string;
  }

  /**
   * One attempt of a request: at the point in use, then, if that point fails (isAccessPointFailure),
   * at each other point once, in order. The first to answer becomes the point in use, with one
   * warning naming both. When every point fails, the error says what each did.
   */
  async attempt<T>(
    api: string,
    request: (base: string) => Promise<T>,
    warn: (message: string) => void = () => {},
  ): Promise<Answered<T>> {
    const start = this.index;
    const failures: { base: string; error: WechatTransportError }[] = [];
    for (let step = 0; step < this.bases.length; step++) {
      const i = (start + step) % this.bases.length;
      const base = this.bases[i] as string;
      try {
        const value = await request(base);
        if (step > 0 && this.index === start) {
          this.index = i;
          const failed = failures[0] as { base: string; error: WechatTransportError };
          warn(
            `WeChat access point ${failed.base} failed (${reasonOf(failed.error)}); using ${base} for the rest of this run`,
          );
        }
        return { value, accessPoint: base };
      } catch (error) {
        if (!isAccessPointFailure(error) || this.bases.length === 1) throw error;
        failures.push({ base, error });
      }
    }
    const last = failures[failures.length - 1]?.error as WechatTransportError;
    // Another try later may help only if some point failed in a way that passes (an HTML 404 does not).
    throw new WechatTransportError(
      api,
      `no WeChat access point answered: ${failures.map((f) => `${f.base}: ${reasonOf(f.error)}`).join('; ')}`,
      failures.some((f) => f.error.retryable),
      { status: last.status, kind: last.kind, cause: last },
    );
  }
}

/** What went wrong at one point, without the API name and URL its message repeats. */
function reasonOf(error: WechatTransportError): string {
  return error.message
    .replace(/^[^:]+: /, '')
    .replace(/ at https?:\/\/\S+$/, '')
    .replace(/ from https?:\/\/\S+/, '');
}
