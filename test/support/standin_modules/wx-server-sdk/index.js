// A stand-in for wx-server-sdk in the tests: `cloud.openapi.analysis.<api>` behaves as WeChat's
// cloud call does for the function's own Mini Program. It asks the WeChat simulator (its datacube
// HTTPS API, with the Mini Program's token, as WeChat's back end would) and answers in the cloud
// call's shape: camelCase keys and `errMsg: "openapi.analysis.<api>:ok"`; a refusal is thrown as
// an error with errCode and errMsg, as the real SDK throws it.
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

const camel = (key) => key.replace(/_([a-z])/g, (_m, letter) => letter.toUpperCase());
function camelKeys(value) {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), camelKeys(v)]));
}

async function wechat(path, body) {
  const base = process.env.STANDIN_WECHAT_API;
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json();
}

let token;
async function call(api, params) {
  // config.json decides which APIs a function may call; others fail as WeChat fails them.
  if (!granted.includes(`analysis.${api}`) && !granted.includes(api))
    throw Object.assign(new Error('no permission'), {
      errCode: -604101,
      errMsg: `openapi.analysis.${api}:fail no permission`,
    });
  token ??= (
    await wechat('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: process.env.STANDIN_APPID,
      secret: process.env.STANDIN_APPSECRET,
    })
  ).access_token;
  const answer = await wechat(`/datacube/${PATHS[api]}?access_token=${token}`, {
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
