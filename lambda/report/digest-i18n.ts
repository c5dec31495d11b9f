import type { Locale } from './i18n.js';

export interface DigestMessages {
  readonly title: string;
  subject(date: string, apps: number, visitors: string, change: string): string;
  readonly ranking: string;
  readonly app: string;
  readonly visitors: string;
  readonly dayOverDay: string;
  readonly total: string;
  readonly moversUp: string;
  readonly moversDown: string;
  readonly none: string;
  readonly problems: string;
  readonly kinds: Readonly<Record<'not-yet-available' | 'no-data' | 'failed', string>>;
  readonly allGood: string;
  readonly footer: string;
}

const zhCN: DigestMessages = {
  title: '小程序日报汇总',
  subject: (date, apps, visitors, change) =>
    `【小程序汇总】${date}：${apps} 个小程序，访问人数 ${visitors}（日环比 ${change}）`,
  ranking: '各小程序访问人数排行',
  app: '小程序',
  visitors: '访问人数',
  dayOverDay: '日环比',
  total: '合计',
  moversUp: '涨幅最大',
  moversDown: '跌幅最大',
  none: '无',
  problems: '未出报告的小程序',
  kinds: { 'not-yet-available': '数据尚未发布', 'no-data': '当日无数据', failed: '失败' },
  allGood: '所有小程序的日报均已发送。',
  footer: '数据来源：微信小程序数据分析接口（datacube），按北京时间统计。日环比合计只比较两天都有数据的小程序。',
};

const en: DigestMessages = {
  title: 'Mini Program portfolio',
  subject: (date, apps, visitors, change) =>
    `Portfolio · ${date}: ${apps} Mini Programs, ${visitors} visitors (${change} day over day)`,
  ranking: 'Visitors by Mini Program',
  app: 'Mini Program',
  visitors: 'Visitors',
  dayOverDay: 'Day over day',
  total: 'Total',
  moversUp: 'Biggest gains',
  moversDown: 'Biggest drops',
  none: 'none',
  problems: 'Mini Programs without a report',
  kinds: { 'not-yet-available': 'not published yet', 'no-data': 'no data', failed: 'failed' },
  allGood: 'Every Mini Program’s daily report went out.',
  footer:
    'Source: WeChat Mini Program data analysis (datacube), Beijing time. The total’s change compares only apps with data on both days.',
};

export function digestMessages(locale: Locale): DigestMessages {
  return locale === 'en' ? en : zhCN;
}
