import { GetTableCommand, type GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Archive } from '../../../lambda/archive/s3/s3-archive.js';
import { curatedKeys } from '../../../lambda/curated/curated-layout.js';
import { S3CuratedStore } from '../../../lambda/curated/s3/s3-curated-store.js';
import { writeSyntheticArchive } from '../../../lambda/simulator/synthetic-archive.js';
import { viewSql } from '../../../lambda/sql/athena/glue-tables.js';
import { SQL_TABLES } from '../../../lambda/sql/tables.js';
import { type BundledStack, invokeBundle, synthBundles } from '../../support/bundled-stack.js';
import { APPIDS } from '../../support/compaction.js';
import { createAnalyticsTables, glueClientFor } from '../../support/glue.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { createBucket, s3ClientFor } from '../../support/s3.js';
import { NOW } from '../../support/simulator.js';
import { createCompactionQueue, receiveAll, sqsClientFor } from '../../support/sqs.js';

/**
 * The compaction function exactly as it would be uploaded (esbuild's bundle and DuckDB's linux-x64
 * binding beside it), each invocation in its own Node process, against moto's S3, Glue and SQS.
 */
let stack: BundledStack;
let moto: MotoServer;
let s3: S3Client;
let glue: GlueClient;
let sqs: SQSClient;
let bucket: string;
let queue: string;
const database = 'wxa_reporter_bundle';

beforeAll(async () => {
  stack = await synthBundles('WxaReporterCompactBundle', {
    apps: [{ name: 'shop', recipients: ['ops@example.com'] }],
    email: { transport: 'smtp', from: 'r@example.com' },
    archivePrefix: 'wxa/',
    archive: { compact: true },
  });
  moto = await startMoto();
  [s3, glue, sqs] = [s3ClientFor(moto.endpoint), glueClientFor(moto.endpoint), sqsClientFor(moto.endpoint)];
  bucket = await createBucket(s3);
  queue = await createCompactionQueue(sqs);
  await createAnalyticsTables(glue, database, bucket, 'wxa');
  await writeSyntheticArchive(new S3Archive(s3, bucket, 'wxa'), {
    appids: APPIDS,
    from: '2026-10-01',
    to: '2026-10-31',
    now: NOW,
    concurrency: 16,
  });
}, 180_000);
afterAll(async () => {
  for (const client of [s3, glue, sqs]) client?.destroy();
  await moto?.stop();
  await stack?.remove();
});

const invoke = <T>(event: object) =>
  invokeBundle<T>(
    stack.bundles.compact,
    {
      WXA_ARCHIVE_BUCKET: bucket,
      WXA_ARCHIVE_PREFIX: 'wxa/',
      WXA_GLUE_DATABASE: database,
      WXA_COMPACTION_QUEUE_URL: queue,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_LAMBDA_FUNCTION_NAME: 'wxa-compaction-test',
    },
    event,
  );

describe('the bundled compaction function (x86_64, DuckDB), against moto', () => {
  it('loads DuckDB from its package, compacts the archive and points every view at it', async () => {
    // Act
    const { result, logs } = await invoke<Record<string, unknown>>({ job: 'compact' });

    // Assess
    expect(result).toMatchObject({ complete: true, months: expect.any(Number), viewsUpdated: SQL_TABLES.length });
    expect(result.compacted).toBeGreaterThan(300);
    expect(logs).toMatch(/"message":"compaction done"/);
    const view = await glue.send(new GetTableCommand({ DatabaseName: database, Name: 'visit_page' }));
    expect(viewSql({ viewOriginalText: view.Table?.ViewOriginalText })).toContain(
      `FROM "${database}"."visit_page_curated" AS c WHERE c."dt" BETWEEN '2026-10-01' AND '2026-10-31'`,
    );
    const store = new S3CuratedStore(s3, bucket, 'wxa');
    expect(await store.readText(curatedKeys.symlink('visit_page'))).toMatch(
      new RegExp(`^s3://${bucket}/wxa/curated/visit_page/month=2026-10/part-[^/]+\\.parquet\\n$`),
    );
  }, 120_000);

  it('takes the worker’s request from its queue, and answers that nothing is new', async () => {
    const { result } = await invoke<Record<string, unknown>>({
      Records: [{ messageId: '1', body: JSON.stringify({ job: 'compact', settled: '2026-10-31' }) }],
    });

    expect(result).toMatchObject({ complete: true, compacted: 0, months: 0, viewsUpdated: 0 });
    expect(await receiveAll(sqs, queue)).toEqual([]);
  }, 60_000);

  it('refuses a request it cannot read, naming the field', async () => {
    await expect(invoke({ job: 'compact', form: '2026-10-01' })).rejects.toThrow(
      /not a compaction request \(form is not a field; did you mean from\?\): send \{"job":"compact"\}/,
    );
  }, 60_000);

  it('hands a queued request back when another compaction holds the archive, without failing (no error alarm)', async () => {
    // Prepare: a person's `wxa-report compact` over S3 holds the lock.
    const held = await new S3CuratedStore(s3, bucket, 'wxa').lock('laptop:4242', 60_000);

    // Act
    const queued = await invoke<Record<string, unknown>>({
      Records: [{ messageId: 'm-1', body: JSON.stringify({ job: 'compact', settled: '2026-10-31' }) }],
    });
    const direct = await invoke<Record<string, unknown>>({ job: 'compact' });

    // Assess
    if (held.held) await held.release();
    expect(held.held).toBe(true);
    expect(queued.result).toMatchObject({ blocked: true, batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(queued.logs).toMatch(/compaction not run now: another compaction holds the archive.*laptop:4242/);
    expect(direct.result).toMatchObject({ blocked: true, complete: false, compacted: 0 });
  }, 60_000);
});
