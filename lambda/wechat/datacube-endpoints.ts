import type * as z from 'zod/mini';
import {
  addDays,
  beijingToday,
  fromCompactDate,
  type IsoDate,
  isValidIsoDate,
  lastDayOfMonth,
  toCompactDate,
  type YearMonth,
} from '../calendar/beijing-calendar.js';
import { DAILY_METRICS, type DailyMetric, type DailyVisitTrend } from '../domain/daily-visit-trend.js';
import type { MonthlyRetention, RetentionPair } from '../domain/monthly-retention.js';
import { asHttpsShape } from './answer-shape.js';
import { InvalidRequestError, WechatResponseError } from './errors.js';
import { dailyVisitTrendResponseSchema, describeZodError, monthlyRetainResponseSchema } from './schemas.js';

/** The body every datacube API takes. */
export interface DatacubeRequest {
  readonly begin_date: string;
  readonly end_date: string;
}

/**
 * One datacube API: where it lives, how its period is checked before sending, and how its answer
 * becomes a domain value. Adding one of the other datacube calls is one more of these.
 */
export interface DatacubeEndpoint<Period, Value> {
  readonly name: string;
  readonly path: string;
  /** Refuses a bad period with InvalidRequestError, before anything is sent. */
  request(period: Period, now: Date): DatacubeRequest;
  /** The parsed value, or `undefined` when WeChat answered with no data yet. */
  parse(json: unknown, period: Period): Value | undefined;
}

/** The answer checked against its schema, in either shape (HTTPS or cloud call). */
export function validateSchema<S extends z.ZodMiniType>(api: string, schema: S, json: unknown): z.infer<S> {
  const result = schema.safeParse(asHttpsShape(json));
  if (!result.success) {
    throw new WechatResponseError(
      api,
      `the answer does not have the documented shape: ${describeZodError(result.error)}`,
    );
  }
  return result.data;
}

/** A single day no later than yesterday in Beijing (today's data is never final). */
export function singleDayRequest(api: string, date: IsoDate, now: Date): DatacubeRequest {
  if (!isValidIsoDate(date)) throw new InvalidRequestError(`${api}: "${date}" is not a date in the form YYYY-MM-DD`);
  const yesterday = addDays(beijingToday(now), -1);
  if (date > yesterday) {
    throw new InvalidRequestError(
      `${api}: ${date} has not ended in Beijing yet; the latest day WeChat can report is ${yesterday} (Asia/Shanghai)`,
    );
  }
  return { begin_date: toCompactDate(date), end_date: toCompactDate(date) };
}

/** The first to the last day of a natural month that has ended in Beijing. */
export function naturalMonthRequest(api: string, month: YearMonth, now: Date): DatacubeRequest {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    throw new InvalidRequestError(`${api}: "${month}" is not a month in the form YYYY-MM`);
  }
  const thisMonth = beijingToday(now).slice(0, 7);
  if (month >= thisMonth) {
    throw new InvalidRequestError(
      `${api}: ${month} has not ended in Beijing yet; monthly data covers whole natural months, the latest is ${lastEnded(thisMonth)}`,
    );
  }
  return { begin_date: toCompactDate(`${month}-01`), end_date: toCompactDate(lastDayOfMonth(month)) };
}

function lastEnded(thisMonth: YearMonth): YearMonth {
  const [y, m] = thisMonth.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

export const dailyVisitTrendEndpoint: DatacubeEndpoint<IsoDate, DailyVisitTrend> = {
  name: 'getDailyVisitTrend',
  path: '/datacube/getweanalysisappiddailyvisittrend',
  request: (date, now) => singleDayRequest('getDailyVisitTrend', date, now),
  parse(json, date) {
    const api = 'getDailyVisitTrend';
    const body = validateSchema(api, dailyVisitTrendResponseSchema, json);
    if (body.list.length === 0) return undefined;
    if (body.list.length > 1)
      throw new WechatResponseError(api, `asked for one day, got ${body.list.length} entries in list`);
    const { ref_date, ...rest } = body.list[0] as NonNullable<(typeof body.list)[0]>;
    const answered = fromCompactDate(ref_date);
    if (answered !== date)
      throw new WechatResponseError(api, `asked for ${date}, the answer is for ref_date ${ref_date}`);
    const metrics: Partial<Record<DailyMetric, number>> = {};
    for (const key of DAILY_METRICS) {
      const value = rest[key];
      if (value !== undefined) metrics[key] = value;
    }
    return { date, metrics };
  },
};

export const monthlyRetainEndpoint: DatacubeEndpoint<YearMonth, MonthlyRetention> = {
  name: 'getMonthlyRetain',
  path: '/datacube/getweanalysisappidmonthlyretaininfo',
  request: (month, now) => naturalMonthRequest('getMonthlyRetain', month, now),
  parse(json, month) {
    const api = 'getMonthlyRetain';
    const body = validateSchema(api, monthlyRetainResponseSchema, json);
    if (body.ref_date !== month.replace('-', '')) {
      throw new WechatResponseError(api, `asked for ${month}, the answer is for ref_date ${body.ref_date}`);
    }
    const toPair = (entries: ReadonlyArray<{ key: number; value: number }> | undefined): RetentionPair => ({
      month: entries?.find((e) => e.key === 0)?.value,
      nextMonth: entries?.find((e) => e.key === 1)?.value,
    });
    const newUsers = toPair(body.visit_uv_new);
    const activeUsers = toPair(body.visit_uv);
    if (newUsers.month === undefined && activeUsers.month === undefined) return undefined;
    return { month, newUsers, activeUsers };
  },
};
