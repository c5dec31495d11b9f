import type { DailyReport } from '../report/daily-report.js';
import type { MonthlyReport } from '../report/monthly-report.js';

/** A finished report on its way out. */
export type ReportMessage =
  | { readonly kind: 'daily'; readonly report: DailyReport }
  | { readonly kind: 'monthly'; readonly report: MonthlyReport };

export interface Delivery {
  readonly channel: string;
  readonly detail: string;
}

/** One way a report reaches people (an email list, a chat group): renders it, then sends it. */
export interface ReportChannel {
  readonly name: string;
  deliver(message: ReportMessage): Promise<Delivery>;
}
