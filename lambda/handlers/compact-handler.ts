import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchItemFailure, SQSEvent } from 'aws-lambda';
import {
  type CompactionRequest,
  InvalidCompactionRequestError,
  parseCompactionRequest,
} from '../curated/compaction-request.js';
import { CompactionLockedError } from '../curated/curated-store.js';
import { refetchFix, STRAY_FIX } from '../curated/left-out.js';
import { S3CuratedStore } from '../curated/s3/s3-curated-store.js';
import { type CompactionResult, compactArchive } from '../pipeline/compact-archive.js';
import { CompactionRequests } from '../queue/sqs/compaction-requests.js';
import { AWS_HTTP_OPTIONS } from '../shared/aws-http.js';
import { printable } from '../shared/printable.js';
import { TOOL_VERSION } from '../shared/version.js';
import { DuckDbCompactor } from '../sql/duckdb/duckdb-compactor.js';
import { GlueViews } from '../sql/glue/glue-views.js';
import { sqs } from './aws-clients.js';
import { logger } from './observability.js';

// The compaction function: its own (x86_64, DuckDB's native binding in its package), so the
// worker's cold start carries none of it. One run brings the curated layer up to date with the raw
// archive and points Athena's views at what it holds.

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined)
    throw new Error(`${name} is not set: the function is deployed by the WxaReporter construct, which sets it`);
  return value;
};
const customS3Endpoint = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
const s3 = new S3Client({ forcePathStyle: customS3Endpoint, requestHandler: AWS_HTTP_OPTIONS });
const glue = new GlueClient({ requestHandler: AWS_HTTP_OPTIONS });
const store = new S3CuratedStore(s3, env('WXA_ARCHIVE_BUCKET'), env('WXA_ARCHIVE_PREFIX').replace(/\/$/, ''), {
  recordProcess: false,
});
// Without analytics (no Glue database), only the files are written.
const views = process.env.WXA_GLUE_DATABASE ? new GlueViews(glue, process.env.WXA_GLUE_DATABASE) : undefined;
const requests = process.env.WXA_COMPACTION_QUEUE_URL
  ? new CompactionRequests(sqs, process.env.WXA_COMPACTION_QUEUE_URL)
  : undefined;

/** Left for the run's last month file and its switch, before the function's timeout (a quarter of a short one). */
const RESERVE_MS = 3 * 60_000;
const reserve = (remaining: number) => Math.min(RESERVE_MS, remaining / 4);

/** What a run did, as the function answers (and logs) it. */
export interface CompactionAnswer {
  readonly complete: boolean;
  readonly compacted: number;
  readonly months: number;
  readonly files: number;
  readonly viewsUpdated: number;
  readonly removed: number;
  readonly unreadable: readonly string[];
  /** Raw keys in folders that are not archive partitions (`dt=junk`): skipped. */
  readonly strays: readonly string[];
  /** Another compaction held the archive: nothing was done (a queued request is offered again). */
  readonly blocked?: boolean;
}

const isSqsEvent = (event: unknown): event is SQSEvent =>
  typeof event === 'object' && event !== null && Array.isArray((event as SQSEvent).Records);

/**
 * Invoked by its FIFO queue (the worker when a day's units settle, the daily schedule after the
 * cut-off, itself to go on) or directly (`{"job":"compact","from"?,"to"?,"rebuild"?}`).
 */
export async function handler(
  event: unknown,
  context: Context,
): Promise<CompactionAnswer & { batchItemFailures?: SQSBatchItemFailure[] }> {
  if (!isSqsEvent(event)) return (await run(parseCompactionRequest(event), context)) ?? blockedAnswer;
  let answer: CompactionAnswer = blockedAnswer;
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    const done = await run(parse(record.body), context);
    // Blocked by another run: the request goes back to its queue (offered again once hidden no
    // longer), without failing the invocation, so the function's error alarm stays for failures.
    if (done) answer = done;
    else batchItemFailures.push({ itemIdentifier: record.messageId });
  }
  return { ...answer, batchItemFailures };
}

/** What a run blocked by another compaction answers: nothing done. */
const blockedAnswer: CompactionAnswer = {
  complete: false,
  compacted: 0,
  months: 0,
  files: 0,
  viewsUpdated: 0,
  removed: 0,
  unreadable: [],
  strays: [],
  blocked: true,
};

function parse(body: string): CompactionRequest {
  try {
    return parseCompactionRequest(JSON.parse(body));
  } catch (error) {
    if (error instanceof InvalidCompactionRequestError) throw error;
    throw new InvalidCompactionRequestError(`not a compaction request (not JSON): ${printable(body, { max: 200 })}`);
  }
}

/** One request compacted; undefined when another compaction holds the archive (logged, not thrown). */
async function run(request: CompactionRequest, context: Context): Promise<CompactionAnswer | undefined> {
  const workDir = join(tmpdir(), `wxa-compact-${randomUUID()}`);
  await mkdir(workDir, { recursive: true });
  const engine = await DuckDbCompactor.open();
  let result: CompactionResult;
  try {
    result = await compactArchive(
      {
        store,
        engine,
        views,
        workDir,
        clock: () => new Date(),
        logger,
        toolVersion: TOOL_VERSION,
        owner: `lambda:${context.awsRequestId}`,
      },
      {
        from: request.from,
        to: request.to,
        rebuild: request.rebuild,
        deadline: new Date(
          Date.now() + context.getRemainingTimeInMillis() - reserve(context.getRemainingTimeInMillis()),
        ),
      },
    );
  } catch (error) {
    // Another run (a person's `wxa-report compact` over S3, a direct invocation) holds the archive:
    // not a failure of this function; the request is offered again (see handler).
    if (error instanceof CompactionLockedError) {
      logger.warn('compaction not run now: another compaction holds the archive; the request is offered again', {
        reason: error.message,
        request,
      });
      return undefined;
    }
    throw error;
  } finally {
    engine.close();
    await rm(workDir, { recursive: true, force: true });
  }
  const answer: CompactionAnswer = {
    complete: result.complete,
    compacted: result.months.reduce((sum, m) => sum + m.read, 0),
    months: result.months.length,
    files: result.files,
    viewsUpdated: result.viewsUpdated,
    removed: result.removed,
    unreadable: result.unreadable.map((u) => u.key),
    strays: result.strays.map((s) => s.key),
  };
  for (const { key, reason } of result.unreadable)
    logger.error('raw answer left out of the curated layer', { key, reason, fix: refetchFix(key, store.location) });
  for (const { key, reason } of result.strays)
    logger.error('folder that is not an archive partition skipped', {
      folder: key.replace(/\/response\.json$/, ''),
      reason,
      fix: STRAY_FIX,
    });
  logger.info('compaction done', { ...answer, request });
  if (!result.complete && requests) {
    // The time ran out: the next run goes on from here (what is switched stays switched).
    await requests.send({ ...request, settled: undefined, continued: new Date().toISOString() });
  }
  return answer;
}
