/**
 * The ledger: what happened to each scheduled unit of work (app, job, period) and to each delivery
 * of its report on each channel. It is what makes delivery exactly-once per channel: a channel is
 * claimed with a conditional write before anything is sent, and a claim that was never finished is
 * never taken over silently (see `decideClaim`).
 */

export type JobKind = 'daily' | 'monthly';
/** A unit of work: an app's daily or monthly report, or the day's agency digest. */
export type UnitJob = JobKind | 'digest';

/** Where a unit stands. `failed` is final (a person must act); `pending` is picked up by the retry schedule. */
export type JobStatus = 'pending' | 'sent' | 'no-data' | 'failed';

export type { AppDaySummary } from '../report/digest-report.js';

import type { AppDaySummary } from '../report/digest-report.js';
import type { ProblemReason } from '../report/problem-reason.js';

export interface JobRecord {
  readonly status: JobStatus;
  readonly updatedAt: string;
  readonly detail?: string;
  readonly summary?: AppDaySummary;
  /** Why a unit is pending, failed or has no data, as a code the digest says in its language. */
  readonly reason?: ProblemReason;
  /** WeChat's errcode, when a WeChat refusal is the reason. */
  readonly errcode?: number;
}

export type DeliveryStatus = 'sending' | 'sent' | 'failed' | 'unconfirmed';

export interface DeliveryRecord {
  readonly status: DeliveryStatus;
  readonly updatedAt: string;
  /** Who holds a `sending` claim: only it may finish the claim. */
  readonly owner?: string;
  /** A `sending` claim not finished by then was interrupted (the process died mid-send). */
  readonly leaseUntil?: string;
  readonly detail?: string;
}

/** One report's deliveries: an app's job and period, or the digest (`app` = DIGEST_SCOPE). */
export interface DeliveryScope {
  readonly job: UnitJob;
  readonly period: string;
  readonly app: string;
}

export const DIGEST_SCOPE = '_digest';

export type ClaimOutcome =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'already-sent'; readonly record: DeliveryRecord }
  | { readonly kind: 'busy'; readonly record: DeliveryRecord }
  | { readonly kind: 'unconfirmed'; readonly record: DeliveryRecord };

/** The ledger port: DynamoDB in the deployment, files beside the archive for `wxa-report run`. */
export interface Ledger {
  getJob(job: UnitJob, period: string, app: string): Promise<JobRecord | undefined>;
  putJob(job: UnitJob, period: string, app: string, record: JobRecord): Promise<void>;
  /** Every app's record of one job and period (paged through by the adapter). */
  listJobs(job: UnitJob, period: string): Promise<Map<string, JobRecord>>;
  getDelivery(scope: DeliveryScope, channel: string): Promise<DeliveryRecord | undefined>;
  /**
   * Writes `next` only if the stored record is still `expected` (undefined: no record yet). The
   * single primitive every transition goes through; true when written.
   */
  swapDelivery(
    scope: DeliveryScope,
    channel: string,
    expected: DeliveryRecord | undefined,
    next: DeliveryRecord,
  ): Promise<boolean>;
}

export type ClaimDecision = 'claim' | 'already-sent' | 'busy' | 'interrupted' | 'unconfirmed';

/**
 * What a new claim on a channel may do, given the stored record.
 *
 * - nothing stored, or the last attempt failed (the platform refused): claim and send.
 * - `sent`: never again.
 * - `sending` within its lease: another run is sending right now; leave it.
 * - `sending` past its lease: the sender died between sending and recording. The message may or
 *   may not have gone out, and sending again could deliver it twice, so it becomes `unconfirmed`
 *   (at-most-once): reported for a person to check, never re-sent on its own.
 */
export function decideClaim(record: DeliveryRecord | undefined, now: Date): ClaimDecision {
  if (!record || record.status === 'failed') return 'claim';
  if (record.status === 'sent') return 'already-sent';
  if (record.status === 'unconfirmed') return 'unconfirmed';
  return record.leaseUntil !== undefined && Date.parse(record.leaseUntil) <= now.getTime() ? 'interrupted' : 'busy';
}

const MAX_SWAP_ATTEMPTS = 5;

/** Claims a channel through the ledger's compare-and-swap, re-reading when another writer got there first. */
export async function claimDelivery(
  ledger: Ledger,
  scope: DeliveryScope,
  channel: string,
  claim: { readonly owner: string; readonly now: Date; readonly leaseMs: number },
): Promise<ClaimOutcome> {
  for (let attempt = 0; attempt < MAX_SWAP_ATTEMPTS; attempt++) {
    const record = await ledger.getDelivery(scope, channel);
    const decision = decideClaim(record, claim.now);
    const updatedAt = claim.now.toISOString();
    if (decision === 'already-sent' && record) return { kind: 'already-sent', record };
    if (decision === 'busy' && record) return { kind: 'busy', record };
    if (decision === 'unconfirmed' && record) return { kind: 'unconfirmed', record };
    if (decision === 'interrupted' && record) {
      const next: DeliveryRecord = {
        status: 'unconfirmed',
        updatedAt,
        detail: `the run that was sending this (since ${record.updatedAt}) stopped before recording the result`,
      };
      if (await ledger.swapDelivery(scope, channel, record, next)) return { kind: 'unconfirmed', record: next };
      continue;
    }
    const next: DeliveryRecord = {
      status: 'sending',
      updatedAt,
      owner: claim.owner,
      leaseUntil: new Date(claim.now.getTime() + claim.leaseMs).toISOString(),
    };
    if (await ledger.swapDelivery(scope, channel, record, next)) return { kind: 'claimed' };
  }
  throw new LedgerError(`could not claim ${describeScope(scope)} on ${channel}: the ledger kept changing under us`);
}

/** Records how a claimed send ended; only the claim's owner may, and only while it still holds it. */
export async function finishDelivery(
  ledger: Ledger,
  scope: DeliveryScope,
  channel: string,
  owner: string,
  result: { readonly status: 'sent' | 'failed'; readonly detail: string; readonly now: Date },
): Promise<void> {
  const record = await ledger.getDelivery(scope, channel);
  if (record?.status !== 'sending' || record.owner !== owner) {
    throw new LedgerError(
      `${describeScope(scope)} on ${channel}: the claim was lost before the result (${result.status}) was recorded`,
    );
  }
  const next: DeliveryRecord = { status: result.status, updatedAt: result.now.toISOString(), detail: result.detail };
  if (!(await ledger.swapDelivery(scope, channel, record, next))) {
    throw new LedgerError(`${describeScope(scope)} on ${channel}: the claim changed while recording ${result.status}`);
  }
}

export function describeScope(scope: DeliveryScope): string {
  return scope.app === DIGEST_SCOPE ? `the ${scope.period} digest` : `${scope.app} ${scope.job} ${scope.period}`;
}

/** Equality of two stored records, for compare-and-swap over stores that hold them whole. */
export function sameRecord(a: DeliveryRecord | undefined, b: DeliveryRecord | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.status === b.status &&
    a.updatedAt === b.updatedAt &&
    a.owner === b.owner &&
    a.leaseUntil === b.leaseUntil &&
    a.detail === b.detail
  );
}

export class LedgerError extends Error {
  override name = 'LedgerError';
}

// Names become path segments (files) or key parts (DynamoDB): refuse anything that could climb out.
const SAFE_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9_.=-]{1,80}$/;

export function safeSegment(value: string, what: string): string {
  if (!SAFE_SEGMENT.test(value)) throw new LedgerError(`"${value}" cannot be a ledger ${what}`);
  return value;
}
