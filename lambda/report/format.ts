import { type DailyMetric, METRIC_KIND } from '../domain/daily-visit-trend.js';

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const twoDecimals = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 1234567 → "1,234,567". */
export function formatCount(value: number): string {
  return counts.format(value);
}

/** Seconds → "m:ss", or "h:mm:ss" past an hour. */
export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function formatMetric(metric: DailyMetric, value: number | null, notAvailable: string): string {
  if (value === null) return notAvailable;
  switch (METRIC_KIND[metric]) {
    case 'count':
      return formatCount(value);
    case 'duration':
      return formatDuration(value);
    case 'ratio':
      return twoDecimals.format(value);
  }
}

export type Direction = 'up' | 'down' | 'flat';

/** The direction of a change as shown: anything that rounds to 0.0 % is flat. */
export function direction(change: number): Direction {
  const rounded = Math.round(change * 1000);
  if (rounded > 0) return 'up';
  if (rounded < 0) return 'down';
  return 'flat';
}

const ARROWS: Record<Direction, string> = { up: '▲', down: '▼', flat: '▶' };

/** 0.1234 → "+12.3%", -0.05 → "-5.0%", null → "n/a". Rates always carry one decimal. */
export function formatChange(change: number | null, notAvailable: string): string {
  if (change === null) return notAvailable;
  const d = direction(change);
  const magnitude = Math.abs(change * 100).toFixed(1);
  return d === 'flat' ? '0.0%' : `${d === 'up' ? '+' : '-'}${magnitude}%`;
}

/** The change with an arrow, so the direction never depends on colour alone. */
export function formatChangeWithArrow(change: number | null, notAvailable: string): string {
  if (change === null) return notAvailable;
  return `${ARROWS[direction(change)]} ${formatChange(change, notAvailable)}`;
}

/** A ratio 0.123 → "12.3%". */
export function formatRate(rate: number | null, notAvailable: string): string {
  return rate === null ? notAvailable : `${(rate * 100).toFixed(1)}%`;
}

/** Difference of two rates in percentage points with an arrow: 0.12 vs 0.10 → "▲ +2.0". */
export function formatPointChange(current: number | null, previous: number | null): string | null {
  if (current === null || previous === null) return null;
  const diff = current - previous;
  const d = direction(diff);
  return d === 'flat'
    ? `${ARROWS.flat} 0.0`
    : `${ARROWS[d]} ${d === 'up' ? '+' : '-'}${Math.abs(diff * 100).toFixed(1)}`;
}
