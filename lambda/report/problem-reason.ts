/**
 * Why an app has no report for a day, as a code the digest says in its own language with what to
 * do. Recorded with the unit in the ledger (`JobRecord.reason`), derived from the unit's status and,
 * for WeChat's refusals, its errcode (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/).
 */
export const PROBLEM_REASONS = [
  /** WeChat has not published the day yet (61503, or an empty list); retried until the cut-off. */
  'not-published',
  /** Still nothing at the cut-off: the "no data" notice went out instead. */
  'no-data',
  /** Registered, but no run has reported on it yet. */
  'not-run',
  /** Another run is sending it right now. */
  'in-progress',
  /** WeChat busy or unreachable (-1, 45011, 61504, HTTP 5xx, timeouts); retried automatically. */
  'wechat-busy',
  /** The day's API quota is used up (45009). */
  'quota',
  /** AppID or AppSecret wrong (40013, 40125, 41002, 41004). */
  'credentials',
  /** A secret was never stored: the environment variable or SSM parameter its detail names is not set. */
  'missing-secret',
  /** The caller's IP is not on the whitelist (40164; 61004 for a third-party platform). */
  'ip-whitelist',
  /** The account is not verified (微信认证) or lacks the API permission (48001). */
  'not-verified',
  /** The Mini Program withdrew or never granted the platform's data permission (61003, 61007). */
  'platform-authorization',
  /** The third-party platform's own credentials (61005, 61006 ticket; 61023 refresh token). */
  'platform-credentials',
  /** The app's registry entry is invalid, or it is not registered any more (`wxa-report apps show`). */
  'invalid-entry',
  /** The app's entry in a `run` config file is invalid: the field its detail names is fixed in the file. */
  'invalid-config',
  /** A channel (email, a chat) refused the report or could not be reached. */
  'delivery',
  /** A send was interrupted: it may or may not have arrived, a person checks and releases it. */
  'unconfirmed',
  /** The raw answer could not be archived (storage refused). */
  'archive',
  /**
   * A service the run depends on (S3, DynamoDB, SQS, SSM, SES) was briefly unavailable: it refused
   * connections, timed out, answered 5xx or throttled; retried automatically.
   */
  'service-unavailable',
  /** Such a service refused the request: a missing permission or resource, a limit; a person fixes the deployment. */
  'service-refused',
  /** Anything else: the detail and the logs say more. */
  'unknown',
] as const;

export type ProblemReason = (typeof PROBLEM_REASONS)[number];

export function isProblemReason(value: unknown): value is ProblemReason {
  return typeof value === 'string' && (PROBLEM_REASONS as readonly string[]).includes(value);
}

const BY_ERRCODE: Readonly<Record<number, ProblemReason>> = {
  [-1]: 'wechat-busy',
  45011: 'wechat-busy',
  61504: 'wechat-busy',
  45009: 'quota',
  40013: 'credentials',
  40125: 'credentials',
  41002: 'credentials',
  41004: 'credentials',
  40164: 'ip-whitelist',
  61004: 'ip-whitelist',
  48001: 'not-verified',
  61003: 'platform-authorization',
  61007: 'platform-authorization',
  61005: 'platform-credentials',
  61006: 'platform-credentials',
  61023: 'platform-credentials',
  61503: 'not-published',
};

/** The reason for a WeChat errcode; `unknown` for codes that need the detail to be read. */
export function reasonForErrcode(errcode: number): ProblemReason {
  return BY_ERRCODE[errcode] ?? 'unknown';
}

/**
 * The reason of a ledger record written before reasons were recorded: from its status and the
 * errcode its detail names, so an older day's digest still says something in its own language.
 */
export function inferReason(
  status: 'pending' | 'no-data' | 'failed' | 'missing' | 'invalid',
  detail = '',
): { readonly reason: ProblemReason; readonly errcode?: number } {
  if (status === 'missing') return { reason: 'not-run' };
  if (status === 'invalid') return { reason: /^apps\.\d+[.:]/.test(detail) ? 'invalid-config' : 'invalid-entry' };
  if (status === 'no-data') return { reason: 'no-data' };
  const code = /errcode (-?\d+)/.exec(detail)?.[1];
  if (code !== undefined) {
    const errcode = Number(code);
    return { reason: reasonForErrcode(errcode), errcode };
  }
  if (/being sent by another run/.test(detail)) return { reason: 'in-progress' };
  if (/invalid config entry|^apps\.\d+[.:]/.test(detail)) return { reason: 'invalid-config' };
  if (/invalid registry entry|not in the app registry/.test(detail)) return { reason: 'invalid-entry' };
  if (/ is not set|SSM parameter \S+ is missing/.test(detail)) return { reason: 'missing-secret' };
  if (/unconfirmed|stopped before recording/.test(detail)) return { reason: 'unconfirmed' };
  return { reason: status === 'pending' ? 'not-published' : 'unknown' };
}
