import { afterEach, describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  beijingToday,
  beijingYesterday,
  daysOfMonth,
  hourIn,
  lastCompleteMonth,
  lastDayOfMonth,
  parseIsoDate,
  parseYearMonth,
  toCompactDate,
  weekday,
} from '../../../lambda/calendar/beijing-calendar.js';

describe('the Beijing calendar', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = originalTz;
  });

  it('says the day has changed at midnight in Beijing, not at midnight UTC', () => {
    // Prepare: 15:59:59Z is 23:59:59 in Beijing; 16:00Z is the next day there.
    const lastSecond = new Date('2026-11-22T15:59:59Z');
    const firstSecond = new Date('2026-11-22T16:00:00Z');

    // Act / Assess
    expect(beijingToday(lastSecond)).toBe('2026-11-22');
    expect(beijingToday(firstSecond)).toBe('2026-11-23');
    expect(beijingYesterday(firstSecond)).toBe('2026-11-22');
  });

  it.each(['America/Los_Angeles', 'Pacific/Kiritimati', 'UTC', 'Asia/Shanghai'])(
    'gives the same yesterday whatever the machine zone (%s)',
    (zone) => {
      process.env.TZ = zone;
      expect(beijingYesterday(new Date('2026-11-23T02:00:00Z'))).toBe('2026-11-22');
      expect(lastCompleteMonth(new Date('2026-11-30T17:00:00Z'))).toBe('2026-11');
    },
  );

  it('finds the last complete month across a year boundary', () => {
    expect(lastCompleteMonth(new Date('2027-01-01T00:30:00+08:00'))).toBe('2026-12');
    expect(lastCompleteMonth(new Date('2026-12-31T23:59:00+08:00'))).toBe('2026-11');
  });

  it('does civil-date arithmetic without zone drift', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-11-22', -7)).toBe('2026-11-15');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(lastDayOfMonth('2024-02')).toBe('2024-02-29');
    expect(daysOfMonth('2026-02')).toHaveLength(28);
    expect(weekday('2026-11-22')).toBe(0);
    expect(toCompactDate('2026-11-22')).toBe('20261122');
  });

  it('accepts real dates in both user forms and refuses the rest with the field name', () => {
    expect(parseIsoDate('2026-11-22')).toBe('2026-11-22');
    expect(parseIsoDate('20261122')).toBe('2026-11-22');
    expect(() => parseIsoDate('2026-02-30', '--date')).toThrow(/--date "2026-02-30" is not a real calendar date/);
    expect(() => parseIsoDate('22/11/2026')).toThrow(/YYYY-MM-DD/);
    expect(parseYearMonth('2026-10')).toBe('2026-10');
    expect(() => parseYearMonth('2026-13', '--month')).toThrow(/--month "2026-13"/);
  });

  it('agrees with the Asia/Shanghai zone of ICU on every hour from 1992 to 2040', () => {
    // Prepare
    const zoned = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    });
    const mismatches: string[] = [];

    // Act: every 7th hour, so every hour of the day and day of the week comes up.
    for (let t = Date.UTC(1992, 0, 1); t < Date.UTC(2040, 0, 1); t += 7 * 3_600_000) {
      const now = new Date(t);
      const parts = Object.fromEntries(zoned.formatToParts(now).map((p) => [p.type, p.value]));
      const expected = `${parts.year}-${parts.month}-${parts.day} ${Number(parts.hour)}`;
      const actual = `${beijingToday(now)} ${hourIn(now)}`;
      if (actual !== expected) mismatches.push(`${now.toISOString()}: ${actual} ≠ ${expected}`);
    }

    // Assess
    expect(mismatches).toEqual([]);
  });
});
