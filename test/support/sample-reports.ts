import { addDays, addMonths, daysOfMonth } from '../../lambda/calendar/beijing-calendar.js';
import type { DailyVisitTrend } from '../../lambda/domain/daily-visit-trend.js';
import type { MonthlyRetention } from '../../lambda/domain/monthly-retention.js';
import { anomalyDates, buildDailyReport, trendDates } from '../../lambda/report/daily-report.js';
import { buildDigestReport, type DigestEntry } from '../../lambda/report/digest-report.js';
import { buildMonthlyReport } from '../../lambda/report/monthly-report.js';
import type { ReportMessage } from '../../lambda/report/report-message.js';
import { simulatedDailyVisitTrend, simulatedMonthlyRetain } from '../../lambda/simulator/simulated-data.js';
import { simulatedDailySummary, simulatedVisitPage } from '../../lambda/simulator/simulated-datacube.js';
import { APP, NOW } from './simulator.js';

function day(date: string): DailyVisitTrend {
  const { ref_date: _, ...metrics } = simulatedDailyVisitTrend(APP.appid, date);
  return { date, metrics };
}

function month(m: string): MonthlyRetention {
  const body = simulatedMonthlyRetain(APP.appid, m, NOW);
  const pair = (s: { key: number; value: number }[]) => ({
    month: s.find((e) => e.key === 0)?.value,
    nextMonth: s.find((e) => e.key === 1)?.value,
  });
  return { month: m, newUsers: pair(body.visit_uv_new), activeUsers: pair(body.visit_uv) };
}

const history = (date: string, days: number) =>
  new Map(Array.from({ length: days }, (_, i) => addDays(date, -(i + 1))).map((d) => [d, day(d)]));
const pages = (d: string) =>
  simulatedVisitPage(APP.appid, d).list.map((p) => ({ path: p.page_path, visits: p.page_visit_pv }));
const summaryOf = (d: string) => {
  const summary = simulatedDailySummary(APP.appid, d).list[0];
  return summary ? { visitTotal: summary.visit_total, sharePv: summary.share_pv, shareUv: summary.share_uv } : null;
};

/**
 * A full daily report from the simulator's deterministic data: eight weeks of history (the trend and
 * the anomaly baseline), the day's summary and its top pages against the day before. On the default
 * day nothing is unusual.
 */
export function sampleDaily(appName = '喵喵商城', date = '2026-11-21'): ReportMessage {
  return {
    kind: 'daily',
    report: buildDailyReport({
      appid: APP.appid,
      appName,
      day: day(date),
      history: history(date, 56),
      summary: summaryOf(date),
      pages: { day: pages(date), previousDay: pages(addDays(date, -1)) },
    }),
  };
}

/**
 * A day to worry about: visitors 31 % below the usual of the last eight Sundays (sessions and page
 * views with them), new users unusually high. Everything else as the simulator has it.
 */
export function sampleDailyAnomaly(appName = '喵喵商城'): ReportMessage {
  const date = '2026-11-29';
  const { metrics } = day(date);
  const scaled = (value: number | undefined, factor: number) =>
    value === undefined ? undefined : Math.round(value * factor);
  return {
    kind: 'daily',
    report: buildDailyReport({
      appid: APP.appid,
      appName,
      day: {
        date,
        metrics: {
          ...metrics,
          visit_uv: scaled(metrics.visit_uv, 0.69),
          session_cnt: scaled(metrics.session_cnt, 0.7),
          visit_pv: scaled(metrics.visit_pv, 0.68),
          visit_uv_new: scaled(metrics.visit_uv_new, 1.6),
        },
      },
      history: history(date, 56),
      summary: summaryOf(date),
      pages: { day: pages(date), previousDay: pages(addDays(date, -1)) },
    }),
  };
}

/**
 * An app's first report, three weeks after it went live (2026-11-03): the report fetched its history
 * at once (the 14 days of the trend, the day and the week before), and WeChat has no data for the
 * six Sundays before it went live, so there is too little history to judge what is usual.
 */
export function sampleDailyFirstDay(appName = '喵喵商城'): ReportMessage {
  const date = '2026-11-22';
  const since = '2026-11-03';
  const needed = [...trendDates(date), ...anomalyDates(date)].filter((d) => d !== date);
  return {
    kind: 'daily',
    report: buildDailyReport({
      appid: APP.appid,
      appName,
      day: day(date),
      history: new Map(needed.filter((d) => d >= since).map((d) => [d, day(d)])),
      summary: summaryOf(date),
      pages: { day: pages(date), previousDay: pages(addDays(date, -1)) },
      gaps: { noData: needed.filter((d) => d < since).sort(), missing: [], missingBecause: null },
    }),
  };
}

/**
 * An app's first report on a day WeChat's quota for getDailyVisitTrend ran out half-way through its
 * history: the report went out with what it had, and says which part is missing and why.
 */
export function sampleDailyHistoryMissing(appName = '喵喵商城'): ReportMessage {
  const date = '2026-11-21';
  const needed = [...trendDates(date), ...anomalyDates(date)].filter((d) => d !== date).sort();
  const missing = needed.slice(0, 6);
  return {
    kind: 'daily',
    report: buildDailyReport({
      appid: APP.appid,
      appName,
      day: day(date),
      history: new Map(needed.filter((d) => !missing.includes(d)).map((d) => [d, day(d)])),
      summary: summaryOf(date),
      pages: { day: pages(date), previousDay: pages(addDays(date, -1)) },
      gaps: { noData: [], missing, missingBecause: 'quota' },
    }),
  };
}

/** A full monthly report for 2026-10 (six months, every day of October). */
export function sampleMonthly(appName = '喵喵商城'): ReportMessage {
  const retention = new Map(Array.from({ length: 6 }, (_, i) => addMonths('2026-10', -i)).map((m) => [m, month(m)]));
  const days = new Map(daysOfMonth('2026-10').map((d) => [d, day(d)]));
  return {
    kind: 'monthly',
    report: buildMonthlyReport({ appid: APP.appid, appName, month: '2026-10', retention, days }),
  };
}

/** Display names as agencies have them: Chinese, English, long, with an Extension B character. */
const NAMES = [
  '喵喵商城',
  'Daily Brew Coffee',
  '鲜果到家',
  '书香阅读',
  '城市骑行',
  '萌宠乐园',
  '健身打卡',
  '旅行日记',
  '华东区第一分店老𠮷家',
  '好邻居社区团购（浦东新区旗舰店）',
  'Northwind Traders Mini Shop',
  '小鹿美食外卖',
];

/** Apps without a report, as the ledger records them: the reason and WeChat's errcode with the unit. */
export const SAMPLE_PROBLEMS: readonly DigestEntry[] = [
  {
    name: 'shop-hz',
    appName: '杭州湖滨银泰店',
    status: 'failed',
    detail: 'getDailyVisitTrend failed: WeChat errcode 40125 (invalid appsecret): the AppSecret is wrong',
    reason: 'credentials',
    errcode: 40125,
  },
  {
    name: 'bike-sz',
    appName: '城市骑行 · 深圳',
    status: 'pending',
    detail: 'errcode 61503: data not ready yet',
    reason: 'not-published',
    errcode: 61503,
  },
  {
    name: 'shop-ja',
    appName: '喵喵商城 · 静安店',
    status: 'invalid',
    detail: 'apps.61: appid is not an AppID (wx followed by 16 hex digits)',
    reason: 'invalid-config',
  },
];

/**
 * `count` apps without a report, as a portfolio's bad morning has them: most not published yet, a
 * platform's authorization lost for many, a few with wrong or missing secrets and invalid entries.
 */
export function failingEntries(count: number): DigestEntry[] {
  const kinds: readonly Omit<DigestEntry, 'name'>[] = [
    { status: 'pending', detail: 'errcode 61503: data not ready yet', reason: 'not-published', errcode: 61503 },
    { status: 'pending', detail: 'errcode 61503: data not ready yet', reason: 'not-published', errcode: 61503 },
    {
      status: 'failed',
      detail: 'getDailyVisitTrend failed: WeChat errcode 61003',
      reason: 'platform-authorization',
      errcode: 61003,
    },
    {
      status: 'failed',
      detail: 'getDailyVisitTrend failed: WeChat errcode 40125 (invalid appsecret)',
      reason: 'credentials',
      errcode: 40125,
    },
    {
      status: 'failed',
      detail: "WXA_APP_X_SECRET is not set: export the app's AppSecret there",
      reason: 'missing-secret',
    },
  ];
  return Array.from({ length: count }, (_, i) => {
    const name = `failing-${String(i + 1).padStart(4, '0')}`;
    return {
      ...(kinds[i % kinds.length] as Omit<DigestEntry, 'name'>),
      name,
      appName: `未出报告的分店 ${i + 1} 号（华东区）`,
    };
  });
}

/**
 * An agency digest over `apps` Mini Programs: gains and drops, and the apps without a report
 * (`problems`, taken from SAMPLE_PROBLEMS by default) among them.
 */
export function sampleDigest(apps = 8, problems: readonly DigestEntry[] = SAMPLE_PROBLEMS.slice(0, 2)): ReportMessage {
  const sent = Array.from({ length: Math.max(0, apps - problems.length) }, (_, i): DigestEntry => {
    const name = `app-${String(i + 1).padStart(4, '0')}`;
    const visitors = 1_000 + ((i * 7_919) % 50_000);
    const previousDay = Math.round(visitors * (1 + ((i % 5) - 2) / 10));
    const base = NAMES[i % NAMES.length] ?? name;
    return {
      name,
      status: 'sent',
      summary: {
        appName: i < NAMES.length ? base : `${base} ${Math.floor(i / NAMES.length) + 1}`,
        appid: `wx${String(i).padStart(16, '0')}`,
        visitors,
        previousDay,
        dayOverDay: (visitors - previousDay) / previousDay,
      },
    };
  });
  return { kind: 'digest', report: buildDigestReport('2026-11-22', [...sent, ...problems]) };
}
