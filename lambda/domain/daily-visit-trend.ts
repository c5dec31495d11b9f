import type { IsoDate } from '../calendar/beijing-calendar.js';

/** The seven metrics of getDailyVisitTrend, named as the API names them (also the --json keys). */
export const DAILY_METRICS = [
  'session_cnt',
  'visit_pv',
  'visit_uv',
  'visit_uv_new',
  'stay_time_uv',
  'stay_time_session',
  'visit_depth',
] as const;

export type DailyMetric = (typeof DAILY_METRICS)[number];

/** How a metric is shown: a count, seconds shown as m:ss, or a ratio with decimals. */
export const METRIC_KIND: Readonly<Record<DailyMetric, 'count' | 'duration' | 'ratio'>> = {
  session_cnt: 'count',
  visit_pv: 'count',
  visit_uv: 'count',
  visit_uv_new: 'count',
  stay_time_uv: 'duration',
  stay_time_session: 'duration',
  visit_depth: 'ratio',
};

/** One day of visits to one Mini Program. A metric WeChat did not report is absent, not zero. */
export interface DailyVisitTrend {
  readonly date: IsoDate;
  readonly metrics: Readonly<Partial<Record<DailyMetric, number>>>;
}
