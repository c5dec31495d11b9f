import {
  addDays,
  daysBetween,
  daysOfMonth,
  type IsoDate,
  lastDayOfMonth,
  toCompactDate,
  weekday,
  type YearMonth,
} from '../calendar/beijing-calendar.js';
import { DAILY_RETAIN_KEYS, type PortraitWindow, WEEKLY_RETAIN_KEYS } from '../wechat/datacube-apis.js';
import type { SimulatorEndpoint } from './faults.js';
import { type DailyVisitTrendItem, leavingOut, random, simulatedDailyVisitTrend } from './simulated-data.js';

// Deterministic answers of the other datacube APIs, derived from the same simulated days, so that
// a week's visitors relate to its days and a page's visits to the day's: SQL over the archive
// shows figures that hang together.

const between = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** getDailySummary: cumulative users (growing with the app's new users) and shares of the day. */
export function simulatedDailySummary(appid: string, date: IsoDate) {
  const day = simulatedDailyVisitTrend(appid, date);
  const r = random(`summary:${appid}:${date}`);
  // Users before the simulated history began, then every new user of the last year.
  const history = Array.from(
    { length: 365 },
    (_, i) => simulatedDailyVisitTrend(appid, addDays(date, -i)).visit_uv_new,
  );
  const visitTotal = Math.round(day.visit_uv * 40 + sum(history));
  const sharePv = Math.round(day.visit_pv * between(r, 0.01, 0.03));
  return {
    list: [
      {
        ref_date: toCompactDate(date),
        visit_total: visitTotal,
        share_pv: sharePv,
        share_uv: Math.round(sharePv * between(r, 0.6, 0.8)),
      },
    ],
  };
}

function aggregate(appid: string, days: readonly IsoDate[], dedup: number, refDate: string) {
  const items: DailyVisitTrendItem[] = days.map((d) => simulatedDailyVisitTrend(appid, d));
  const sessions = sum(items.map((i) => i.session_cnt));
  const pv = sum(items.map((i) => i.visit_pv));
  const uv = Math.round(sum(items.map((i) => i.visit_uv)) * dedup);
  const staySeconds = sum(items.map((i) => i.stay_time_session * i.session_cnt));
  const item = {
    ref_date: refDate,
    session_cnt: sessions,
    visit_pv: pv,
    visit_uv: uv,
    visit_uv_new: sum(items.map((i) => i.visit_uv_new)),
    stay_time_uv: round4(staySeconds / uv),
    stay_time_session: round4(staySeconds / sessions),
    visit_depth: round4(pv / sessions),
  };
  return { list: [leavingOut(`trend:${appid}:${refDate}`, item, ['stay_time_uv'])] };
}

const weekDays = (monday: IsoDate) => Array.from({ length: 7 }, (_, i) => addDays(monday, i));
const range = (begin: IsoDate, days: number) => `${toCompactDate(begin)}-${toCompactDate(addDays(begin, days - 1))}`;

export function simulatedWeeklyVisitTrend(appid: string, monday: IsoDate) {
  return aggregate(appid, weekDays(monday), between(random(`wdedup:${appid}`), 0.55, 0.7), range(monday, 7));
}

export function simulatedMonthlyVisitTrend(appid: string, month: YearMonth) {
  return aggregate(appid, daysOfMonth(month), between(random(`mdedup:${appid}`), 0.3, 0.45), month.replace('-', ''));
}

/** Retention after k periods decays like a power law; a key exists only once its period has ended. */
function retention(
  seed: string,
  base: number,
  keys: readonly number[],
  available: (key: number) => boolean,
  floor: number,
) {
  const r = random(seed);
  const decay = between(r, 0.35, 0.55);
  return keys
    .filter((k) => k === 0 || available(k))
    .map((k) => ({ key: k, value: k === 0 ? base : Math.round(base * (floor + (1 - floor) * 0.35 * k ** -decay)) }));
}

export function simulatedDailyRetain(appid: string, date: IsoDate, yesterday: IsoDate) {
  const day = simulatedDailyVisitTrend(appid, date);
  const available = (k: number) => addDays(date, k) <= yesterday;
  return {
    ref_date: toCompactDate(date),
    visit_uv_new: retention(`dret-new:${appid}:${date}`, day.visit_uv_new, DAILY_RETAIN_KEYS, available, 0.05),
    visit_uv: retention(`dret:${appid}:${date}`, day.visit_uv, DAILY_RETAIN_KEYS, available, 0.15),
  };
}

export function simulatedWeeklyRetain(appid: string, monday: IsoDate, yesterday: IsoDate) {
  const week = simulatedWeeklyVisitTrend(appid, monday).list[0];
  const available = (k: number) => addDays(monday, 7 * k + 6) <= yesterday;
  return {
    ref_date: range(monday, 7),
    visit_uv_new: retention(
      `wret-new:${appid}:${monday}`,
      week?.visit_uv_new ?? 0,
      WEEKLY_RETAIN_KEYS,
      available,
      0.08,
    ),
    visit_uv: retention(`wret:${appid}:${monday}`, week?.visit_uv ?? 0, WEEKLY_RETAIN_KEYS, available, 0.2),
  };
}

/** Splits `total` over `keys` with deterministic weights. */
function spread(seed: string, total: number, keys: readonly number[], skew = 1.5) {
  const r = random(seed);
  const weights = keys.map((_, i) => between(r, 0.5, 1.5) / (i + 1) ** skew);
  const all = sum(weights);
  return keys
    .map((key, i) => ({ key, value: Math.round((total * (weights[i] ?? 0)) / all) }))
    .filter((e) => e.value > 0);
}

const SOURCES = [1, 3, 2, 4, 7, 8, 6, 10, 18, 22, 5, 12];

/**
 * getVisitDistribution as real Mini Programs get it: besides the three documented distributions, a
 * fourth, `access_source_visit_uv` (visitors by source); on some days the source items also carry
 * `access_source_visit_uv` beside `value`.
 */
export function simulatedVisitDistribution(appid: string, date: IsoDate) {
  const day = simulatedDailyVisitTrend(appid, date);
  const visitors = spread(`srcuv:${appid}:${date}`, day.visit_uv, SOURCES);
  const r = random(`srcitems:${appid}:${date}`);
  const withVisitors = r() < 0.3;
  const sources = spread(`src:${appid}:${date}`, day.session_cnt, SOURCES).map((item) => {
    const uv = visitors.find((v) => v.key === item.key)?.value;
    return withVisitors && uv !== undefined ? { ...item, access_source_visit_uv: Math.min(uv, item.value) } : item;
  });
  return {
    ref_date: toCompactDate(date),
    list: [
      { index: 'access_source_session_cnt', item_list: sources },
      { index: 'access_source_visit_uv', item_list: visitors },
      {
        index: 'access_staytime_info',
        item_list: spread(`stay:${appid}:${date}`, day.session_cnt, [4, 3, 5, 2, 6, 7, 1, 8], 0.6),
      },
      {
        index: 'access_depth_info',
        item_list: spread(`depth:${appid}:${date}`, day.session_cnt, [2, 1, 3, 4, 5, 6, 7], 0.9),
      },
    ],
  };
}

export const SIMULATED_PAGES = [
  'pages/index/index',
  'pages/goods/detail',
  'pages/category/list',
  'pages/search/search',
  'pages/cart/cart',
  'pages/order/confirm',
  'pages/user/center',
  'pages/activity/promo',
] as const;

export function simulatedVisitPage(appid: string, date: IsoDate) {
  const day = simulatedDailyVisitTrend(appid, date);
  const r = random(`pages:${appid}:${date}`);
  // Each app's pages keep their weight from day to day, with a little daily noise.
  const pvs = spread(
    `pagepv:${appid}`,
    day.visit_pv,
    SIMULATED_PAGES.map((_, i) => i),
    1.1,
  ).map(({ key, value }) => ({
    key,
    value: Math.round(value * between(r, 0.9, 1.1)),
  }));
  const list = pvs
    .map(({ key, value }) => {
      const uv = Math.min(day.visit_uv, Math.round(value * between(r, 0.3, 0.6)));
      const share = Math.round(value * between(r, 0.001, 0.01));
      return {
        page_path: SIMULATED_PAGES[key] ?? 'pages/other/other',
        page_visit_pv: value,
        page_visit_uv: uv,
        page_staytime_pv: round4(between(r, 5, 60)),
        entrypage_pv: Math.round(value * (key === 0 ? 0.55 : between(r, 0.02, 0.15))),
        exitpage_pv: Math.round(value * between(r, 0.2, 0.5)),
        page_share_pv: share,
        page_share_uv: Math.round(share * 0.8),
      };
    })
    .sort((a, b) => b.page_visit_pv - a.page_visit_pv);
  return { ref_date: toCompactDate(date), list };
}

const PROVINCES = ['广东省', '浙江省', '江苏省', '上海', '北京', '四川省', '山东省'];
const CITIES = ['深圳', '广州', '杭州', '上海', '北京', '成都', '南京'];
const AGES = ['17岁以下', '18-24岁', '25-29岁', '30-39岁', '40-49岁', '50岁以上'];

/** An item's number is under `value`, or (older answers) under `access_source_visit_uv`. */
type NumberField = 'value' | 'access_source_visit_uv';

function distribution(seed: string, total: number, names: readonly string[], as: NumberField, withId = true) {
  return spread(
    seed,
    total,
    names.map((_, i) => i),
    1,
  ).map(({ key, value }) => ({
    ...(withId ? { id: key + 1 } : {}),
    name: names[key] ?? '未知',
    [as]: value,
  }));
}

function portraitOf(seed: string, users: number, as: NumberField) {
  return {
    index: 0,
    province: distribution(`${seed}:p`, users, PROVINCES, as),
    city: distribution(`${seed}:c`, users, CITIES, as),
    genders: distribution(`${seed}:g`, users, ['女', '男', '未知'], as),
    platforms: distribution(`${seed}:pl`, users, ['android', 'iPhone', '其他'], as),
    devices: distribution(
      `${seed}:d`,
      users,
      ['iPhone 15', 'HUAWEI Mate 60', 'Xiaomi 14', 'OPPO Reno11', 'vivo X100'],
      as,
      false,
    ),
    ages: distribution(`${seed}:a`, users, AGES, as),
  };
}

/**
 * getUserPortrait as real answers come: a 7- or 30-day window's ref_date is the range (the field
 * table) or only its first day (WeChat's own example), and some answers carry each item's number as
 * `access_source_visit_uv` instead of `value`. Both deterministic per window.
 */
export function simulatedUserPortrait(appid: string, window: PortraitWindow) {
  const begin = addDays(window.end, 1 - window.days);
  const days = Array.from({ length: window.days }, (_, i) => simulatedDailyVisitTrend(appid, addDays(begin, i)));
  const dedup = window.days === 1 ? 1 : window.days === 7 ? 0.62 : 0.38;
  const r = random(`pform:${appid}:${window.end}:${window.days}`);
  const firstDayOnly = window.days === 1 || r() < 0.5;
  const as: NumberField = r() < 0.25 ? 'access_source_visit_uv' : 'value';
  return {
    ref_date: firstDayOnly ? toCompactDate(begin) : range(begin, window.days),
    visit_uv_new: portraitOf(`pnew:${appid}:${window.end}:${window.days}`, sum(days.map((d) => d.visit_uv_new)), as),
    visit_uv: portraitOf(
      `puv:${appid}:${window.end}:${window.days}`,
      Math.round(sum(days.map((d) => d.visit_uv)) * dedup),
      as,
    ),
  };
}

interface SimulatedApi {
  /** WeChat's period rule (the end is already checked to be no later than yesterday). */
  accepts(begin: IsoDate, end: IsoDate, today: IsoDate): boolean;
  answer(appid: string, begin: IsoDate, end: IsoDate, yesterday: IsoDate): object;
}

const oneDay = (begin: IsoDate, end: IsoDate) => begin === end;
const naturalWeek = (begin: IsoDate, end: IsoDate) => weekday(begin) === 1 && daysBetween(begin, end) === 6;

/** The other analysis APIs of the simulator, each with WeChat's rule for its period. */
export const SIMULATED_DATACUBE: Partial<Record<SimulatorEndpoint, SimulatedApi>> = {
  getDailySummary: { accepts: oneDay, answer: (appid, begin) => simulatedDailySummary(appid, begin) },
  getDailyRetain: {
    accepts: oneDay,
    answer: (appid, begin, _end, yesterday) => simulatedDailyRetain(appid, begin, yesterday),
  },
  getVisitDistribution: { accepts: oneDay, answer: (appid, begin) => simulatedVisitDistribution(appid, begin) },
  getVisitPage: { accepts: oneDay, answer: (appid, begin) => simulatedVisitPage(appid, begin) },
  getWeeklyVisitTrend: { accepts: naturalWeek, answer: (appid, begin) => simulatedWeeklyVisitTrend(appid, begin) },
  getWeeklyRetain: {
    accepts: naturalWeek,
    answer: (appid, begin, _end, yesterday) => simulatedWeeklyRetain(appid, begin, yesterday),
  },
  getMonthlyVisitTrend: {
    accepts: (begin, end, today) =>
      begin.endsWith('-01') && end === lastDayOfMonth(begin.slice(0, 7)) && begin.slice(0, 7) < today.slice(0, 7),
    answer: (appid, begin) => simulatedMonthlyVisitTrend(appid, begin.slice(0, 7)),
  },
  getUserPortrait: {
    accepts: (begin, end) => [0, 6, 29].includes(daysBetween(begin, end)),
    answer: (appid, begin, end) =>
      simulatedUserPortrait(appid, { end, days: (daysBetween(begin, end) + 1) as 1 | 7 | 30 }),
  },
};
