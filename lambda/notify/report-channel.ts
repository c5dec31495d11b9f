import type { DailyReport } from '../report/daily-report.js';
import type { MonthlyReport } from '../report/monthly-report.js';

/**
 * Sent instead of a report when WeChat still had no data at the cut-off: people should hear that
 * the report is missing rather than meet silence.
 */
export interface NoDataNotice {
  readonly job: 'daily' | 'monthly';
  readonly appid: string;
  readonly appName: string;
  /** The day (YYYY-MM-DD) or month (YYYY-MM) that has no data. */
  readonly period: string;
  readonly reason: string;
}

/** A finished report (or notice) on its way out. */
export type ReportMessage =
  | { readonly kind: 'daily'; readonly report: DailyReport }
  | { readonly kind: 'monthly'; readonly report: MonthlyReport }
  | { readonly kind: 'no-data'; readonly notice: NoDataNotice };

export interface Delivery {
  readonly channel: string;
  readonly detail: string;
}

/** One way a report reaches people (an email list, a chat group): renders it, then sends it. */
export interface ReportChannel {
  readonly name: string;
  deliver(message: ReportMessage): Promise<Delivery>;
}
