/**
 * Relative change as a fraction (0.1 = +10 %). `null` when it cannot be computed honestly: either
 * side missing, or a zero base (growth from nothing is not a percentage).
 */
export function relativeChange(current: number | undefined, previous: number | undefined): number | null {
  if (current === undefined || previous === undefined || previous === 0) return null;
  return (current - previous) / previous;
}

/** A ratio `part / whole`, `null` when the whole is missing or zero. */
export function ratio(part: number | undefined, whole: number | undefined): number | null {
  if (part === undefined || whole === undefined || whole === 0) return null;
  return part / whole;
}

/**
 * A fraction as the JSON outputs give it: rounded to 4 decimals (0.08812… → 0.0881, i.e. +8.81 %),
 * enough for one decimal of a percentage, and free of float noise. `null` stays `null`.
 */
export function roundRatio(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}

/**
 * A value (a count, a duration in seconds, an average) rounded to 2 decimals for the JSON: WeChat's
 * durations carry float noise (169.50115 s) no reader needs; counts are whole and stay so. `null` stays `null`.
 */
export function roundValue(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}
