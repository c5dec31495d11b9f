import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
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

async function processRecord(record: SQSRecord): Promise<void> {
  const attempts = Number(record.attributes.ApproximateReceiveCount ?? '1');
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const rt = await loadRuntime();
  const parsed = rt.workUnitSchema.safeParse(body);
  if (!parsed.success) {
    // A message no worker can run is recorded once, never retried.
    logger.error('not a unit of work', { messageId: record.messageId });
    await rt.failures.record({
      app: '?',
      job: '?',
      period: '?',
      reason: `not a unit of work: ${record.body.slice(0, 200)}`,
      attempts,
      failedAt: new Date().toISOString(),
    });
    return;
  }
  const unit = parsed.data;
  const outcome = await rt.runUnit(unit, `${record.messageId}:${attempts}:${randomUUID()}`);
  recordOutcome(outcome);
  logger.info('unit done', { ...outcome, attempts });
  if (outcome.status === 'failed') {
    if (outcome.retryable && attempts < MAX_ATTEMPTS) {
      await rt.workQueue.retryLater(record.receiptHandle, backoffSeconds(attempts));
      throw new RetryLaterError(
        `${outcome.app} ${outcome.job} ${outcome.period}: try ${attempts} failed: ${outcome.detail}`,
      );
    }
    await rt.failures.record({
      app: outcome.app,
      job: outcome.job,
      period: outcome.period,
      reason: outcome.detail,
      attempts,
      failedAt: new Date().toISOString(),
    });
  }
  // The last apps of the day to settle queue the digest; several may, the ledger sends it once.
  // Only units finishing with nothing left waiting look (one cheap SQS call each), so the day's
  // readiness checks stay about as many as the concurrency, not one per app; the retry schedule
  // sends the digest at the cut-off whatever happened here.
  if (unit.job === 'daily' && rt.config.digest && outcome.status !== 'not-yet-available') {
    if ((await rt.workQueue.waiting()) === 0 && (await rt.digestSettled(unit.period)).settled)
      await rt.workQueue.enqueue([{ job: 'digest', period: unit.period }]);
  }
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
