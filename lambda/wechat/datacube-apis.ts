import * as z from 'zod/mini';
import { archiveKeys } from '../archive/archive.js';
import {
  addDays,
  beijingToday,
  type IsoDate,
  isValidIsoDate,
  toCompactDate,
  weekday,
  type YearMonth,
} from '../calendar/beijing-calendar.js';
import type { DatacubeEndpoint, DatacubeRequest } from './datacube-endpoints.js';
import {
  dailyVisitTrendEndpoint,
  monthlyRetainEndpoint,
  naturalMonthRequest,
  singleDayRequest,
  validateSchema,
} from './datacube-endpoints.js';
import { InvalidRequestError, WechatResponseError } from './errors.js';
import { count, measure, visitTrendMetrics } from './schemas.js';

/**
 * The rest of the datacube's analysis APIs, archived as WeChat sends them. Each is one entry of
 * DATACUBE_APIS: its path, the kind of period it takes (with WeChat's rule for it, checked before
 * anything is sent), a schema of its answer and its names in the CLI, the archive and SQL. Adding
 * an API is one more entry (and its simulator data).
 */

/** What one API is asked for: a day, a natural week (its Monday), a natural month, or a portrait window. */
export type PeriodKind = 'day' | 'week' | 'month' | 'portrait';

/** A user-portrait window: the last 1, 7 or 30 days up to `end`. */
export interface PortraitWindow {
  readonly end: IsoDate;
  readonly days: 1 | 7 | 30;
}

export type PeriodOf<K extends PeriodKind> = K extends 'month'
  ? YearMonth
  : K extends 'portrait'
    ? PortraitWindow
    : IsoDate;

const retention = z.array(z.object({ key: z.int().check(z.nonnegative()), value: count }));
// ref_date is checked against the period asked ("20261116-20261122", "202610") after parsing.
const trendItem = z.looseObject({ ref_date: z.string(), ...visitTrendMetrics });
const portraitItem = z.looseObject({
  id: z.optional(z.int()),
  name: z.string(),
  value: z.optional(count),
  access_source_visit_uv: z.optional(count),
});
const portrait = z.looseObject({
  index: z.optional(z.unknown()),
  province: z.optional(z.array(portraitItem)),
  city: z.optional(z.array(portraitItem)),
  genders: z.optional(z.array(portraitItem)),
  platforms: z.optional(z.array(portraitItem)),
  devices: z.optional(z.array(portraitItem)),
  ages: z.optional(z.array(portraitItem)),
});

export const DAILY_RETAIN_KEYS = [0, 1, 2, 3, 4, 5, 6, 7, 14, 30] as const;
export const WEEKLY_RETAIN_KEYS = [0, 1, 2, 3, 4] as const;

export const datacubeSchemas = {
  dailySummary: z.looseObject({
    list: z.array(
      z.looseObject({
        ref_date: z.string(),
        visit_total: z.optional(count),
        share_pv: z.optional(count),
        share_uv: z.optional(count),
      }),
    ),
  }),
  visitTrend: z.looseObject({ list: z.array(trendItem) }),
  retain: z.looseObject({ ref_date: z.string(), visit_uv_new: z.optional(retention), visit_uv: z.optional(retention) }),
  visitDistribution: z.looseObject({
    ref_date: z.string(),
    list: z.array(
      z.looseObject({
        index: z.string(),
        // Real answers carry a fourth distribution, access_source_visit_uv, and some items carry
        // access_source_visit_uv beside value: every number is kept.
        item_list: z.array(z.looseObject({ key: z.int(), value: count, access_source_visit_uv: z.optional(count) })),
      }),
    ),
  }),
  visitPage: z.looseObject({
    ref_date: z.string(),
    list: z.array(
      z.looseObject({
        page_path: z.string(),
        page_visit_pv: z.optional(count),
        page_visit_uv: z.optional(count),
        page_staytime_pv: z.optional(measure),
        entrypage_pv: z.optional(count),
        exitpage_pv: z.optional(count),
        page_share_pv: z.optional(count),
        page_share_uv: z.optional(count),
      }),
    ),
  }),
  userPortrait: z.looseObject({
    ref_date: z.string(),
    visit_uv_new: z.optional(portrait),
    visit_uv: z.optional(portrait),
  }),
};

export type DailySummaryBody = z.infer<typeof datacubeSchemas.dailySummary>;
export type VisitTrendBody = z.infer<typeof datacubeSchemas.visitTrend>;
export type RetainBody = z.infer<typeof datacubeSchemas.retain>;
export type VisitDistributionBody = z.infer<typeof datacubeSchemas.visitDistribution>;
export type VisitPageBody = z.infer<typeof datacubeSchemas.visitPage>;
export type UserPortraitBody = z.infer<typeof datacubeSchemas.userPortrait>;

/** A natural week, Monday to Sunday, that has ended in Beijing. */
export function naturalWeekRequest(api: string, monday: IsoDate, now: Date): DatacubeRequest {
  if (!isValidIsoDate(monday))
    throw new InvalidRequestError(`${api}: "${monday}" is not a date in the form YYYY-MM-DD`);
  const lastEnded = lastCompleteWeek(now);
  if (weekday(monday) !== 1) {
    const start = addDays(monday, -((weekday(monday) + 6) % 7));
    throw new InvalidRequestError(
      `${api}: a week runs Monday to Sunday and is named by its Monday; ${monday} is not a Monday (its week starts on ${start})`,
    );
  }
  if (monday > lastEnded) {
    throw new InvalidRequestError(
      `${api}: the week of ${monday} has not ended in Beijing yet; weekly data covers whole natural weeks, the latest starts on ${lastEnded}`,
    );
  }
  return { begin_date: toCompactDate(monday), end_date: toCompactDate(addDays(monday, 6)) };
}

/** The Monday of the last natural week that has ended in Beijing. */
export function lastCompleteWeek(now: Date): IsoDate {
  const today = beijingToday(now);
  const thisMonday = addDays(today, -((weekday(today) + 6) % 7));
  return addDays(thisMonday, -7);
}

/** The last 1, 7 or 30 days up to a day that has ended in Beijing. */
export function portraitRequest(api: string, window: PortraitWindow, now: Date): DatacubeRequest {
  if (![1, 7, 30].includes(window.days)) {
    throw new InvalidRequestError(
      `${api}: the window is 1, 7 or 30 days (begin and end 0, 6 or 29 days apart), not ${window.days}`,
    );
  }
  const { end_date } = singleDayRequest(api, window.end, now);
  return { begin_date: toCompactDate(addDays(window.end, 1 - window.days)), end_date };
}

/**
 * The `ref_date`s an answer may carry for the period asked, the documented one first. A 7- or 30-day
 * portrait window comes as the range ("20170611-20170617", the field table) or as its first day
 * ("20170611", WeChat's own example and real answers); nothing else is accepted.
 */
function expectedRefDates(kind: PeriodKind, period: unknown): string[] {
  if (kind === 'day') return [toCompactDate(period as IsoDate)];
  if (kind === 'month') return [(period as YearMonth).replace('-', '')];
  const range =
    kind === 'week'
      ? { begin: period as IsoDate, days: 7 }
      : {
          begin: addDays((period as PortraitWindow).end, 1 - (period as PortraitWindow).days),
          days: (period as PortraitWindow).days,
        };
  const begin = toCompactDate(range.begin);
  const end = toCompactDate(addDays(range.begin, range.days - 1));
  if (kind === 'portrait') return range.days === 1 ? [begin, `${begin}-${end}`] : [`${begin}-${end}`, begin];
  return [`${begin}-${end}`];
}

function checkRefDate(api: string, kind: PeriodKind, period: unknown, refDate: string): void {
  const expected = expectedRefDates(kind, period);
  if (!expected.includes(refDate))
    throw new WechatResponseError(api, `asked for ${expected[0]}, the answer is for ref_date ${refDate}`);
}

export interface DatacubeApi<K extends PeriodKind = PeriodKind, Body = unknown>
  extends DatacubeEndpoint<PeriodOf<K>, Body> {
  readonly kind: K;
  /** `wxa-report fetch <cli>`. */
  readonly cli: string;
  /** The archive folder under `raw/`. */
  readonly folder: string;
  /** The table in Athena and in `wxa-report query`. */
  readonly table: string;
}

function api<K extends PeriodKind, S extends z.ZodMiniType>(spec: {
  name: string;
  path: string;
  kind: K;
  cli: string;
  folder: string;
  table: string;
  schema: S;
  /** Whether an answer holds no data yet (WeChat answers an empty list before computing a period). */
  empty: (body: z.infer<S>) => boolean;
  refDate: (body: z.infer<S>) => string | undefined;
}): DatacubeApi<K, z.infer<S>> {
  const request = (period: PeriodOf<K>, now: Date): DatacubeRequest => {
    if (spec.kind === 'day') return singleDayRequest(spec.name, period as IsoDate, now);
    if (spec.kind === 'week') return naturalWeekRequest(spec.name, period as IsoDate, now);
    if (spec.kind === 'month') return naturalMonthRequest(spec.name, period as YearMonth, now);
    return portraitRequest(spec.name, period as PortraitWindow, now);
  };
  return {
    name: spec.name,
    path: `/datacube/${spec.path}`,
    kind: spec.kind,
    cli: spec.cli,
    folder: spec.folder,
    table: spec.table,
    request,
    parse(json, period) {
      const body = validateSchema(spec.name, spec.schema, json);
      if (spec.empty(body)) return undefined;
      const refDate = spec.refDate(body);
      if (refDate !== undefined) checkRefDate(spec.name, spec.kind, period, refDate);
      return body;
    },
  };
}

const firstRef = (body: { list: readonly { ref_date: string }[] }) => body.list[0]?.ref_date;
const noRetention = (body: RetainBody) => !body.visit_uv?.length && !body.visit_uv_new?.length;

export const dailySummaryApi = api({
  name: 'getDailySummary',
  path: 'getweanalysisappiddailysummarytrend',
  kind: 'day',
  cli: 'daily-summary',
  folder: 'daily-summary',
  table: 'daily_summary',
  schema: datacubeSchemas.dailySummary,
  empty: (b) => b.list.length === 0,
  refDate: firstRef,
});
export const weeklyVisitTrendApi = api({
  name: 'getWeeklyVisitTrend',
  path: 'getweanalysisappidweeklyvisittrend',
  kind: 'week',
  cli: 'weekly-trend',
  folder: 'weekly-visit-trend',
  table: 'weekly_visit_trend',
  schema: datacubeSchemas.visitTrend,
  empty: (b) => b.list.length === 0,
  refDate: firstRef,
});
export const monthlyVisitTrendApi = api({
  name: 'getMonthlyVisitTrend',
  path: 'getweanalysisappidmonthlyvisittrend',
  kind: 'month',
  cli: 'monthly-trend',
  folder: 'monthly-visit-trend',
  table: 'monthly_visit_trend',
  schema: datacubeSchemas.visitTrend,
  empty: (b) => b.list.length === 0,
  refDate: firstRef,
});
export const dailyRetainApi = api({
  name: 'getDailyRetain',
  path: 'getweanalysisappiddailyretaininfo',
  kind: 'day',
  cli: 'daily-retain',
  folder: 'daily-retain',
  table: 'daily_retain',
  schema: datacubeSchemas.retain,
  empty: noRetention,
  refDate: (b) => b.ref_date,
});
export const weeklyRetainApi = api({
  name: 'getWeeklyRetain',
  path: 'getweanalysisappidweeklyretaininfo',
  kind: 'week',
  cli: 'weekly-retain',
  folder: 'weekly-retain',
  table: 'weekly_retain',
  schema: datacubeSchemas.retain,
  empty: noRetention,
  refDate: (b) => b.ref_date,
});
export const visitDistributionApi = api({
  name: 'getVisitDistribution',
  path: 'getweanalysisappidvisitdistribution',
  kind: 'day',
  cli: 'visit-distribution',
  folder: 'visit-distribution',
  table: 'visit_distribution',
  schema: datacubeSchemas.visitDistribution,
  empty: (b) => b.list.length === 0,
  refDate: (b) => b.ref_date,
});
export const visitPageApi = api({
  name: 'getVisitPage',
  path: 'getweanalysisappidvisitpage',
  kind: 'day',
  cli: 'visit-page',
  folder: 'visit-page',
  table: 'visit_page',
  schema: datacubeSchemas.visitPage,
  empty: (b) => b.list.length === 0,
  refDate: (b) => b.ref_date,
});
export const userPortraitApi = api({
  name: 'getUserPortrait',
  path: 'getweanalysisappiduserportrait',
  kind: 'portrait',
  cli: 'user-portrait',
  folder: 'user-portrait',
  table: 'user_portrait',
  schema: datacubeSchemas.userPortrait,
  empty: (b) => !b.visit_uv && !b.visit_uv_new,
  refDate: (b) => b.ref_date,
});

/** Every API beyond the visit trend and the monthly retention, by CLI name. */
export const DATACUBE_APIS = [
  dailySummaryApi,
  weeklyVisitTrendApi,
  monthlyVisitTrendApi,
  dailyRetainApi,
  weeklyRetainApi,
  visitDistributionApi,
  visitPageApi,
  userPortraitApi,
] as const;

export type AnyDatacubeApi = (typeof DATACUBE_APIS)[number];

/** The archive partition of a period: `dt=…`, `week=…` (its Monday), `month=…`, `days=N/dt=…`. */
export function partitionOf(kind: PeriodKind, period: unknown): string {
  if (kind === 'day') return `dt=${period as IsoDate}`;
  if (kind === 'week') return `week=${period as IsoDate}`;
  if (kind === 'month') return `month=${period as YearMonth}`;
  const window = period as PortraitWindow;
  return `days=${window.days}/dt=${window.end}`;
}

/** An API as the archive sees it: what to call, for which kind of period, and where it goes. */
export interface ArchivedApi {
  readonly cli: string;
  readonly kind: PeriodKind;
  readonly folder: string;
  readonly endpoint: DatacubeEndpoint<never, unknown>;
}

/** All ten analysis APIs, the first two under their `fetch` names (`daily`, `monthly`). */
export const ARCHIVED_APIS: readonly ArchivedApi[] = [
  {
    cli: 'daily',
    kind: 'day',
    folder: 'daily-visit-trend',
    endpoint: dailyVisitTrendEndpoint as DatacubeEndpoint<never, unknown>,
  },
  {
    cli: 'monthly',
    kind: 'month',
    folder: 'monthly-retain',
    endpoint: monthlyRetainEndpoint as DatacubeEndpoint<never, unknown>,
  },
  ...DATACUBE_APIS.map((api) => ({
    cli: api.cli,
    kind: api.kind,
    folder: api.folder,
    endpoint: api as DatacubeEndpoint<never, unknown>,
  })),
];

export function archivedApi(cli: string): ArchivedApi | undefined {
  return ARCHIVED_APIS.find((a) => a.cli === cli);
}

/** Where an answer is archived, for any of the ten. */
export function archiveKey(api: Pick<ArchivedApi, 'folder' | 'kind'>, appid: string, period: unknown): string {
  return archiveKeys.raw(api.folder, appid, partitionOf(api.kind, period));
}

/** The APIs of a deployment's `archive.apis` (names already validated by the config schema). */
export function archivedApis(names: readonly string[]): ArchivedApi[] {
  return names.map((name) => archivedApi(name)).filter((api): api is ArchivedApi => api !== undefined);
}
