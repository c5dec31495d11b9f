import type { DailyMetric } from '../domain/daily-visit-trend.js';
import { TREND_DAYS } from './daily-report.js';
import type { ReportStatus } from './report-status.js';

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
  /** The trend's heading, saying what it shows: the last 14 days, or since the app's first day of data. */
  trendTitle(days: number, first: string): string;
  readonly visitors: string;
  readonly noData: string;
  readonly footer: string;
  readonly weekdays: readonly string[];
  readonly monthly: MonthlyMessages;
  readonly noDataNotice: NoDataMessages;
  dailySubject(appName: string, date: string, visitors: string, change: string): string;
  /** The subject of a day with unusual metrics: ⚠, the app, the day, the first unusual metric and its gap. */
  alarmSubject(
    appName: string,
    date: string,
    metric: string,
    value: string,
    percent: string,
    direction: 'high' | 'low',
    more: number,
  ): string;
  /** The rest of the daily metrics, after the visitors. */
  readonly otherMetrics: string;
  /** The status said in words beside its colour. */
  readonly status: Readonly<Record<ReportStatus, string>>;
  longDate(date: string): string;
  dateWithWeekday(date: string, weekday: number): string;
  shortDate(date: string): string;
  /** A day in a list of days: "11月22日 周日", "Sun Nov 22". */
  dayLabel(date: string, weekday: number): string;
}

export interface NoDataMessages {
  readonly title: string;
  body(period: string, job: 'daily' | 'monthly'): string;
  subject(appName: string, period: string): string;
  /** The label of WeChat's own words (in English) for whoever looks into it. */
  readonly reasonLabel: string;
}

export interface MonthlyMessages {
  readonly title: string;
  readonly newUsers: string;
  readonly activeUsers: string;
  readonly monthOverMonth: string;
  readonly previousMonth: string;
  readonly cohortTitle: (cohortMonth: string, nextMonth: string) => string;
  readonly newUserRetention: string;
  readonly activeUserRetention: string;
  readonly retained: (retained: string, of: string) => string;
  readonly versusPreviousCohort: (cohortMonth: string) => string;
  readonly points: (change: string) => string;
  readonly missing: Readonly<Record<'not-published' | 'no-users' | 'no-data', string>>;
  readonly dailyTitle: string;
  readonly averageDailyVisitors: string;
  readonly totalNewUsers: string;
  readonly bestDay: string;
  readonly worstDay: string;
  readonly coverage: (days: number, of: number) => string;
  readonly noDailyData: string;
  /** The six-month charts' headings, saying how many months they show (fewer for a young app). */
  historyNew(months: number, first: string): string;
  historyActive(months: number, first: string): string;
  readonly footer: string;
  monthName(month: string): string;
  subject(appName: string, month: string, active: string, change: string, retention: string): string;
}

const ZH_WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const EN_WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const zhLongDate = (date: string) =>
  `${Number(date.slice(0, 4))}年${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
const zhShortDate = (date: string) => `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const zhMonth = (month: string) => `${Number(month.slice(0, 4))}年${Number(month.slice(5, 7))}月`;
/** "last 3 months", or the one month by name ("October 2026"). */
const enMonths = (months: number, first: string) =>
  months === 1
    ? new Date(`${first.slice(0, 7)}-01T00:00:00Z`).toLocaleDateString('en-US', {
        month: 'long',
        year: 'numeric',
        timeZone: 'UTC',
      })
    : `last ${months} months`;
const enShortDate = (date: string) => `${EN_MONTHS[Number(date.slice(5, 7)) - 1]} ${Number(date.slice(8, 10))}`;

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
  trendTitle: (days, first) => (days >= TREND_DAYS ? `近 ${days} 天访问人数` : `${zhShortDate(first)}以来的访问人数`),
  visitors: '访问人数',
  noData: '无数据',
  footer: '数据来源：微信小程序数据分析接口（datacube），按北京时间统计。原始数据已归档。',
  weekdays: ZH_WEEKDAYS,
  dailySubject: (app, date, visitors, change) => `【${app}】${date} 访问人数 ${visitors}（日环比 ${change}）`,
  alarmSubject: (app, date, metric, value, percent, direction, more) =>
    `⚠【${app}】${date} ${metric} ${value}，比常态${direction === 'low' ? '低' : '高'} ${percent}${more ? `（另有 ${more} 项异常）` : ''}`,
  otherMetrics: '其他指标',
  status: { normal: '正常', watch: '需留意', alert: '警报' },
  noDataNotice: {
    title: '数据未发布',
    body: (period, job) =>
      `截至今天的最后一次尝试，微信仍未发布${period}的${job === 'daily' ? '每日访问' : '月留存'}数据，本期报告无法生成。数据发布后可手动重跑。`,
    subject: (app, period) => `【${app}】${period} 报告未生成：微信尚未发布数据`,
    reasonLabel: '技术细节',
  },
  monthly: {
    title: '小程序月报',
    newUsers: '新增用户',
    activeUsers: '活跃用户',
    monthOverMonth: '月环比',
    previousMonth: '上月',
    cohortTitle: (cohort, next) => `${cohort}用户在${next}的留存`,
    newUserRetention: '新用户次月留存率',
    activeUserRetention: '活跃用户次月留存率',
    retained: (retained, of) => `${of} 人中 ${retained} 人次月回访`,
    versusPreviousCohort: (cohort) => `对比${cohort}`,
    points: (change) => `${change} 个百分点`,
    missing: {
      'not-published': '微信尚未发布该月的次月留存数据',
      'no-users': '该月没有用户，无法计算留存率',
      'no-data': '没有该月的数据',
    },
    dailyTitle: '本月每日数据',
    averageDailyVisitors: '日均访问人数',
    totalNewUsers: '新用户数（按日累计）',
    bestDay: '访问人数最高',
    worstDay: '访问人数最低',
    coverage: (days, of) => `基于已归档的 ${days}/${of} 天`,
    noDailyData: '归档中没有本月的每日数据',
    historyNew: (months, first) => (months === 1 ? `${zhMonth(first)}新增用户` : `近 ${months} 个月新增用户`),
    historyActive: (months, first) => (months === 1 ? `${zhMonth(first)}活跃用户` : `近 ${months} 个月活跃用户`),
    footer:
      '数据来源：微信小程序数据分析接口 getMonthlyRetain 与 getDailyVisitTrend，按北京时间的自然月统计。原始数据已归档。',
    monthName: zhMonth,
    subject: (app, month, active, change, retention) =>
      `【${app}】${month}月报：活跃用户 ${active}（月环比 ${change}），新用户次月留存 ${retention}`,
  },
  longDate: (date) => zhLongDate(date),
  shortDate: (date) => zhShortDate(date),
  dateWithWeekday: (date, wd) => `${zhLongDate(date)}（${ZH_WEEKDAYS[wd]}）`,
  dayLabel: (date, wd) => `${zhShortDate(date)} ${ZH_WEEKDAYS[wd]}`,
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
  trendTitle: (days, first) =>
    days >= TREND_DAYS ? `Visitors, last ${days} days` : `Visitors since ${enShortDate(first)}`,
  visitors: 'Visitors',
  noData: 'no data',
  footer: 'Source: WeChat Mini Program analytics (datacube API), days in Beijing time. Raw data archived.',
  weekdays: EN_WEEKDAYS,
  dailySubject: (app, date, visitors, change) => `${app} · ${date}: ${visitors} visitors (${change} day over day)`,
  alarmSubject: (app, date, metric, value, percent, direction, more) =>
    `⚠ ${app} · ${date}: ${metric} ${value}, ${percent} ${direction === 'low' ? 'below' : 'above'} usual${more ? ` (and ${more} more unusual)` : ''}`,
  otherMetrics: 'Other metrics',
  status: { normal: 'Normal', watch: 'Watch', alert: 'Alert' },
  noDataNotice: {
    title: 'No data yet',
    body: (period, job) =>
      `At today's last attempt WeChat had still not published the ${job === 'daily' ? 'daily visit' : 'monthly retention'} data for ${period}, so there is no report. Run it again by hand once the data is out.`,
    subject: (app, period) => `${app} · ${period}: no report, WeChat has not published the data`,
    reasonLabel: 'Technical detail',
  },
  monthly: {
    title: 'Mini Program monthly report',
    newUsers: 'New users',
    activeUsers: 'Active users',
    monthOverMonth: 'Month over month',
    previousMonth: 'Previous month',
    cohortTitle: (cohort, next) => `Users of ${cohort} who came back in ${next}`,
    newUserRetention: 'New-user retention',
    activeUserRetention: 'Active-user retention',
    retained: (retained, of) => `${retained} of ${of} came back the month after`,
    versusPreviousCohort: (cohort) => `vs ${cohort}`,
    points: (change) => `${change} pp`,
    missing: {
      'not-published': 'WeChat has not published next-month retention for this month yet',
      'no-users': 'no users that month, so there is no rate',
      'no-data': 'no data for that month',
    },
    dailyTitle: 'The month day by day',
    averageDailyVisitors: 'Average daily visitors',
    totalNewUsers: 'New users (sum of days)',
    bestDay: 'Best day',
    worstDay: 'Weakest day',
    coverage: (days, of) => `from ${days} of ${of} archived days`,
    noDailyData: 'the archive has no daily data for this month',
    historyNew: (months, first) => `New users, ${enMonths(months, first)}`,
    historyActive: (months, first) => `Active users, ${enMonths(months, first)}`,
    footer:
      'Source: WeChat Mini Program analytics (getMonthlyRetain, getDailyVisitTrend), natural months in Beijing time. Raw data archived.',
    monthName: (m) =>
      new Date(`${m}-01T00:00:00Z`).toLocaleDateString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
    subject: (app, month, active, change, retention) =>
      `${app} · ${month}: ${active} active users (${change} month over month), new-user retention ${retention}`,
  },
  // "Nov 22", never "11-22" or "22/11": month names read the same everywhere.
  longDate: (date) => `${enShortDate(date)}, ${date.slice(0, 4)}`,
  shortDate: (date) => enShortDate(date),
  dateWithWeekday: (date, wd) => `${EN_WEEKDAYS[wd]}, ${enShortDate(date)}, ${date.slice(0, 4)}`,
  dayLabel: (date, wd) => `${EN_WEEKDAYS[wd]} ${enShortDate(date)}`,
};

export function messages(locale: Locale): Messages {
  return locale === 'en' ? en : zhCN;
}
