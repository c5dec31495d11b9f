import * as z from 'zod/mini';
import { isValidIsoDate } from '../calendar/beijing-calendar.js';
import { knownUnion } from '../config/deployment-config.js';
import type { UnitJob } from '../state/ledger.js';

/** One unit of scheduled work: an app's report for one period, or the day's digest (no app). */
export interface WorkUnit {
  readonly job: UnitJob;
  readonly period: string;
  /** The app's name in the registry; absent for the digest. */
  readonly app?: string;
}

const month = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM'));
const day = z.string().check(z.refine(isValidIsoDate, 'must be a date YYYY-MM-DD'));

/** A unit as it travels (an SQS message body): validated before anything is done with it. */
/** A field it does not know is named, not dropped: a hand-sent `{"job":"daily","ap":"shop"}` says `ap`. */
export const workUnitSchema = knownUnion('job', [
  { job: z.literal('daily'), period: day, app: z.string().check(z.minLength(1)) },
  { job: z.literal('monthly'), period: month, app: z.string().check(z.minLength(1)) },
  { job: z.literal('digest'), period: day },
]);

export type UnitStatus =
  | 'sent'
  | 'skipped'
  | 'not-yet-available'
  | 'no-data-notice'
  | 'in-progress'
  | 'not-ready'
  | 'failed';

export interface UnitOutcome {
  /** The app's name, or "digest". */
  readonly app: string;
  readonly job: UnitJob;
  readonly period: string;
  readonly status: UnitStatus;
  readonly detail: string;
  /** For a failure: whether trying again soon may help (the engine retries it with backoff). */
  readonly retryable?: boolean;
  /** The WeChat errcode behind a failure, for metrics. */
  readonly errcode?: number;
}
