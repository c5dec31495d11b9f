import { addDays, addMonths, daysOfMonth } from '../../lambda/calendar/beijing-calendar.js';
import type { DailyVisitTrend } from '../../lambda/domain/daily-visit-trend.js';
import type { MonthlyRetention } from '../../lambda/domain/monthly-retention.js';
import { buildDailyReport } from '../../lambda/report/daily-report.js';
import { buildDigestReport } from '../../lambda/report/digest-report.js';
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

/**
 * A full daily report from the simulator's deterministic data: eight weeks of history (the trend and
 * the anomaly baseline), the day's summary and its top pages against the day before.
 */
export function sampleDaily(appName = '喵喵商城'): ReportMessage {
  const history = new Map(
    Array.from({ length: 56 }, (_, i) => addDays('2026-11-22', -(i + 1))).map((d) => [d, day(d)]),
  );
  const summary = simulatedDailySummary(APP.appid, '2026-11-22').list[0];
  const pages = (d: string) =>
    simulatedVisitPage(APP.appid, d).list.map((p) => ({ path: p.page_path, visits: p.page_visit_pv }));
  return {
    kind: 'daily',
    report: buildDailyReport({
      appid: APP.appid,
      appName,
      day: day('2026-11-22'),
      history,
      summary: summary
        ? { visitTotal: summary.visit_total, sharePv: summary.share_pv, shareUv: summary.share_uv }
        : null,
      pages: { day: pages('2026-11-22'), previousDay: pages('2026-11-21') },
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

/** An agency digest over eight apps: gains, drops, one not published yet, one failed. */
export function sampleDigest(apps = 8): ReportMessage {
  const names = [
    '喵喵商城',
    'Daily Brew Coffee',
    '鲜果到家',
    '书香阅读',
    '城市骑行',
    '萌宠乐园',
    '健身打卡',
    '旅行日记',
  ];
  const entries = Array.from({ length: apps }, (_, i) => {
    const name = `app-${String(i + 1).padStart(4, '0')}`;
    if (i === 5) return { name, status: 'pending' as const, detail: 'errcode 61503: data not ready yet' };
    if (i === 6)
      return {
        name,
        status: 'failed' as const,
        detail: 'getDailyVisitTrend failed: WeChat errcode 40125 (invalid appsecret)',
      };
    const visitors = 1_000 + ((i * 7_919) % 50_000);
    const previousDay = Math.round(visitors * (1 + ((i % 5) - 2) / 10));
    return {
      name,
      status: 'sent' as const,
      summary: {
        appName: names[i % names.length] ?? name,
        appid: `wx${String(i).padStart(16, '0')}`,
        visitors,
        previousDay,
        dayOverDay: (visitors - previousDay) / previousDay,
      },
    };
  });
  return { kind: 'digest', report: buildDigestReport('2026-11-22', entries) };
}
