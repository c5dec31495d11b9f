import { describe, expect, it } from 'vitest';
import type { DailyVisitTrend } from '../../../lambda/domain/daily-visit-trend.js';
import { relativeChange } from '../../../lambda/report/change.js';
import { buildDailyReport, dailyReportJson, trendDates } from '../../../lambda/report/daily-report.js';

const day = (date: string, metrics: DailyVisitTrend['metrics']): DailyVisitTrend => ({ date, metrics });

describe('relative change', () => {
  it('is a fraction of the previous value', () => {
    expect(relativeChange(110, 100)).toBeCloseTo(0.1, 12);
    expect(relativeChange(50, 200)).toBe(-0.75);
    expect(relativeChange(7, 7)).toBe(0);
  });

  it('is null, never Infinity or NaN, when it cannot be computed', () => {
    expect(relativeChange(5, 0)).toBeNull();
    expect(relativeChange(0, 0)).toBeNull();
    expect(relativeChange(undefined, 10)).toBeNull();
    expect(relativeChange(10, undefined)).toBeNull();
  });

  it('goes to -100 % when a metric drops to zero', () => {
    expect(relativeChange(0, 40)).toBe(-1);
  });
});

describe('the daily report', () => {
  const reportDay = day('2026-11-22', { visit_uv: 1200, visit_pv: 5000, stay_time_uv: 95.5 });
  const history = new Map([
    ['2026-11-21', day('2026-11-21', { visit_uv: 1000, visit_pv: 0 })],
    ['2026-11-15', day('2026-11-15', { visit_uv: 1500, visit_pv: 4000, stay_time_uv: 100 })],
    ['2026-11-10', day('2026-11-10', { visit_uv: 900 })],
  ]);

  it('compares the day with the day before and the same weekday a week before', () => {
    const report = buildDailyReport({ appid: 'wx1', appName: 'Shop', day: reportDay, history });

    expect(report.metrics.visit_uv).toEqual({
      value: 1200,
      previousDay: 1000,
      dayOverDay: 0.2,
      previousWeek: 1500,
      weekOverWeek: -0.2,
    });
  });

  it('says n/a (null) for a zero base and for a metric missing on either side', () => {
    const report = buildDailyReport({ appid: 'wx1', day: reportDay, history });

    expect(report.metrics.visit_pv).toMatchObject({ previousDay: 0, dayOverDay: null, weekOverWeek: 0.25 });
    expect(report.metrics.stay_time_uv).toMatchObject({ previousDay: null, dayOverDay: null });
    expect(report.metrics.session_cnt).toEqual({
      value: null,
      previousDay: null,
      dayOverDay: null,
      previousWeek: null,
      weekOverWeek: null,
    });
  });

  it('has no comparisons at all when the archive is empty', () => {
    const report = buildDailyReport({ appid: 'wx1', day: reportDay, history: new Map() });

    expect(Object.values(report.metrics).every((m) => m.dayOverDay === null && m.weekOverWeek === null)).toBe(true);
  });

  it('shows the 14 days ending on the report day, with gaps where the archive has nothing', () => {
    const report = buildDailyReport({ appid: 'wx1', day: reportDay, history });

    expect(report.trend).toHaveLength(14);
    expect(report.trend[0]).toEqual({ date: '2026-11-09', visitors: null });
    expect(report.trend[1]).toEqual({ date: '2026-11-10', visitors: 900 });
    expect(report.trend.at(-1)).toEqual({ date: '2026-11-22', visitors: 1200 });
    expect(trendDates('2026-11-22')[0]).toBe('2026-11-09');
  });

  it('starts the trend on the first day WeChat has data for, for a Mini Program younger than 14 days', () => {
    const noData = ['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12'];
    const report = buildDailyReport({
      appid: 'wx1',
      day: reportDay,
      history,
      gaps: { noData, missing: [], missingBecause: null },
    });

    expect(report.trend).toHaveLength(10);
    expect(report.trend[0]?.date).toBe('2026-11-13');
    expect(report.gaps.noData).toEqual(noData);
  });

  it('falls back to the AppID for a name and serialises to the --json shape', () => {
    const report = buildDailyReport({ appid: 'wx1', day: reportDay, history });
    const json = JSON.parse(JSON.stringify(dailyReportJson(report)));

    expect(report.appName).toBe('wx1');
    // The first three keys never change; later ones are only ever added.
    expect(Object.keys(json)).toEqual(['appid', 'date', 'metrics', 'anomalies', 'summary', 'topPages', 'gaps']);
    expect(json.anomalies.visit_uv).toEqual({ status: 'insufficient-history', weeks: 1, usual: null, deviation: null });
    expect([json.summary, json.topPages]).toEqual([null, []]);
    expect(json.metrics.visit_uv_new).toEqual({
      value: null,
      previousDay: null,
      dayOverDay: null,
      previousWeek: null,
      weekOverWeek: null,
    });
  });
});
