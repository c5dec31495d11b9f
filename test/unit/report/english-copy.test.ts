import { describe, expect, it } from 'vitest';
import { dailyExtrasMessages } from '../../../lambda/report/daily-extras-i18n.js';
import { digestMessages } from '../../../lambda/report/digest-i18n.js';
import { messages } from '../../../lambda/report/i18n.js';

const SUNDAY = 0;

describe('English copy', () => {
  const x = dailyExtrasMessages('en');

  it('counts weeks in good English', () => {
    expect(x.allUsual(5, SUNDAY)).toBe('Every metric is within the usual range of the last 5 Sundays');
    expect(x.allUsual(1, SUNDAY)).toBe('Every metric is within the usual range of the last Sunday');
    expect(x.allUsual(8, SUNDAY, true)).toBe(
      'Every metric WeChat sent is within the usual range of the last 8 Sundays',
    );
    expect(x.insufficient(1, SUNDAY)).toBe(
      'Too little history to judge what is usual: only 1 earlier Sunday has data (4 needed)',
    );
    expect(x.insufficient(0, SUNDAY)).toContain('no earlier Sunday has data yet');
    expect(x.insufficient(3, SUNDAY)).toContain('only 3 earlier Sundays have data');
    expect(x.notJudged(2, SUNDAY)).toBe('Not judged this time: only 2 earlier Sundays could be fetched (4 needed)');
    expect(x.notJudged(0, SUNDAY)).toBe('Not judged this time: no earlier Sunday could be fetched (4 needed)');
    expect(x.anomaly('Visitors', '23%', 6, 1, 'low')).toBe('Visitors 23% below the usual of the last 6 Mondays');
  });

  it('counts apps in good English', () => {
    const d = digestMessages('en');

    expect(d.subject('Nov 22, 2026', 1, '10', '▲ +1.0%', 0)).toBe(
      'Portfolio · Nov 22, 2026: 1 Mini Program, 10 visitors (▲ +1.0% day over day)',
    );
    expect(d.counts(60, 57, 3)).toBe('60 Mini Programs: 57 reported, 3 without a report');
    expect(d.comparedOver(1)).toBe('change over the one Mini Program with figures on both days');
    expect(d.more(37, 'email')).toBe('…and 37 more (the full ranking is in the digest email)');
  });

  it('writes dates no reader can take for another day: month names, never 10-10 or 10/11', () => {
    const t = messages('en');

    expect(t.shortDate('2026-10-10')).toBe('Oct 10');
    expect(t.longDate('2026-11-22')).toBe('Nov 22, 2026');
    expect(t.dateWithWeekday('2026-11-22', SUNDAY)).toBe('Sun, Nov 22, 2026');
    expect(t.dayLabel('2026-11-21', 6)).toBe('Sat Nov 21');
    expect(messages('zh-CN').shortDate('2026-10-10')).toBe('10月10日');
  });
});
