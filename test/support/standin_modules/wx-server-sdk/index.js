// A stand-in for wx-server-sdk in the tests: `cloud.openapi.analysis.<api>` behaves as WeChat's
// cloud call does for the function's own Mini Program. It asks the WeChat simulator (its datacube
// HTTPS API, with the Mini Program's token, as WeChat's back end would) and answers in the cloud
// call's shape: camelCase keys and `errMsg: "openapi.analysis.<api>:ok"`; a refusal is thrown as
// an error with errCode and errMsg, as the real SDK throws it. CloudBase's own codes come where the
// real service gives them (wx-server-sdk's WX_FUNCTIONS_SERVER_OPENAPI_* and TCB_* codes):
//   -604100  an API the cloud-call service does not know (STANDIN_KNOWN_APIS leaves it out)
//   -604101  an API the function's config.json does not grant (STANDIN_PERMISSIONS)
//   -604102  WeChat did not answer within STANDIN_OPENAPI_TIMEOUT_MS (default 5000)
//   -604103  WeChat answered with something that is not an answer (HTTP 5xx, not JSON, no connection)
//   -604104  the function is not running in CloudBase (STANDIN_SOURCE=devtools, local debugging)
//   -501003  the environment's request quota is used up (after STANDIN_ENV_QUOTA calls)
const PATHS = {
  getDailyVisitTrend: 'getweanalysisappiddailyvisittrend',
  getMonthlyRetain: 'getweanalysisappidmonthlyretaininfo',
  getDailySummary: 'getweanalysisappiddailysummarytrend',
  getWeeklyVisitTrend: 'getweanalysisappidweeklyvisittrend',
  getMonthlyVisitTrend: 'getweanalysisappidmonthlyvisittrend',
  getDailyRetain: 'getweanalysisappiddailyretaininfo',
  getWeeklyRetain: 'getweanalysisappidweeklyretaininfo',
  getVisitDistribution: 'getweanalysisappidvisitdistribution',
  getVisitPage: 'getweanalysisappidvisitpage',
  getUserPortrait: 'getweanalysisappiduserportrait',
};
const granted = (process.env.STANDIN_PERMISSIONS || Object.keys(PATHS).join(',')).split(',');
const known = (process.env.STANDIN_KNOWN_APIS || Object.keys(PATHS).join(',')).split(',');
const timeoutMs = Number(process.env.STANDIN_OPENAPI_TIMEOUT_MS || 5000);
const quota =
  process.env.STANDIN_ENV_QUOTA === undefined ? Number.POSITIVE_INFINITY : Number(process.env.STANDIN_ENV_QUOTA);
let calls = 0;

/** A CloudBase refusal, as wx-server-sdk throws it. */
function cloudError(api, errCode, reason) {
  return Object.assign(new Error(`errCode: ${errCode} ${reason} | errMsg: system error: error code: ${errCode}`), {
    errCode,
    errMsg: `openapi.analysis.${api}:fail system error: error code: ${errCode}`,
  });
}

const camel = (key) => key.replace(/_([a-z])/g, (_m, letter) => letter.toUpperCase());
function camelKeys(value) {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), camelKeys(v)]));
}

async function wechat(api, path, body) {
  const base = process.env.STANDIN_WECHAT_API;
  let res;
  try {
    res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if (error && error.name === 'TimeoutError') throw cloudError(api, -604102, 'call open API timeout');
    throw cloudError(api, -604103, 'call open API system error');
  }
  if (res.status >= 500) throw cloudError(api, -604103, 'call open API system error');
  try {
    return await res.json();
  } catch {
    throw cloudError(api, -604103, 'call open API system error');
  }
}

let token;
async function call(api, params) {
  if (process.env.STANDIN_SOURCE === 'devtools') throw cloudError(api, -604104, 'illegal source of invocation');
  calls += 1;
  if (calls > quota) throw cloudError(api, -501003, 'exceed request limit');
  if (!known.includes(api)) throw cloudError(api, -604100, 'API not found');
  // config.json decides which APIs a function may call; others fail as WeChat fails them.
  if (!granted.includes(`analysis.${api}`) && !granted.includes(api))
    throw cloudError(api, -604101, 'function has no permission to call this API');
  token ??= (
    await wechat(api, '/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: process.env.STANDIN_APPID,
      secret: process.env.STANDIN_APPSECRET,
    })
  ).access_token;
  const answer = await wechat(api, `/datacube/${PATHS[api]}?access_token=${token}`, {
    begin_date: params.beginDate,
    end_date: params.endDate,
  });
  if (answer.errcode) {
    throw Object.assign(new Error(answer.errmsg), {
      errCode: answer.errcode,
      errMsg: `openapi.analysis.${api}:fail ${answer.errmsg}`,
    });
  }
  return { ...camelKeys(answer), errMsg: `openapi.analysis.${api}:ok` };
}

const analysis = Object.fromEntries(Object.keys(PATHS).map((api) => [api, (params) => call(api, params)]));

module.exports = {
  DYNAMIC_CURRENT_ENV: Symbol('DYNAMIC_CURRENT_ENV'),
  init() {},
  openapi: { analysis },
};
