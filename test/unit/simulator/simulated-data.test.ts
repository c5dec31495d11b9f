import { describe, expect, it } from 'vitest';
import { addDays, daysOfMonth } from '../../../lambda/calendar/beijing-calendar.js';
import {
  DEMO_APPS,
  simulatedDailyVisitTrend,
  simulatedMonthlyRetain,
} from '../../../lambda/simulator/simulated-data.js';

const appid = DEMO_APPS[0]?.appid ?? '';

describe('simulated daily data', () => {
  it('is the same on every run', () => {
    expect(simulatedDailyVisitTrend(appid, '2026-11-22')).toEqual(simulatedDailyVisitTrend(appid, '2026-11-22'));
  });

  it('differs between apps', () => {
    const other = DEMO_APPS[1]?.appid ?? '';
    expect(simulatedDailyVisitTrend(appid, '2026-11-22').visit_uv).not.toBe(
      simulatedDailyVisitTrend(other, '2026-11-22').visit_uv,
    );
  });

  it('keeps the metrics in plausible ratios every day of a year', () => {
    for (let d = '2026-01-01'; d <= '2026-12-31'; d = addDays(d, 1)) {
      const day = simulatedDailyVisitTrend(appid, d);
      expect(day.visit_uv_new).toBeLessThanOrEqual(day.visit_uv);
      expect(day.session_cnt).toBeGreaterThanOrEqual(day.visit_uv);
      expect(day.visit_pv).toBeGreaterThan(day.session_cnt);
      expect(day.visit_depth).toBeCloseTo(day.visit_pv / day.session_cnt, 3);
      expect(day.stay_time_uv).toBeGreaterThan(day.stay_time_session);
    }
  });

  it('has weekends busier than weekdays on average, and grows over the year', () => {
    const days = daysOfMonth('2026-06').map((d) => ({ d, uv: simulatedDailyVisitTrend(appid, d).visit_uv }));
    const weekend = days.filter(({ d }) => [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));
    const weekdays = days.filter(({ d }) => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));
    const mean = (xs: { uv: number }[]) => xs.reduce((s, x) => s + x.uv, 0) / xs.length;
    expect(mean(weekend)).toBeGreaterThan(mean(weekdays) * 1.1);
    const january = daysOfMonth('2026-01').map((d) => ({ uv: simulatedDailyVisitTrend(appid, d).visit_uv }));
    expect(mean(days)).toBeGreaterThan(mean(january));
  });
});

describe('simulated monthly retention', () => {
  it('has key 1 only once the following month has ended', () => {
    const midNovember = new Date('2026-11-15T12:00:00+08:00');

    const october = simulatedMonthlyRetain(appid, '2026-10', midNovember);
    const september = simulatedMonthlyRetain(appid, '2026-09', midNovember);

    expect(october.visit_uv.map((e) => e.key)).toEqual([0]);
    expect(september.visit_uv.map((e) => e.key)).toEqual([0, 1]);
    expect(september.visit_uv_new.map((e) => e.key)).toEqual([0, 1]);
  });

  it('counts new users of the month as the sum of its daily new users, and retains a fraction', () => {
    const body = simulatedMonthlyRetain(appid, '2026-09', new Date('2026-11-15T12:00:00+08:00'));
    const dailyNew = daysOfMonth('2026-09').reduce((s, d) => s + simulatedDailyVisitTrend(appid, d).visit_uv_new, 0);

    expect(body.ref_date).toBe('202609');
    expect(body.visit_uv_new[0]?.value).toBe(dailyNew);
    expect(body.visit_uv_new[1]?.value).toBeLessThan(dailyNew);
    expect(body.visit_uv[1]?.value).toBeLessThan(body.visit_uv[0]?.value ?? 0);
  });
});
