import * as z from 'zod/mini';

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
import { PROBLEM_REASONS, type ProblemReason } from '../report/problem-reason.js';

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
const DELIVERY_STATUSES: readonly string[] = ['sending', 'sent', 'failed', 'unconfirmed'] satisfies DeliveryStatus[];

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

/**
 * What WeChat answered with no data, per AppID and API: a day before the Mini Program went live, a
 * month before its first. Such a period never gets data, so a report asks for it once, not on every
 * later run. (The archive keeps WeChat's bodies only: a period without one is simply not there.)
 */
export interface NoDataMemory {
  /** The periods of `api` WeChat answered with no data for this AppID (YYYY-MM-DD or YYYY-MM). */
  noDataPeriods(appid: string, api: string): Promise<ReadonlySet<string>>;
  /** Adds to them: a union, so two runs writing at once lose nothing. */
  rememberNoData(appid: string, api: string, periods: readonly string[]): Promise<void>;
}

/**
 * The ledger port: DynamoDB in the deployment, files beside the archive for `wxa-report run`,
 * `daily` and `monthly`.
 */
export interface Ledger extends NoDataMemory {
  getJob(job: UnitJob, period: string, app: string): Promise<JobRecord | undefined>;
  putJob(job: UnitJob, period: string, app: string, record: JobRecord): Promise<void>;
  /**
   * Every app's record of one job and period (paged through by the adapter). A damaged record is
   * left out, never silently: a warning names it (file, or table and key), and `onDamaged` hears of
   * it, so a caller can still act for that app (run its unit, which then fails naming the record).
   */
  listJobs(job: UnitJob, period: string, onDamaged?: OnDamagedRecord): Promise<Map<string, JobRecord>>;
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

/** Told of each record `listJobs` left out: the app it belongs to, and what is wrong with it. */
export type OnDamagedRecord = (app: string, error: DamagedRecordError) => void;

/** What a ledger says, as a warning, of a record it left out of a listing. */
export const LEFT_OUT = 'ledger record unreadable, left out';

export type ClaimDecision = 'claim' | 'already-sent' | 'busy' | 'interrupted' | 'unconfirmed' | 'unreadable';

/** The longest lease a claim may take (10 minutes): sends are bounded well below it. */
export const MAX_LEASE_MS = 10 * 60_000;

/**
 * How far a lease may reach past MAX_LEASE_MS from now before no run can have written it: the
 * clocks of two machines sharing a ledger (NTP-synchronised, as Lambda's are) differ by far less.
 */
const CLOCK_SKEW_MS = 60_000;

/** A lease as the claim writes it (an ISO 8601 instant); anything else cannot be trusted to run out. */
function leaseEnd(leaseUntil: string | undefined): number | undefined {
  if (leaseUntil === undefined || !/^\d{4}-\d{2}-\d{2}T/.test(leaseUntil)) return undefined;
  const end = Date.parse(leaseUntil);
  return Number.isFinite(end) ? end : undefined;
}

/** A lease ending later than any claim made now could: written by no run (by hand, or a bug), it would never run out. */
const beyondAnyLease = (end: number, now: Date) => end - now.getTime() > MAX_LEASE_MS + CLOCK_SKEW_MS;

/**
 * What a new claim on a channel may do, given the stored record.
 *
 * - nothing stored, or the last attempt failed (the platform refused): claim and send.
 * - `sent`: never again.
 * - `sending` within its lease: another run is sending right now; leave it.
 * - `sending` past its lease: the sender died between sending and recording. The message may or
 *   may not have gone out, and sending again could deliver it twice, so it becomes `unconfirmed`
 *   (at-most-once): reported for a person to check, never re-sent on its own.
 * - a state no run writes (an unknown status, `sending` without a lease, with one that cannot be
 *   read, or with one reaching further than any run's, MAX_LEASE_MS): it would otherwise look busy
 *   forever (or for years), so it is treated like `unconfirmed`.
 */
export function decideClaim(record: DeliveryRecord | undefined, now: Date): ClaimDecision {
  if (!record || record.status === 'failed') return 'claim';
  if (record.status === 'sent') return 'already-sent';
  if (record.status === 'unconfirmed') return 'unconfirmed';
  if (record.status !== 'sending' || !DELIVERY_STATUSES.includes(record.status)) return 'unreadable';
  const end = leaseEnd(record.leaseUntil);
  if (end === undefined || beyondAnyLease(end, now)) return 'unreadable';
  return end <= now.getTime() ? 'interrupted' : 'busy';
}

/** What is wrong with a record `decideClaim` calls unreadable, in words. */
function unreadableState(record: DeliveryRecord): string {
  if (record.status !== 'sending') return `status ${JSON.stringify(record.status)}`;
  if (record.leaseUntil === undefined) return '"sending" without a lease';
  const end = leaseEnd(record.leaseUntil);
  return end === undefined
    ? `"sending" with a lease that cannot be read (${JSON.stringify(record.leaseUntil)})`
    : `"sending" with a lease until ${record.leaseUntil}, longer than the ${MAX_LEASE_MS / 60_000} minutes any run takes`;
}

const MAX_SWAP_ATTEMPTS = 5;

/** With `force`, whatever no other run is sending right now is claimed. */
const forcedDecision = (decision: ClaimDecision, force: boolean | undefined): ClaimDecision =>
  force && decision !== 'busy' ? 'claim' : decision;

/**
 * Claims a channel through the ledger's compare-and-swap, re-reading when another writer got there
 * first. `force` (a person asked to send again: `daily --force`) claims a channel already sent or
 * unconfirmed too, never one another run is sending right now.
 */
export async function claimDelivery(
  ledger: Ledger,
  scope: DeliveryScope,
  channel: string,
  claim: { readonly owner: string; readonly now: Date; readonly leaseMs: number; readonly force?: boolean },
): Promise<ClaimOutcome> {
  if (claim.leaseMs > MAX_LEASE_MS)
    throw new LedgerError(`a claim's lease is at most ${MAX_LEASE_MS} ms (${claim.leaseMs} asked)`);
  for (let attempt = 0; attempt < MAX_SWAP_ATTEMPTS; attempt++) {
    const record = await ledger.getDelivery(scope, channel);
    const decision = forcedDecision(decideClaim(record, claim.now), claim.force);
    const updatedAt = claim.now.toISOString();
    if (decision === 'already-sent' && record) return { kind: 'already-sent', record };
    if (decision === 'busy' && record) return { kind: 'busy', record };
    if (decision === 'unconfirmed' && record) return { kind: 'unconfirmed', record };
    if ((decision === 'interrupted' || decision === 'unreadable') && record) {
      const next = unconfirmedRecord(scope, channel, record, decision, claim.now);
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
  throw new LedgerError(`could not claim ${describeScope(scope)} on ${channel}: the ledger kept changing under us`, {
    retryable: true,
  });
}

/** What a claim that cannot be trusted becomes: `unconfirmed`, saying why. */
function unconfirmedRecord(
  scope: DeliveryScope,
  channel: string,
  record: DeliveryRecord,
  decision: 'interrupted' | 'unreadable',
  now: Date,
): DeliveryRecord {
  return {
    status: 'unconfirmed',
    updatedAt: now.toISOString(),
    detail:
      decision === 'interrupted'
        ? `the run that was sending this (since ${record.updatedAt}) stopped before recording the result`
        : `the ledger held a state for ${describeScope(scope)} on ${channel} that no run writes (${unreadableState(record)}), so whether it went out is not known`,
  };
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
  /** Set when another try may succeed (contention); otherwise the classification reads the cause. */
  readonly retryable?: boolean;

  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options);
    if (options?.retryable !== undefined) this.retryable = options.retryable;
  }
}

/**
 * A ledger record no run could have written (a number the SDK cannot read, a field of the wrong
 * type, a file that is not JSON): it stops its own unit, named, never the others.
 */
export class DamagedRecordError extends LedgerError {
  override name = 'DamagedRecordError';
  override readonly retryable = false;

  constructor(
    /** Where: `ledger table T, item pk "…", sk "…"`, or the file's path. */
    readonly where: string,
    readonly problem: string,
    /** What to do about it. */
    readonly fix: string,
  ) {
    super(`${where} is damaged (${problem})`);
  }
}

const knownReason = (reason: string): ProblemReason | undefined =>
  (PROBLEM_REASONS as readonly string[]).includes(reason) ? (reason as ProblemReason) : undefined;
const nullableNumber = z.nullable(z.number({ error: 'must be a number or null' }));
const time = z.string({ error: 'must be an ISO 8601 time (a string)' });
const optionalText = z.optional(z.string({ error: 'must be a string' }));

/** A job record as it must be stored; validated at the store's boundary (unknown fields are ignored). */
export const jobRecordSchema = z.object({
  status: z.enum(['pending', 'sent', 'no-data', 'failed'], { error: 'must be pending, sent, no-data or failed' }),
  updatedAt: time,
  detail: optionalText,
  // A reason this version does not know (a newer writer's) is read as none: the digest then words it from the status.
  reason: z.optional(z.pipe(z.string({ error: 'must be a string' }), z.transform(knownReason))),
  errcode: z.optional(z.number({ error: 'must be a number' })),
  summary: z.optional(
    z.object({
      appName: z.string({ error: 'must be a string' }),
      appid: z.string({ error: 'must be a string' }),
      visitors: nullableNumber,
      previousDay: nullableNumber,
      dayOverDay: nullableNumber,
    }),
  ),
});

/**
 * A delivery record as stored. Its status and lease are read as they are: a state no run writes is
 * `decideClaim`'s to refuse (treated like `unconfirmed`), so `ledger release` can clear it.
 */
const deliveryRecordSchema = z.object({
  status: z.string({ error: 'must be a string' }),
  updatedAt: time,
  owner: optionalText,
  leaseUntil: z.optional(z.unknown()),
  detail: optionalText,
});

type Damaged = (problem: string) => DamagedRecordError;
type Show = (value: unknown) => string;
const asJson: Show = (value) => JSON.stringify(value) ?? String(value);

function readRecord<T>(schema: z.ZodMiniType<T>, value: unknown, damaged: Damaged, show: Show): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw damaged(describeDamage(parsed.error.issues, value, show));
  return parsed.data;
}

/** Validates a stored job record; `show` renders a stored value for the message (numbers as the store holds them). */
export const readJobRecord = (value: unknown, damaged: Damaged, show: Show = asJson): JobRecord =>
  readRecord(jobRecordSchema, value, damaged, show) as JobRecord;

/** Validates a stored delivery record; a lease that is not a string is kept as text, for `decideClaim` to refuse. */
export function readDeliveryRecord(value: unknown, damaged: Damaged, show: Show = asJson): DeliveryRecord {
  const { leaseUntil, ...record } = readRecord(deliveryRecordSchema, value, damaged, show);
  return {
    ...record,
    status: record.status as DeliveryStatus,
    ...(leaseUntil === undefined ? {} : { leaseUntil: typeof leaseUntil === 'string' ? leaseUntil : show(leaseUntil) }),
  };
}

/** A no-data record as stored: `{"periods": […]}`, dates or months and nothing else. */
const noDataRecordSchema = z.object({
  periods: z.array(
    z.string({ error: 'must be a string' }).check(z.regex(/^\d{4}-\d{2}(-\d{2})?$/, 'must be YYYY-MM-DD or YYYY-MM')),
    { error: 'must be a list of periods' },
  ),
});

/** Validates a stored no-data record (its `periods` as a list, or a set as DynamoDB holds it). */
export function readNoDataPeriods(value: unknown, damaged: Damaged, show: Show = asJson): ReadonlySet<string> {
  const record = value as { periods?: unknown } | undefined;
  const periods = record?.periods instanceof Set ? [...record.periods] : record?.periods;
  return new Set(readRecord(noDataRecordSchema, { ...record, periods }, damaged, show).periods);
}

function describeDamage(issues: readonly z.core.$ZodIssue[], value: unknown, show: (value: unknown) => string): string {
  return issues
    .map((issue) => {
      const found = issue.path.reduce<unknown>(
        (at, key) => (typeof at === 'object' && at !== null ? (at as Record<PropertyKey, unknown>)[key] : undefined),
        value,
      );
      return `${issue.path.join('.') || 'the record'} ${issue.message}, not ${show(found)}`;
    })
    .join('; ');
}

// Names become path segments (files) or key parts (DynamoDB): refuse anything that could climb out.
const SAFE_SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9_.=-]{1,80}$/;

export function safeSegment(value: string, what: string): string {
  if (!SAFE_SEGMENT.test(value)) throw new LedgerError(`"${value}" cannot be a ledger ${what}`);
  return value;
}
