import type { ReportMessage } from '../report/report-message.js';

export interface Delivery {
  readonly channel: string;
  readonly detail: string;
  /** Not sent by this run: the ledger says it was sent before, or another run is sending it now. */
  readonly skipped?: 'already-sent' | 'in-progress';
}

/** One way a report reaches people (an email list, a chat group): renders it, then sends it. */
export interface ReportChannel {
  /** Stable across runs (`email`, `wecom`…): the ledger records deliveries under it. */
  readonly key: string;
  /** For people: may name the host. */
  readonly name: string;
  deliver(message: ReportMessage): Promise<Delivery>;
}
