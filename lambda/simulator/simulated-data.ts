import {
  addMonths,
  beijingToday,
  daysBetween,
  daysOfMonth,
  type IsoDate,
  toCompactDate,
  weekday,
  type YearMonth,
} from '../calendar/beijing-calendar.js';

/** A Mini Program the simulator knows. */
export interface SimulatedApp {
  readonly appid: string;
  readonly secret: string;
  readonly name: string;
  /**
   * The first day WeChat has data for (the Mini Program went live). Before it, WeChat answers with
   * no data: an empty `list` for a day, empty retention for a month that ended before it.
   * @default always had data
   */
  readonly since?: IsoDate;
}

export const DEMO_APPS: readonly SimulatedApp[] = [
  { appid: 'wx5f1d0c3a9e7b2d41', secret: '7c2e9a41d5b08f36e1a4c7d29b6f0e58', name: '喵喵商城' },
  { appid: 'wx0b8e2f6c1a3d5e97', secret: 'e3b1f8a6c2d94075b8e1a3c6f2d9e047', name: 'Daily Brew Coffee' },
];

// FNV-1a then mulberry32: small, fast and the same on every platform, so every run answers alike.
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function random(seed: string): () => number {
  let a = hash(seed);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

// Mini Programs peak at weekends; Sunday = 0.
const WEEKLY_SEASONALITY = [1.16, 0.91, 0.94, 0.96, 0.98, 1.05, 1.21];
const GROWTH_EPOCH = '2024-01-01';

interface AppProfile {
  readonly baseVisitors: number;
  readonly dailyGrowth: number;
  readonly newUserShare: number;
  readonly sessionsPerVisitor: number;
  readonly pagesPerSession: number;
  readonly secondsPerSession: number;
  readonly monthlyDedup: number;
}

function profile(appid: string): AppProfile {
  const r = random(`profile:${appid}`);
  return {
    baseVisitors: Math.round(2_000 * 10 ** between(r, 0.5, 2)),
    dailyGrowth: between(r, 0.0002, 0.0012),
    newUserShare: between(r, 0.07, 0.15),
    sessionsPerVisitor: between(r, 1.5, 2.2),
    pagesPerSession: between(r, 2, 4),
    secondsPerSession: between(r, 70, 220),
    monthlyDedup: between(r, 0.3, 0.45),
  };
}

/** One `list` entry of getDailyVisitTrend, as WeChat shapes it. */
export interface DailyVisitTrendItem {
  ref_date: string;
  session_cnt: number;
  visit_pv: number;
  visit_uv: number;
  visit_uv_new: number;
  stay_time_uv: number;
  stay_time_session: number;
  visit_depth: number;
}

/** Deterministic, plausible figures for one app and day: growth, weekly rhythm, noise, rare spikes. */
export function simulatedDailyVisitTrend(appid: string, date: IsoDate): DailyVisitTrendItem {
  const p = profile(appid);
  const r = random(`day:${appid}:${date}`);
  const growth = (1 + p.dailyGrowth) ** daysBetween(GROWTH_EPOCH, date);
  const seasonal = WEEKLY_SEASONALITY[weekday(date)] ?? 1;
  const noise = between(r, 0.95, 1.05);
  const campaign = r() < 0.03 ? between(r, 1.3, 1.8) : 1;
  const visitUv = Math.max(1, Math.round(p.baseVisitors * growth * seasonal * noise * campaign));
  const visitUvNew = Math.round(visitUv * p.newUserShare * between(r, 0.85, 1.15) * (campaign > 1 ? 1.6 : 1));
  const sessionCnt = Math.round(visitUv * p.sessionsPerVisitor * between(r, 0.95, 1.05));
  const depth = p.pagesPerSession * between(r, 0.93, 1.07);
  const visitPv = Math.round(sessionCnt * depth);
  const staySession = p.secondsPerSession * between(r, 0.9, 1.1);
  return {
    ref_date: toCompactDate(date),
    session_cnt: sessionCnt,
    visit_pv: visitPv,
    visit_uv: visitUv,
    visit_uv_new: Math.min(visitUvNew, visitUv),
    stay_time_uv: round4((staySession * sessionCnt) / visitUv),
    stay_time_session: round4(staySession),
    visit_depth: round4(visitPv / sessionCnt),
  };
}

/**
 * An answer item as WeChat sends it: an optional field is sometimes left out, as real answers do
 * (the seed doc's own getDailyVisitTrend example has no stay_time_uv). Deterministic per seed: about
 * one item in six lacks each listed field.
 */
export function leavingOut<T extends object>(seed: string, item: T, optional: readonly (keyof T)[]): Partial<T> {
  const r = random(`omit:${seed}`);
  const answer: Partial<T> = { ...item };
  for (const key of optional) if (r() < 1 / 6) delete answer[key];
  return answer;
}

/** One `list` entry of getDailyVisitTrend as the simulator answers it: stay_time_uv is sometimes left out. */
export function simulatedDailyVisitTrendAnswer(appid: string, date: IsoDate): Partial<DailyVisitTrendItem> {
  return leavingOut(`day:${appid}:${date}`, simulatedDailyVisitTrend(appid, date), ['stay_time_uv']);
}

export interface MonthlyRetainBody {
  ref_date: string;
  visit_uv_new: { key: number; value: number }[];
  visit_uv: { key: number; value: number }[];
}

/**
 * getMonthlyRetain for a month that has ended at `now`: key 0 from the month's days, key 1 only
 * once the following month has ended too.
 */
export function simulatedMonthlyRetain(appid: string, month: YearMonth, now: Date): MonthlyRetainBody {
  const p = profile(appid);
  const r = random(`month:${appid}:${month}`);
  const days = daysOfMonth(month).map((d) => simulatedDailyVisitTrend(appid, d));
  const newUsers = days.reduce((sum, d) => sum + d.visit_uv_new, 0);
  const activeUsers = Math.round(
    days.reduce((sum, d) => sum + d.visit_uv, 0) * p.monthlyDedup * between(r, 0.95, 1.05),
  );
  const visitUvNew = [{ key: 0, value: newUsers }];
  const visitUv = [{ key: 0, value: activeUsers }];
  const nextMonthEnded = addMonths(month, 1) < beijingToday(now).slice(0, 7);
  if (nextMonthEnded) {
    visitUvNew.push({ key: 1, value: Math.round(newUsers * between(r, 0.06, 0.18)) });
    visitUv.push({ key: 1, value: Math.round(activeUsers * between(r, 0.2, 0.4)) });
  }
  return { ref_date: month.replace('-', ''), visit_uv_new: visitUvNew, visit_uv: visitUv };
}
