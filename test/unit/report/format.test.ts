import { describe, expect, it } from 'vitest';
import {
  formatChange,
  formatChangeWithArrow,
  formatCount,
  formatDuration,
  formatMetric,
  formatRate,
} from '../../../lambda/report/format.js';

describe('formatting', () => {
  it('puts thousands separators in counts', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(0)).toBe('0');
  });

  it('shows stay times as m:ss, and h:mm:ss past an hour', () => {
    expect(formatDuration(406.0065)).toBe('6:46');
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('shows changes with a sign and one decimal, and n/a when unknown', () => {
    expect(formatChange(0.1234, 'n/a')).toBe('+12.3%');
    expect(formatChange(-0.05, 'n/a')).toBe('-5.0%');
    expect(formatChange(0.00004, 'n/a')).toBe('0.0%');
    expect(formatChange(null, '无数据')).toBe('无数据');
  });

  it('adds an arrow so direction never depends on colour', () => {
    expect(formatChangeWithArrow(0.032, 'n/a')).toBe('▲ +3.2%');
    expect(formatChangeWithArrow(-0.2, 'n/a')).toBe('▼ -20.0%');
    expect(formatChangeWithArrow(0, 'n/a')).toBe('▶ 0.0%');
  });

  it('formats each metric by its kind', () => {
    expect(formatMetric('visit_uv', 55500, 'n/a')).toBe('55,500');
    expect(formatMetric('stay_time_session', 95.2, 'n/a')).toBe('1:35');
    expect(formatMetric('visit_depth', 1.9838, 'n/a')).toBe('1.98');
    expect(formatMetric('visit_depth', null, 'n/a')).toBe('n/a');
    expect(formatRate(0.12345, 'n/a')).toBe('12.3%');
  });
});
