import type { ReportMessage } from '../report/report-message.js';

export interface Delivery {
  readonly channel: string;
  readonly detail: string;
}

/** One way a report reaches people (an email list, a chat group): renders it, then sends it. */
export interface ReportChannel {
  readonly name: string;
  deliver(message: ReportMessage): Promise<Delivery>;
}
