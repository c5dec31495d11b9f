import type { DailyMetric } from '../domain/daily-visit-trend.js';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

export interface Messages {
  readonly metricNames: Readonly<Record<DailyMetric, string>>;
  readonly dailyTitle: string;
  readonly metric: string;
  readonly value: string;
  readonly dayOverDay: string;
  readonly weekOverWeek: string;
  readonly notAvailable: string;
  readonly trendTitle: string;
  readonly visitors: string;
  readonly noData: string;
  readonly footer: string;
  readonly weekdays: readonly string[];
  dailySubject(appName: string, date: string, visitors: string, change: string): string;
  longDate(date: string): string;
  dateWithWeekday(date: string, weekday: number): string;
  shortDate(date: string): string;
}

const ZH_WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const EN_WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const zhLongDate = (date: string) =>
  `${Number(date.slice(0, 4))}年${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;

const zhCN: Messages = {
  metricNames: {
    session_cnt: '打开次数',
    visit_pv: '访问次数',
    visit_uv: '访问人数',
    visit_uv_new: '新用户数',
    stay_time_uv: '人均停留时长',
    stay_time_session: '次均停留时长',
    visit_depth: '平均访问深度',
  },
  dailyTitle: '小程序日报',
  metric: '指标',
  value: '数值',
  dayOverDay: '日环比',
  weekOverWeek: '周同比',
  notAvailable: '无数据',
  trendTitle: '近 14 天访问人数',
  visitors: '访问人数',
  noData: '无数据',
  footer: '数据来源:微信小程序数据分析接口(datacube),按北京时间统计。原始数据已归档。',
  weekdays: ZH_WEEKDAYS,
  dailySubject: (app, date, visitors, change) => `【${app}】${date} 访问人数 ${visitors}(日环比 ${change})`,
  longDate: (date) => zhLongDate(date),
  shortDate: (date) => `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`,
  dateWithWeekday: (date, wd) => `${zhLongDate(date)}(${ZH_WEEKDAYS[wd]})`,
};

const en: Messages = {
  metricNames: {
    session_cnt: 'Sessions',
    visit_pv: 'Page views',
    visit_uv: 'Visitors',
    visit_uv_new: 'New users',
    stay_time_uv: 'Time per visitor',
    stay_time_session: 'Time per session',
    visit_depth: 'Pages per session',
  },
  dailyTitle: 'Mini Program daily report',
  metric: 'Metric',
  value: 'Value',
  dayOverDay: 'Day over day',
  weekOverWeek: 'Week over week',
  notAvailable: 'n/a',
  trendTitle: 'Visitors, last 14 days',
  visitors: 'Visitors',
  noData: 'no data',
  footer: 'Source: WeChat Mini Program analytics (datacube API), days in Beijing time. Raw data archived.',
  weekdays: EN_WEEKDAYS,
  dailySubject: (app, date, visitors, change) => `${app} · ${date}: ${visitors} visitors (${change} day over day)`,
  longDate: (date) => date,
  shortDate: (date) => date.slice(5),
  dateWithWeekday: (date, wd) => `${date} (${EN_WEEKDAYS[wd]})`,
};

export function messages(locale: Locale): Messages {
  return locale === 'en' ? en : zhCN;
}
