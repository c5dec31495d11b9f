import { describe, expect, it } from 'vitest';
import type { DailyVisitTrend } from '../../../lambda/domain/daily-visit-trend.js';
import type { MonthlyRetention } from '../../../lambda/domain/monthly-retention.js';
import { buildMonthlyReport, monthlyReportJson, summariseDays } from '../../../lambda/report/monthly-report.js';

const retention = (
  month: string,
  newUsers: [number?, number?],
  activeUsers: [number?, number?],
): [string, MonthlyRetention] => [
  month,
  {
    month,
    newUsers: { month: newUsers[0], nextMonth: newUsers[1] },
    activeUsers: { month: activeUsers[0], nextMonth: activeUsers[1] },
  },
];

const build = (entries: [string, MonthlyRetention][], days = new Map<string, DailyVisitTrend>()) =>
  buildMonthlyReport({ appid: 'wx1', appName: 'Shop', month: '2026-10', retention: new Map(entries), days });

describe('the monthly report', () => {
  it('compares new and active users of M with M-1', () => {
    const report = build([retention('2026-10', [1100], [5500]), retention('2026-09', [1000, 80], [5000, 1500])]);

    expect(report.newUsers).toEqual({ value: 1100, previous: 1000, change: 0.1 });
    expect(report.activeUsers).toEqual({ value: 5500, previous: 5000, change: 0.1 });
  });

  it('takes the cohort rate for M-1 from the M-1 answer, and compares it with the M-2 cohort', () => {
    // Prepare: M's own key 1 must never be used (it cannot exist yet; if it did, it is about M+1).
    const report = build([
      retention('2026-10', [1100, 999], [5500, 999]),
      retention('2026-09', [1000, 80], [5000, 1500]),
      retention('2026-08', [800, 80], [4000, 1000]),
    ]);

    expect(report.cohort).toMatchObject({
      month: '2026-09',
      newUserRetention: 0.08,
      activeUserRetention: 0.3,
      previousNewUserRetention: 0.1,
      previousActiveUserRetention: 0.25,
      newUsers: 1000,
      newUsersRetained: 80,
    });
  });

  it('explains a missing key 1 instead of showing 0 %', () => {
    const report = build([retention('2026-10', [1100], [5500]), retention('2026-09', [1000], [5000])]);

    expect(report.cohort.newUserRetention).toBeNull();
    expect(report.cohort.newUserRetentionMissing).toBe('not-published');
    expect(report.cohort.activeUserRetentionMissing).toBe('not-published');
  });

  it('explains a cohort with no users instead of NaN', () => {
    const report = build([retention('2026-10', [5], [10]), retention('2026-09', [0, 0], [0, 0])]);

    expect(report.cohort.newUserRetention).toBeNull();
    expect(report.cohort.newUserRetentionMissing).toBe('no-users');
    expect(report.newUsers.change).toBeNull();
  });

  it('says "no data" when M-1 is unknown, and null for the previous cohort', () => {
    const report = build([retention('2026-10', [1100], [5500])]);

    expect(report.cohort.newUserRetentionMissing).toBe('no-data');
    expect(report.cohort.previousNewUserRetention).toBeNull();
    expect(report.newUsers).toEqual({ value: 1100, previous: null, change: null });
  });

  it('lists the six months ending with M, with gaps', () => {
    const report = build([retention('2026-10', [1100], [5500]), retention('2026-07', [700, 1], [3000, 1])]);

    expect(report.history.map((h) => h.month)).toEqual([
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
    expect(report.history[2]).toEqual({ month: '2026-07', newUsers: 700, activeUsers: 3000 });
    expect(report.history[3]).toEqual({ month: '2026-08', newUsers: null, activeUsers: null });
  });

  it("charts the months from the app's first, when it is younger than six months", () => {
    const report = buildMonthlyReport({
      appid: 'wx1',
      month: '2026-10',
      retention: new Map([retention('2026-10', [1100], [5500]), retention('2026-09', [1000, 80], [5000, 1500])]),
      days: new Map(),
      gaps: { noData: ['2026-05', '2026-06', '2026-07', '2026-08'], missing: [], missingBecause: null },
    });

    expect(report.history.map((h) => h.month)).toEqual(['2026-09', '2026-10']);
  });

  it('serialises to the --json shape', () => {
    const json = monthlyReportJson(
      build([retention('2026-10', [1100], [5500]), retention('2026-09', [1000, 80], [5000, 1500])]),
    );

    expect(json).toEqual({
      appid: 'wx1',
      month: '2026-10',
      newUsers: { value: 1100, previous: 1000, change: 0.1 },
      activeUsers: { value: 5500, previous: 5000, change: 0.1 },
      cohort: {
        month: '2026-09',
        newUserRetention: 0.08,
        activeUserRetention: 0.3,
        previousNewUserRetention: null,
        previousActiveUserRetention: null,
      },
      daily: null,
      history: [
        { month: '2026-05', newUsers: null, activeUsers: null },
        { month: '2026-06', newUsers: null, activeUsers: null },
        { month: '2026-07', newUsers: null, activeUsers: null },
        { month: '2026-08', newUsers: null, activeUsers: null },
        { month: '2026-09', newUsers: 1000, activeUsers: 5000 },
        { month: '2026-10', newUsers: 1100, activeUsers: 5500 },
      ],
      gaps: { noData: [], missing: [], missingBecause: null },
    });
  });

  it('rounds rates and changes to 4 decimals in the JSON, as the README shows', () => {
    const json = monthlyReportJson(
      build([retention('2026-10', [1539461], [5358228]), retention('2026-09', [1515450, 125247], [5168444, 1674812])]),
    ) as { newUsers: { change: number }; cohort: { newUserRetention: number; activeUserRetention: number } };

    expect(json.newUsers.change).toBe(0.0158);
    expect(json.cohort.newUserRetention).toBe(0.0826);
    expect(json.cohort.activeUserRetention).toBe(0.324);
  });
});

describe('the month from daily data', () => {
  const day = (date: string, visit_uv?: number, visit_uv_new?: number): [string, DailyVisitTrend] => [
    date,
    {
      date,
      metrics: {
        ...(visit_uv === undefined ? {} : { visit_uv }),
        ...(visit_uv_new === undefined ? {} : { visit_uv_new }),
      },
    },
  ];

  it('averages and sums only the archived days, and finds the best and worst', () => {
    const summary = summariseDays(
      '2026-10',
      new Map([
        day('2026-10-01', 100, 10),
        day('2026-10-02', 300, 5),
        day('2026-10-03', 200),
        day('2026-10-04'),
        day('2026-11-01', 9999, 9),
      ]),
    );

    expect(summary).toEqual({
      daysWithData: 3,
      daysInMonth: 31,
      averageDailyVisitors: 200,
      totalNewUsers: 15,
      bestDay: { date: '2026-10-02', visitors: 300 },
      worstDay: { date: '2026-10-01', visitors: 100 },
    });
  });

  it('is null when the archive has no day of the month', () => {
    expect(summariseDays('2026-10', new Map())).toBeNull();
  });
});
