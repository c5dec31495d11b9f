/**
 * What each WeChat errcode means for us: whether retrying can help, and what the operator should
 * do. Codes not listed are treated as permanent: an unknown failure should be looked at by a person.
 */
export type ErrcodeHandling =
  /** Transient on WeChat's side: retry with exponential backoff and full jitter. */
  | 'retry'
  /** The access token was rejected: drop it, fetch a new one, retry once. */
  | 'refresh-token'
  /** The day or month has not been computed yet: a normal outcome, try again later. */
  | 'not-yet-available'
  /** Retrying cannot help; the message says what to fix. */
  | 'fatal';

export interface ErrcodeInfo {
  readonly handling: ErrcodeHandling;
  readonly meaning: string;
  readonly fix: string;
}

const TOKEN_REJECTED = 'refresh-token' as const;

export const ERRCODES: Readonly<Record<number, ErrcodeInfo>> = {
  [-1]: {
    handling: 'retry',
    meaning: 'WeChat system busy',
    fix: 'transient; retried automatically, try again in a few minutes if it persists',
  },
  40001: {
    handling: TOKEN_REJECTED,
    meaning: 'access_token invalid or not the latest',
    fix: 'another system may be calling /cgi-bin/token for this AppID (which invalidates older tokens); use stable_token everywhere or share one token service',
  },
  40014: {
    handling: TOKEN_REJECTED,
    meaning: 'access_token invalid',
    fix: 'check that the token belongs to this AppID',
  },
  42001: {
    handling: TOKEN_REJECTED,
    meaning: 'access_token expired',
    fix: 'a new token is fetched automatically',
  },
  40002: {
    handling: 'fatal',
    meaning: 'invalid grant_type',
    fix: 'the token endpoint is not WeChat-compatible; check --api-base',
  },
  40013: {
    handling: 'fatal',
    meaning: 'invalid AppID',
    fix: 'check the AppID (it starts with "wx" and is shown in the Mini Program admin console under 开发管理 → 开发设置)',
  },
  40125: {
    handling: 'fatal',
    meaning: 'invalid AppSecret',
    fix: 'check the AppSecret, or reset it in the admin console under 开发管理 → 开发设置 and store the new one',
  },
  40164: {
    handling: 'fatal',
    meaning: 'calling IP is not on the IP whitelist',
    fix: "add this machine's egress IP to the whitelist in the admin console (开发管理 → 开发设置 → IP白名单), or turn the whitelist off",
  },
  41001: {
    handling: 'fatal',
    meaning: 'access_token missing',
    fix: 'the request reached WeChat without a token; check any proxy between here and --api-base',
  },
  41002: { handling: 'fatal', meaning: 'appid missing', fix: 'set the AppID' },
  41004: { handling: 'fatal', meaning: 'AppSecret missing', fix: 'set the AppSecret' },
  44002: {
    handling: 'fatal',
    meaning: 'empty POST body',
    fix: 'the request body was lost on the way; check any proxy between here and --api-base',
  },
  45009: {
    handling: 'fatal',
    meaning: 'daily API quota reached',
    fix: 'wait until tomorrow, or reset the quota in the admin console (clear_quota); check that nothing else is calling this API in a loop',
  },
  45011: {
    handling: 'retry',
    meaning: 'API minute-rate limit reached',
    fix: 'transient; retried with backoff. Spread runs for many apps over time if it persists',
  },
  47001: {
    handling: 'fatal',
    meaning: 'request body is not valid JSON or misses a field',
    fix: 'this is a bug in wxa-reporter or a proxy changed the body; please report it',
  },
  48001: {
    handling: 'fatal',
    meaning: 'API not authorized for this account',
    fix: 'the Mini Program must be verified (微信认证) and have the data analysis permission; for a third-party platform, the merchant must grant permission set 18 or 21',
  },
  61007: {
    handling: 'fatal',
    meaning: 'API not authorized to the third-party platform',
    fix: 'ask the Mini Program owner to grant your platform the data analysis permission set (18 or 21) again',
  },
  61500: {
    handling: 'fatal',
    meaning: 'date format error',
    fix: 'dates must be yyyymmdd; this is a bug if it reaches WeChat, please report it',
  },
  61501: {
    handling: 'fatal',
    meaning: 'date range error',
    fix: 'daily calls take one day no later than yesterday in Beijing; monthly calls take the first to the last day of an ended month',
  },
  61502: {
    handling: 'fatal',
    meaning: 'not supported for mini games',
    fix: 'this AppID is a mini game; the Mini Program datacube APIs do not serve mini games',
  },
  61003: {
    handling: 'fatal',
    meaning: 'the Mini Program has not authorized this third-party platform',
    fix: 'the Mini Program must authorize the platform again (its authorization page); until then it is listed but not called',
  },
  61004: {
    handling: 'fatal',
    meaning: "this machine's IP is not on the third-party platform's whitelist",
    fix: "add the egress IP to the platform's whitelist (开放平台 → 第三方平台 → 开发资料), or use the fixed-IP option of the deployment",
  },
  61005: {
    handling: 'fatal',
    meaning: 'component_verify_ticket expired',
    fix: 'WeChat pushes a new ticket every 10 minutes to the authorization event URL: check that the push endpoint receives and stores it',
  },
  61006: {
    handling: 'fatal',
    meaning: 'component_verify_ticket invalid',
    fix: 'use the latest ticket WeChat pushed (WECHAT_COMPONENT_VERIFY_TICKET, or the stored one); a ticket of another platform does not work',
  },
  61023: {
    handling: 'fatal',
    meaning: 'authorizer_refresh_token invalid',
    fix: 'the Mini Program re-authorized (which issues a new refresh token): take it from api_get_authorizer_list or the authorization event',
  },
  61503: {
    handling: 'not-yet-available',
    meaning: 'data not ready yet',
    fix: 'WeChat has not finished computing this period; try again later (usually by mid-morning Beijing time)',
  },
  61504: {
    handling: 'retry',
    meaning: 'WeChat data service busy',
    fix: 'transient; retried automatically',
  },
};

export function errcodeInfo(errcode: number): ErrcodeInfo {
  return (
    ERRCODES[errcode] ?? {
      handling: 'fatal',
      meaning: 'unrecognised WeChat error',
      fix: 'look the errcode up in the WeChat documentation (全局返回码) and report it if it should be handled',
    }
  );
}

/**
 * WeChat appends a per-request suffix (`rid: …`, `hint: [...]`, sometimes a docs link) to errmsg.
 * Strip it so messages can be matched and grouped.
 */
export function normaliseErrmsg(errmsg: string): string {
  return errmsg
    .replace(/[\s,]*(?:rid|hint):.*$/s, '')
    .replace(/,?\s*more details at\s+\S+/i, '')
    .trim();
}
