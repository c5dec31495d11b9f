import type { Locale } from './i18n.js';

export interface DailyExtrasMessages {
  readonly anomalyTitle: string;
  anomaly(metric: string, percent: string, weeks: number, weekday: number, direction: 'high' | 'low'): string;
  /** Too few earlier same weekdays have data at WeChat (a young Mini Program): nothing to fetch. */
  insufficient(weeks: number, weekday: number): string;
  /** Too few earlier same weekdays could be fetched this time (the quota, the time, WeChat failing). */
  notJudged(weeks: number, weekday: number): string;
  /** `partial`: some metric had no value that day, so "every metric" would say too much. */
  allUsual(weeks: number, weekday: number, partial?: boolean): string;
  /** The metrics WeChat's answer left out that day (names, joined), so they were not judged. */
  notInAnswer(metrics: readonly string[]): string;
  readonly summaryTitle: string;
  readonly visitTotal: string;
  readonly sharePv: string;
  readonly shareUv: string;
  readonly topPagesTitle: string;
  readonly page: string;
  readonly visits: string;
}

const ZH_WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const EN_WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** "the last 5 Sundays", "the last Sunday". */
const enLast = (weeks: number, weekday: number) =>
  weeks === 1 ? `the last ${EN_WEEKDAYS[weekday]}` : `the last ${weeks} ${EN_WEEKDAYS[weekday]}s`;
/** "no earlier Sunday", "1 earlier Sunday", "3 earlier Sundays". */
const enEarlier = (weeks: number, weekday: number) =>
  weeks === 0
    ? `no earlier ${EN_WEEKDAYS[weekday]}`
    : `${weeks} earlier ${EN_WEEKDAYS[weekday]}${weeks === 1 ? '' : 's'}`;

const zhCN: DailyExtrasMessages = {
  anomalyTitle: '异常提示',
  anomaly: (metric, percent, weeks, weekday, direction) =>
    `${metric}比过去 ${weeks} 个${ZH_WEEKDAYS[weekday]}的常态${direction === 'low' ? '低' : '高'} ${percent}`,
  insufficient: (weeks, weekday) =>
    `历史还太短，暂不判断异常：${weeks ? `之前只有 ${weeks} 个${ZH_WEEKDAYS[weekday]}有数据` : `之前还没有${ZH_WEEKDAYS[weekday]}的数据`}（至少需要 4 个）`,
  notJudged: (weeks, weekday) =>
    `暂不判断异常：之前的${ZH_WEEKDAYS[weekday]}这次${weeks ? `只取到 ${weeks} 个` : '一个也没取到'}（至少需要 4 个）`,
  allUsual: (weeks, weekday, partial) =>
    `${partial ? '微信返回的' : ''}各项指标都在过去 ${weeks} 个${ZH_WEEKDAYS[weekday]}的常态范围内`,
  notInAnswer: (metrics) => `${metrics.join('、')}：微信当天的数据中没有这一项，未判断异常`,
  summaryTitle: '分享与累计用户',
  visitTotal: '累计用户数',
  sharePv: '分享次数',
  shareUv: '分享人数',
  topPagesTitle: '热门页面',
  page: '页面',
  visits: '访问次数',
};

const en: DailyExtrasMessages = {
  anomalyTitle: 'Unusual',
  anomaly: (metric, percent, weeks, weekday, direction) =>
    `${metric} ${percent} ${direction === 'low' ? 'below' : 'above'} the usual of ${enLast(weeks, weekday)}`,
  insufficient: (weeks, weekday) =>
    `Too little history to judge what is usual: ${weeks ? `only ${enEarlier(weeks, weekday)} ${weeks === 1 ? 'has' : 'have'} data` : `${enEarlier(weeks, weekday)} has data yet`} (4 needed)`,
  notJudged: (weeks, weekday) =>
    `Not judged this time: ${weeks ? `only ${enEarlier(weeks, weekday)}` : enEarlier(weeks, weekday)} could be fetched (4 needed)`,
  allUsual: (weeks, weekday, partial) =>
    `Every metric${partial ? ' WeChat sent' : ''} is within the usual range of ${enLast(weeks, weekday)}`,
  notInAnswer: (metrics) => `${metrics.join(', ')}: not in WeChat's answer for this day, so not judged`,
  summaryTitle: 'Shares and total users',
  visitTotal: 'Total users',
  sharePv: 'Shares',
  shareUv: 'Sharers',
  topPagesTitle: 'Top pages',
  page: 'Page',
  visits: 'Visits',
};

export function dailyExtrasMessages(locale: Locale): DailyExtrasMessages {
  return locale === 'en' ? en : zhCN;
}
