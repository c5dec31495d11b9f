// The relay's logic, apart from wx-server-sdk so that it runs (and is tested) anywhere: an HTTP
// request from wxa-reporter, authenticated by an HMAC over its exact body, becomes one cloud call
// `openapi.analysis.<api>({ beginDate, endDate })`, whose answer goes back unchanged as JSON.
const { createHmac, timingSafeEqual } = require('node:crypto');

/** The datacube APIs the relay calls; config.json grants each of them. */
const APIS = [
  'getDailyVisitTrend',
  'getMonthlyRetain',
  'getDailySummary',
  'getWeeklyVisitTrend',
  'getMonthlyVisitTrend',
  'getDailyRetain',
  'getWeeklyRetain',
  'getVisitDistribution',
  'getVisitPage',
  'getUserPortrait',
];
/** A request older or newer than this is refused: a captured one cannot be replayed later. */
const MAX_SKEW_SECONDS = 300;
const MAX_BODY_BYTES = 4096;

const answer = (statusCode, json) => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(json),
  isBase64Encoded: false,
});
const refuse = (statusCode, reason) => answer(statusCode, { errMsg: `wxa-relay: ${reason}` });

function signature(secret, timestamp, nonce, body) {
  return createHmac('sha256', secret).update(`${timestamp}\n${nonce}\n${body}`).digest('hex');
}

function header(headers, name) {
  for (const [key, value] of Object.entries(headers || {})) if (key.toLowerCase() === name) return String(value);
  return undefined;
}

/** The request's checks, in order; the first that fails answers, nothing is called. */
function check(event, secret, now) {
  if (!secret || secret.length < 32)
    return { refused: refuse(500, 'WXA_RELAY_SECRET is not set (at least 32 characters)') };
  if ((event.httpMethod || 'POST').toUpperCase() !== 'POST') return { refused: refuse(405, 'POST only') };
  const body = event.isBase64Encoded ? Buffer.from(event.body || '', 'base64').toString('utf8') : event.body || '';
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) return { refused: refuse(413, 'request too large') };
  const refusal = authenticate(event.headers, body, secret, now);
  if (refusal) return { refused: refusal };
  let request;
  try {
    request = JSON.parse(body);
  } catch {
    return { refused: refuse(400, 'the body is not JSON') };
  }
  const { api, beginDate, endDate } = request || {};
  if (!APIS.includes(api)) return { refused: refuse(400, `api must be one of ${APIS.join(', ')}`) };
  if (!/^\d{8}$/.test(beginDate) || !/^\d{8}$/.test(endDate))
    return { refused: refuse(400, 'beginDate and endDate must be dates yyyymmdd') };
  return { api, beginDate, endDate };
}

function authenticate(headers, body, secret, now) {
  const timestamp = header(headers, 'x-wxa-timestamp');
  const nonce = header(headers, 'x-wxa-nonce');
  const given = header(headers, 'x-wxa-signature');
  if (!timestamp || !nonce || !given) return refuse(401, 'unsigned request');
  if (!/^\d+$/.test(timestamp) || Math.abs(now() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS)
    return refuse(401, 'stale or future timestamp');
  const expected = Buffer.from(signature(secret, timestamp, nonce, body), 'hex');
  const received = Buffer.from(given, 'hex');
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) return refuse(401, 'bad signature');
  return undefined;
}

/**
 * The cloud function's handler for CloudBase's HTTP access (集成请求): `event` carries httpMethod,
 * headers, body and isBase64Encoded; the returned object with statusCode is the HTTP answer.
 */
function createRelay({ openapi, secret, now = () => Date.now() }) {
  return async function main(event) {
    const checked = check(event || {}, secret, now);
    if (checked.refused) return checked.refused;
    try {
      return answer(
        200,
        await openapi.analysis[checked.api]({ beginDate: checked.beginDate, endDate: checked.endDate }),
      );
    } catch (error) {
      // wx-server-sdk throws WeChat's refusals with errCode and errMsg: handed back as the answer,
      // so the reporter reads them as it reads an errcode (61503: not computed yet, and so on).
      if (error && typeof error.errCode === 'number')
        return answer(200, { errCode: error.errCode, errMsg: String(error.errMsg || '') });
      return refuse(502, 'the cloud call failed');
    }
  };
}

module.exports = { APIS, createRelay, signature };
