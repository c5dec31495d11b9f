/** Whether a day's value is unusual against the same weekday of the weeks before. */
export interface Anomaly {
  /**
   * `no-value`: the history is there but the day has no value to judge (WeChat left an optional
   * field, such as stay_time_uv, out of its answer).
   */
  readonly status: 'normal' | 'high' | 'low' | 'insufficient-history' | 'no-value';
  /** How many earlier same weekdays the judgement rests on. */
  readonly weeks: number;
  /** The usual value: the median of those weeks, null without enough history. */
  readonly usual: number | null;
  /** (value − usual) ÷ usual, null without enough history or a usual of 0. */
  readonly deviation: number | null;
}

/** Fewer earlier same weekdays than this and nothing is judged: a flag needs a baseline. */
export const MIN_WEEKS = 4;
export const MAX_WEEKS = 8;
/** Iglewicz and Hoaglin's cut-off for the modified z-score. */
const Z_CUTOFF = 3.5;
/** Below this relative gap nothing is flagged, however steady the history (a tiny MAD). */
const MIN_DEVIATION = 0.1;
/** With no spread at all (MAD 0), this relative gap flags. */
const FLAT_DEVIATION = 0.2;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/**
 * A robust baseline: the median of the same weekday over the last 4–8 weeks and the median absolute
 * deviation around it, so one campaign day in the history does not move it. Flagged when the
 * modified z-score passes 3.5 and the day is at least 10 % off the usual. Weekly rhythm is taken
 * out by comparing Mondays with Mondays. A pure function.
 */
export function detectAnomaly(value: number | null, sameWeekdays: readonly (number | null)[]): Anomaly {
  const history = sameWeekdays.slice(0, MAX_WEEKS).filter((v): v is number => v !== null);
  if (history.length < MIN_WEEKS)
    return { status: 'insufficient-history', weeks: history.length, usual: null, deviation: null };
  if (value === null) return { status: 'no-value', weeks: history.length, usual: null, deviation: null };
  const usual = median(history);
  const mad = median(history.map((x) => Math.abs(x - usual)));
  const deviation = usual === 0 ? null : (value - usual) / usual;
  const unusual =
    deviation !== null &&
    Math.abs(deviation) >= MIN_DEVIATION &&
    (mad === 0 ? Math.abs(deviation) >= FLAT_DEVIATION : Math.abs((0.6745 * (value - usual)) / mad) > Z_CUTOFF);
  return {
    status: unusual ? (value > usual ? 'high' : 'low') : 'normal',
    weeks: history.length,
    usual,
    deviation,
  };
}
