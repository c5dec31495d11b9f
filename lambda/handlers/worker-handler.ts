import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { UnitOutcome } from '../pipeline/work-unit.js';
import type { FailureRecord, FailureSink } from '../queue/work-queue.js';
import { classifyFailure, explainFailure } from '../shared/classify-failure.js';
import { printable } from '../shared/printable.js';
import { redactSecrets } from '../shared/redact.js';
import { logger, metrics, recordOutcome } from './observability.js';
// Made now, in the init phase: warm invocations reuse their connections.
import './worker-clients.js';

// The worker: one SQS message is one unit of work (app, job, period). The init phase makes the SDK
// clients, the logger, metrics and the batch processor; the deployment's config, registry, ledger
// and use cases load with the first message (worker-runtime.ts), channels and renderers only when
// a report goes out.

/** Tries per unit before its failure is recorded in the dead-letter queue (the queue's own redrive is one more). */
export const MAX_ATTEMPTS = 4;

/** 1, 2, 4… minutes between a unit's tries, with jitter so apps failing together do not retry together. */
export function backoffSeconds(attempt: number, random: () => number = Math.random): number {
  return 60 * 2 ** Math.max(0, attempt - 1) + Math.floor(random() * 30);
}

let runtime: Promise<typeof import('./worker-runtime.js')> | undefined;
const loadRuntime = () => {
  runtime ??= import('./worker-runtime.js');
  return runtime;
};

/** A unit to try again after a backoff: reported to SQS as a batch item failure. */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
}

type Runtime = typeof import('./worker-runtime.js');
type FailedOutcome = UnitOutcome & { readonly status: 'failed' };

async function processRecord(record: SQSRecord): Promise<void> {
  const attempts = Number(record.attributes.ApproximateReceiveCount ?? '1');
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  let rt: Runtime;
  try {
    rt = await loadRuntime();
  } catch (error) {
    // The deployment itself is broken (its config or environment): every unit would fail alike.
    return recordWithoutRuntime(body, attempts, error);
  }
  // reportInput tells a missing field ("is required") from a wrong one; the input is never printed.
  const parsed = rt.workUnitSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) {
    // A message no worker can run is recorded once, never retried.
    // Redacted whole, then cut: a cut first could leave a piece of a secret no pattern matches.
    const problems = rt
      .describeIssues(parsed.error.issues)
      .map((line) => line.replace(/^\(root\) /, 'the body '))
      .join('; ');
    const reason = `not a unit of work (${problems}): ${printable(redactSecrets(record.body), { max: 200 })}`;
    const failure = { app: '?', job: '?', period: '?', reason, kind: 'needs-person', attempts } as const;
    logger.error('unit failed', failure);
    await recordFailure(rt.failures, failure);
    return;
  }
  const unit = parsed.data;
  let outcome: UnitOutcome;
  try {
    outcome = await rt.runUnit(unit, `${record.messageId}:${attempts}:${randomUUID()}`);
  } catch (error) {
    // The use cases return failures as outcomes; whatever still escapes is one too, classified.
    const failure = classifyFailure(error);
    outcome = { ...unitName(unit), status: 'failed', detail: failure.line, retryable: failure.retryable };
  }
  recordOutcome(outcome);
  // A failure to try again throws here (a batch item failure); past this line the unit is settled.
  if (outcome.status === 'failed') await settleFailure(rt, record, { ...outcome, status: 'failed' }, attempts);
  else logger.info('unit done', { ...outcome, attempts });
  if (unit.job === 'daily' && (rt.config.digest || rt.compaction) && outcome.status !== 'not-yet-available')
    await queueDigestIfSettled(rt, record, unit.period, attempts, outcome.status === 'failed');
}

/**
 * The last apps of the day to settle queue the digest; several may, the ledger sends it once. The
 * same moment asks for the compaction of the day (when the deployment has one): its FIFO queue takes
 * the several askers' identical requests as one. Only
 * units finishing with nothing left waiting look (one cheap SQS call each), so the day's readiness
 * checks stay about as many as the concurrency, not one per app; the retry schedule queues the
 * digest from the cut-off whatever happens here.
 *
 * When the look itself fails, the unit is never redelivered once its failure is in FailedUnits
 * (it would be recorded again, then moved raw by SQS's redrive), nor when it needs a person or its
 * tries are spent: that is logged, and the retry schedule is the backstop. Only a unit that went
 * through, with a temporary failure and tries left, comes back after a backoff to look again (it is
 * then skipped: its period is done).
 */
async function queueDigestIfSettled(
  rt: Runtime,
  record: SQSRecord,
  period: string,
  attempts: number,
  recorded: boolean,
): Promise<void> {
  try {
    if ((await rt.workQueue.waiting()) === 0 && (await rt.digestSettled(period)).settled) {
      if (rt.config.digest) await rt.workQueue.enqueue([{ job: 'digest', period }]);
      await rt.compaction?.send({ job: 'compact', settled: period });
    }
  } catch (error) {
    const failure = classifyFailure(error);
    const fields = { period, reason: failure.line, kind: failure.kind, attempts };
    if (recorded || !failure.retryable || attempts >= MAX_ATTEMPTS) {
      logger.error(
        'could not check or queue the digest or compaction; the retry schedule queues them from the cut-off',
        fields,
      );
      return;
    }
    const delay = backoffSeconds(attempts);
    logger.warn('could not check or queue the digest or compaction; looked at again after a backoff', {
      ...fields,
      retryInSeconds: delay,
    });
    await delayRetry(rt, record, delay);
    throw new RetryLaterError(`the ${period} digest: try ${attempts} could not check or queue it`);
  }
}

/** Hides the message for a backoff; if SQS refuses, it still comes back (after the visibility timeout), said here. */
async function delayRetry(rt: Runtime, record: SQSRecord, seconds: number): Promise<void> {
  try {
    await rt.workQueue.retryLater(record.receiptHandle, seconds);
  } catch (error) {
    logger.warn('could not delay the next try; it comes back after the visibility timeout instead', {
      reason: explainFailure(error),
    });
  }
}

/**
 * Writes a FailedUnits record. When that fails (SendMessage refused, SQS down), it is logged with
 * the unit and its reason, and thrown: SQS redelivers the message, since nothing recorded it.
 */
async function recordFailure(sink: FailureSink, failure: Omit<FailureRecord, 'failedAt'>): Promise<void> {
  try {
    await sink.record({ ...failure, failedAt: new Date().toISOString() });
  } catch (error) {
    logger.error('could not record the failure in FailedUnits; SQS redelivers the message', {
      app: failure.app,
      job: failure.job,
      period: failure.period,
      reason: failure.reason,
      problem: explainFailure(error),
    });
    throw error;
  }
}

const unitName = (unit: { job: UnitOutcome['job']; period: string; app?: string }) => ({
  app: unit.app ?? 'digest',
  job: unit.job,
  period: unit.period,
});

/**
 * A failed unit, logged once per try naming app, job and period. Transient: hidden for a backoff
 * and offered again, up to MAX_ATTEMPTS; then, or at once when a person must act, a FailedUnits
 * record with the reason.
 */
async function settleFailure(rt: Runtime, record: SQSRecord, outcome: FailedOutcome, attempts: number) {
  const kind = outcome.retryable ? 'transient' : 'needs-person';
  const fields = {
    app: outcome.app,
    job: outcome.job,
    period: outcome.period,
    reason: outcome.detail,
    kind,
    attempts,
    ...(outcome.errcode === undefined ? {} : { errcode: outcome.errcode }),
  } as const;
  if (outcome.retryable && attempts < MAX_ATTEMPTS) {
    const delay = backoffSeconds(attempts);
    logger.warn('unit failed; tried again after a backoff', { ...fields, retryInSeconds: delay });
    await delayRetry(rt, record, delay);
    throw new RetryLaterError(`${outcome.app} ${outcome.job} ${outcome.period}: try ${attempts} failed`);
  }
  logger.error('unit failed', fields);
  await recordFailure(rt.failures, {
    app: outcome.app,
    job: outcome.job,
    period: outcome.period,
    reason: outcome.retryable ? `${outcome.detail}; still failing after ${attempts} tries` : outcome.detail,
    kind,
    attempts,
  });
}

/** The worker's own code could not load (a broken config or environment): named, recorded, not retried. */
async function recordWithoutRuntime(body: unknown, attempts: number, error: unknown) {
  const unit = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : '?');
  const failure = {
    app: typeof unit.job === 'string' && unit.job === 'digest' ? 'digest' : text(unit.app),
    job: text(unit.job),
    period: text(unit.period),
    reason: `the worker cannot start: ${explainFailure(error).replace(/\s*\n\s*/g, ' ')}`,
    kind: 'needs-person' as const,
    attempts,
  };
  logger.error('unit failed', failure);
  const queueUrl = process.env.WXA_FAILURE_QUEUE_URL;
  if (!queueUrl) throw error;
  const [{ SqsFailureSink }, { sqs }] = await Promise.all([
    import('../queue/sqs/sqs-work-queue.js'),
    import('./aws-clients.js'),
  ]);
  await recordFailure(new SqsFailureSink(sqs, queueUrl), failure);
}

// Loaded with the first event, like the rest of what only an event needs.
let batch:
  | Promise<{
      processor: import('@aws-lambda-powertools/batch').BatchProcessor;
      module: typeof import('@aws-lambda-powertools/batch');
    }>
  | undefined;
const loadBatch = () => {
  batch ??= import('@aws-lambda-powertools/batch').then((module) => ({
    module,
    processor: new module.BatchProcessor(module.EventType.SQS),
  }));
  return batch;
};

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  try {
    // A unit to retry is an expected outcome, not a function error: no full-batch exception.
    const { module, processor } = await loadBatch();
    return await module.processPartialResponse(event, processRecord, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  } finally {
    metrics.publishStoredMetrics();
  }
}
