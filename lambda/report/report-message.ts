import type { DailyReport } from './daily-report.js';
import type { DigestReport } from './digest-report.js';
import type { MonthlyReport } from './monthly-report.js';

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
  | { readonly kind: 'no-data'; readonly notice: NoDataNotice }
  | { readonly kind: 'digest'; readonly report: DigestReport };
