import type { Locale } from './i18n.js';

/** Why history a report shows could not be had this time (the next report asks for it again). */
export type MissingBecause =
  /** WeChat's daily quota for the API ran out (errcode 45009). */
  | 'quota'
  /** The time the report gives its history ran out (a unit must end within its timeout). */
  | 'time'
  /** WeChat failed, or has not computed the period yet. */
  | 'unavailable';

/**
 * What a report lacks of the history it shows (the trend, the comparisons, the usual range; the
 * months and days of a monthly report), and why. A period WeChat has no data for is not missing:
 * the Mini Program did not exist yet, there is nothing to have.
 */
export interface HistoryGaps {
  /** Periods WeChat has no data for (YYYY-MM-DD or YYYY-MM), oldest first. */
  readonly noData: readonly string[];
  /** Periods that could not be had this time, oldest first. */
  readonly missing: readonly string[];
  /** Why they are missing; null when nothing is. */
  readonly missingBecause: MissingBecause | null;
}

export const NO_GAPS: HistoryGaps = { noData: [], missing: [], missingBecause: null };

/** A series from its first point WeChat has data for: the days (months) before the app existed go. */
export function fromFirstData<P>(points: readonly P[], periodOf: (point: P) => string, gaps: HistoryGaps): P[] {
  const noData = new Set(gaps.noData);
  const first = points.findIndex((p) => !noData.has(periodOf(p)));
  return first < 0 ? [] : points.slice(first);
}

interface GapMessages {
  readonly because: Record<MissingBecause, string>;
  days(count: number, because: string): string;
  months(count: number, because: string): string;
}

const zhCN: GapMessages = {
  because: {
    quota: '微信今天的接口调用次数已用完',
    time: '本次报告可用的时间已用完',
    unavailable: '微信暂时没有给出',
  },
  days: (count, because) => `有 ${count} 天的历史数据这次没能取到（${because}），下一次报告会补上`,
  months: (count, because) => `有 ${count} 个月的历史数据这次没能取到（${because}），下一次报告会补上`,
};

const en: GapMessages = {
  because: {
    quota: "WeChat's daily quota is used up",
    time: "the report's time ran out",
    unavailable: 'WeChat did not give it',
  },
  days: (count, because) =>
    `${count} earlier ${count === 1 ? 'day' : 'days'} could not be fetched this time (${because}); the next report fetches ${count === 1 ? 'it' : 'them'}`,
  months: (count, because) =>
    `${count} earlier ${count === 1 ? 'month' : 'months'} could not be fetched this time (${because}); the next report fetches ${count === 1 ? 'it' : 'them'}`,
};

/**
 * One line saying what history is missing and why ("有 5 天的历史数据这次没能取到（微信今天的接口调用
 * 次数已用完），下一次报告会补上"), days and months said apart; none when nothing is missing.
 */
export function historyGapLines(gaps: HistoryGaps, locale: Locale): string[] {
  if (gaps.missing.length === 0) return [];
  const m = locale === 'en' ? en : zhCN;
  const because = m.because[gaps.missingBecause ?? 'unavailable'];
  const months = gaps.missing.filter((p) => p.length === 7).length;
  const days = gaps.missing.length - months;
  return [...(days ? [m.days(days, because)] : []), ...(months ? [m.months(months, because)] : [])];
}
