/**
 * The two shapes a datacube answer comes in. The HTTPS API answers in snake_case with `errcode` and
 * `errmsg` on failure; the cloud call (`cloud.openapi.analysis.*` in a CloudBase function) answers
 * the same data in camelCase with `errMsg` ("openapi.analysis.getDailyVisitTrend:ok") and, on
 * failure, `errCode`. The archive keeps the bytes as received; readers see the HTTPS shape.
 */
export type AnswerShape = 'https' | 'cloud-call';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `cloud-call` for an answer with the cloud call's `errMsg`/`errCode` envelope, `https` otherwise. */
export function answerShape(json: unknown): AnswerShape {
  return isObject(json) && ('errMsg' in json || 'errCode' in json) && !('errcode' in json) ? 'cloud-call' : 'https';
}

const snake = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [snake(key), snakeKeys(inner)]));
}

/**
 * The answer in the HTTPS shape: a cloud-call answer's keys in snake_case, its `errCode`/`errMsg`
 * as `errcode`/`errmsg` (a success carries no errcode, as over HTTPS). An HTTPS answer is returned as is.
 */
export function asHttpsShape(json: unknown): unknown {
  if (answerShape(json) === 'https') return json;
  const { errCode, errMsg, ...data } = json as Record<string, unknown>;
  const converted = snakeKeys(data) as Record<string, unknown>;
  const failed = typeof errCode === 'number' && errCode !== 0;
  return failed ? { ...converted, errcode: errCode, errmsg: errMsg } : converted;
}
