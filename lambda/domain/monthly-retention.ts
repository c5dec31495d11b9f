import type { YearMonth } from '../calendar/beijing-calendar.js';

/**
 * getMonthlyRetain for one natural month M. Key 0 counts users of M itself; key 1 counts how many of
 * them came back in M+1, and exists only once M+1 has ended.
 */
export interface MonthlyRetention {
  readonly month: YearMonth;
  /** visit_uv_new: users new in M (key 0) and of those, returning in M+1 (key 1). */
  readonly newUsers: RetentionPair;
  /** visit_uv: users active in M (key 0) and of those, active again in M+1 (key 1). */
  readonly activeUsers: RetentionPair;
}

export interface RetentionPair {
  readonly month?: number;
  readonly nextMonth?: number;
}
