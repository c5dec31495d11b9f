import { describe, expect, it } from 'vitest';
import { detectAnomaly } from '../../../lambda/report/anomaly.js';

describe('the anomaly rule (same weekday, median and MAD)', () => {
  it.each([
    ['a day 23 % under six steady Mondays', 77, [100, 102, 98, 101, 99, 100], 'low'],
    ['a day 30 % over the usual', 130, [100, 104, 96, 101, 99, 100, 97, 103], 'high'],
    ['an ordinary day', 103, [100, 104, 96, 101, 99, 100], 'normal'],
    ['one campaign spike in the history does not move the baseline', 100, [100, 180, 98, 101, 99], 'normal'],
    ['noisy history: 15 % off is within its spread', 115, [80, 120, 95, 130, 70, 110], 'normal'],
    ['a flat history: 25 % off is unusual', 75, [100, 100, 100, 100], 'low'],
    ['a flat history: 5 % off is not', 95, [100, 100, 100, 100], 'normal'],
  ] as const)('%s → %s', (_what, value, history, status) => {
    expect(detectAnomaly(value, history).status).toBe(status);
  });

  it('says how far off and against how many weeks', () => {
    expect(detectAnomaly(77, [100, 102, 98, 101, 99, 100])).toEqual({
      status: 'low',
      weeks: 6,
      usual: 100,
      deviation: -0.23,
    });
  });

  it('judges nothing without four earlier same weekdays, and ignores the ninth', () => {
    expect(detectAnomaly(10, [100, null, 100, 100])).toEqual({
      status: 'insufficient-history',
      weeks: 3,
      usual: null,
      deviation: null,
    });
    expect(detectAnomaly(null, [100, 100, 100])).toMatchObject({ status: 'insufficient-history', weeks: 3 });
    // The history is there, the day's value is not (WeChat left an optional field out): said as such.
    expect(detectAnomaly(null, [100, 100, 100, 100])).toEqual({
      status: 'no-value',
      weeks: 4,
      usual: null,
      deviation: null,
    });
    expect(detectAnomaly(100, [100, 100, 100, 100, 100, 100, 100, 100, 1]).weeks).toBe(8);
  });
});
