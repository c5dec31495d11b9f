import { printable } from '../shared/printable.js';
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

/**
 * How far a refusal that needs a person reaches within a run: every call of the refused API for the
 * app (`api`: the account may not call it), or every call of the app (`app`: its credentials, its
 * token, its IP whitelist, its authorization). Another call cannot change either, so the call gate
 * stops sending them. A code without one concerns the one request (a date WeChat refuses).
 */
export type RefusalScope = 'api' | 'app';

export interface ErrcodeInfo {
  readonly handling: ErrcodeHandling;
  readonly meaning: string;
  readonly fix: string;
  /** For a `fatal` code: what else the same refusal would meet. @default the one request */
  readonly scope?: RefusalScope;
  /** Who answers with the code: WeChat (the default), or CloudBase in a cloud call through the relay. */
  readonly source?: 'cloudbase';
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
    scope: 'app',
    meaning: 'invalid grant_type',
    fix: 'the token endpoint is not WeChat-compatible; check --api-base',
  },
  40013: {
    handling: 'fatal',
    scope: 'app',
    meaning: 'invalid AppID',
    fix: 'check the AppID (it starts with "wx" and is shown in the Mini Program admin console under 开发管理 → 开发设置)',
  },
  40125: {
    handling: 'fatal',
    scope: 'app',
    meaning: 'invalid AppSecret',
    fix: 'check the AppSecret, or reset it in the admin console under 开发管理 → 开发设置 and store the new one',
  },
  40164: {
    handling: 'fatal',
    scope: 'app',
    meaning: 'calling IP is not on the IP whitelist',
    fix: "add this machine's egress IP to the whitelist in the admin console (开发管理 → 开发设置 → IP白名单), or turn the whitelist off",
  },
  41001: {
    handling: 'fatal',
    scope: 'app',
    meaning: 'access_token missing',
    fix: 'the request reached WeChat without a token; check any proxy between here and --api-base',
  },
  41002: { handling: 'fatal', scope: 'app', meaning: 'appid missing', fix: 'set the AppID' },
  41004: { handling: 'fatal', scope: 'app', meaning: 'AppSecret missing', fix: 'set the AppSecret' },
  44002: {
    handling: 'fatal',
    scope: 'app',
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
    fix: 'transient; every call of the app waits for the next minute, then goes on. Spread runs for many apps over time if it persists',
  },
  47001: {
    handling: 'fatal',
    meaning: 'request body is not valid JSON or misses a field',
    fix: 'this is a bug in wxa-reporter or a proxy changed the body; please report it',
  },
  48001: {
    handling: 'fatal',
    scope: 'api',
    meaning: 'API not authorized for this account',
    fix: 'the Mini Program must be verified (微信认证) and have the data analysis permission; for a third-party platform, the merchant must grant permission set 18 or 21',
  },
  61007: {
    handling: 'fatal',
    scope: 'api',
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
    scope: 'app',
    meaning: 'not supported for mini games',
    fix: 'this AppID is a mini game; the Mini Program datacube APIs do not serve mini games',
  },
  61003: {
    handling: 'fatal',
    scope: 'app',
    meaning: 'the Mini Program has not authorized this third-party platform',
    fix: 'the Mini Program must authorize the platform again (its authorization page); until then it is listed but not called',
  },
  61004: {
    handling: 'fatal',
    scope: 'app',
    meaning: "this machine's IP is not on the third-party platform's whitelist",
    fix: "add the egress IP to the platform's whitelist (开放平台 → 第三方平台 → 开发资料), or use the fixed-IP option of the deployment",
  },
  61005: {
    handling: 'fatal',
    scope: 'app',
    meaning: 'component_verify_ticket expired',
    fix: 'WeChat pushes a new ticket every 10 minutes to the authorization event URL: check that the push endpoint receives and stores it',
  },
  61006: {
    handling: 'fatal',
    scope: 'app',
    meaning: 'component_verify_ticket invalid',
    fix: 'use the latest ticket WeChat pushed (WECHAT_COMPONENT_VERIFY_TICKET, or the stored one); a ticket of another platform does not work',
  },
  61023: {
    handling: 'fatal',
    scope: 'app',
    meaning: 'authorizer_refresh_token invalid',
    fix: 'the Mini Program authorized again (which issues a new refresh token): wxa-reporter takes the current one from api_get_authorizer_list and stores it; if that is refused too, the merchant must authorize the platform again',
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

/**
 * The codes a cloud call (`cloud.openapi.*` in a CloudBase function, the project's relay) answers
 * with itself, beside WeChat's own. Sources: wx-server-sdk's error table (WX_FUNCTIONS_SERVER_OPENAPI_*,
 * TCB_*), 云开发错误码 (developers.weixin.qq.com/miniprogram/dev/wxcloud/reference/errcode.html) and
 * "云调用报错 -604101 如何解决" (docs.cloudbase.net/faq/knowledge/cloud-call-604101-permission-error).
 */
const CLOUDBASE: Readonly<Record<number, Omit<ErrcodeInfo, 'source'>>> = {
  [-604100]: {
    handling: 'fatal',
    scope: 'api',
    meaning: 'the cloud call does not know this API',
    fix: "the relay function's wx-server-sdk is too old for this API: upload cloudbase/wxa-relay again with 上传并部署：云端安装依赖 (it installs the current wx-server-sdk)",
  },
  [-604101]: {
    handling: 'fatal',
    scope: 'api',
    meaning: 'the cloud function has no permission to call this API',
    fix: "the relay's config.json must list this API under permissions.openapi (cloudbase/wxa-relay/config.json lists all ten): upload the function again with its config.json, then wait up to 10 minutes for CloudBase to apply it",
  },
  [-604102]: {
    handling: 'retry',
    meaning: 'the cloud call to WeChat timed out',
    fix: 'transient; retried automatically, run again later if it persists',
  },
  [-604103]: {
    handling: 'retry',
    meaning: 'the cloud call failed inside WeChat (system error)',
    fix: 'transient; retried automatically, run again later if it persists',
  },
  [-604104]: {
    handling: 'fatal',
    scope: 'app',
    meaning: 'the cloud call was made from outside a deployed cloud function',
    fix: 'deploy cloudbase/wxa-relay as a cloud function (上传并部署) and call it through its HTTP access URL; local debugging in DevTools cannot make cloud calls',
  },
  [-601001]: {
    handling: 'retry',
    meaning: 'WeChat system error in the cloud call',
    fix: 'transient; retried automatically',
  },
  [-601003]: {
    handling: 'retry',
    meaning: 'network error between CloudBase and WeChat',
    fix: 'transient; retried automatically',
  },
  [-601004]: {
    handling: 'fatal',
    scope: 'app',
    meaning: 'the cloud call was refused: API permission denied',
    fix: 'the Mini Program must be verified (微信认证) and own the data analysis APIs; check the relay runs in the CloudBase environment of this Mini Program',
  },
  [-501001]: {
    handling: 'retry',
    meaning: 'CloudBase system error',
    fix: 'transient; retried automatically',
  },
  [-501002]: {
    handling: 'retry',
    meaning: 'CloudBase timed out',
    fix: 'transient; retried automatically',
  },
  [-501003]: {
    handling: 'fatal',
    scope: 'app',
    meaning: "the CloudBase environment's request quota is used up",
    fix: "raise the environment's plan (云开发控制台 → 设置 → 套餐) or wait for the quota to renew; the relay makes one call per API and period",
  },
  [-501004]: {
    handling: 'retry',
    meaning: "the CloudBase environment's concurrent request limit was reached",
    fix: 'transient; retried with backoff. Lower --concurrency if it persists',
  },
  [-501005]: {
    handling: 'fatal',
    scope: 'app',
    meaning: 'the CloudBase environment is invalid',
    fix: 'the relay calls cloud.init with DYNAMIC_CURRENT_ENV: deploy it in the environment of this Mini Program, and check the environment is not suspended (欠费/停用)',
  },
};

export function errcodeInfo(errcode: number): ErrcodeInfo {
  const cloudbase = CLOUDBASE[errcode];
  if (cloudbase) return { ...cloudbase, source: 'cloudbase' };
  if (errcode <= -400_000)
    return {
      handling: 'fatal',
      meaning: 'unrecognised CloudBase error',
      source: 'cloudbase',
      fix: "a cloud call error of CloudBase, not WeChat: look it up in 云开发错误码 (developers.weixin.qq.com/miniprogram/dev/wxcloud/reference/errcode.html) and check the relay function's log (云开发控制台 → 云函数 → 日志)",
    };
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
  return printable(
    errmsg
      .replace(/[\s,]*(?:rid|hint):.*$/s, '')
      .replace(/,?\s*more details at\s+\S+/i, '')
      .trim(),
    { max: 200 },
  );
}
