import type { WorkUnit } from '../pipeline/work-unit.js';

/** Where units of work wait for a worker: SQS in the deployment. */
export interface WorkQueue {
  enqueue(units: readonly WorkUnit[]): Promise<void>;
  /** Messages waiting for a worker (not those being worked on or backing off). */
  waiting(): Promise<number>;
}

/** What is written for a unit that still fails after its retries: enough for a person to act. */
export interface FailureRecord {
  readonly app: string;
  readonly job: string;
  readonly period: string;
  /** What happened and what to do, in one line (secrets redacted). */
  readonly reason: string;
  /** `needs-person`: recorded at once; `transient`: still failing after every try. */
  readonly kind?: 'transient' | 'needs-person';
  readonly attempts: number;
  readonly failedAt: string;
}

export interface FailureSink {
  record(failure: FailureRecord): Promise<void>;
}

export class QueueError extends Error {
  override name = 'QueueError';
}
