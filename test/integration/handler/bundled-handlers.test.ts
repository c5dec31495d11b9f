import { existsSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { S3Archive } from '../../../lambda/archive/s3/s3-archive.js';
import { beijingYesterday, lastCompleteMonth } from '../../../lambda/calendar/beijing-calendar.js';
import { DynamoDbAppRegistry } from '../../../lambda/registry/dynamodb/dynamodb-app-registry.js';
import { ParameterWriter } from '../../../lambda/secrets/ssm/parameter-writer.js';
import {
  DEMO_APPS,
  type SimulatedApp,
  simulatedDailyVisitTrendAnswer,
} from '../../../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { DynamoDbLedger } from '../../../lambda/state/dynamodb/dynamodb-ledger.js';
import { type BundledStack, functionEnvironment, invokeBundle, synthBundles } from '../../support/bundled-stack.js';
import { createTables, type dynamoClientsFor } from '../../support/dynamodb.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { motoClients } from '../../support/moto-clients.js';
import { createBucket } from '../../support/s3.js';
import { type SmtpReceiver, startSmtpReceiver } from '../../support/smtp-receiver.js';
import { createCompactionQueue, createQueues, drain, receiveAll, settleEvent, sqsEventOf } from '../../support/sqs.js';
import { startWebhookReceivers, type WebhookReceivers } from '../../support/webhook-receivers.js';

/**
 * The two Lambdas exactly as they would be uploaded (`cdk synth` bundles them with esbuild), each
 * invocation in its own Node process with the function's environment from the template, against
 * moto (S3, SSM, DynamoDB, SQS), the WeChat simulator, a real SMTP server and a webhook receiver.
 * The test plays the Lambda service: it receives the queue's messages and hands each to the worker
 * as an SQS event, once more for a redelivery, and reads the partial batch response.
 */
const [SHOP, COFFEE] = DEMO_APPS as [SimulatedApp, SimulatedApp];
let stack: BundledStack;
let moto: MotoServer;
let s3: S3Client;
let ssm: SSMClient;
let sqs: SQSClient;
let dynamo: ReturnType<typeof dynamoClientsFor>;
let bucket: string;
let tables: { apps: string; ledger: string };
let queues: { work: string; failed: string; workArn: string };
let compactionQueue: string;
let sim: WechatSimulator;
let smtp: SmtpReceiver;
let hooks: WebhookReceivers;

beforeAll(async () => {
  stack = await synthBundles('WxaReporterBundle', {
    // A seed in cdk.json (its AppID in SSM); the other app is added to the registry later.
    apps: [{ name: 'shop', displayName: '喵喵商城', recipients: ['ops@example.com'], webhooks: ['json'] }],
    email: { transport: 'smtp', from: 'wxa-reporter <reports@example.com>' },
    digest: { recipients: ['boss@example.com'] },
    parameterPrefix: '/wxa-e2e/',
  });

  [moto, sim, smtp, hooks] = await Promise.all([
    startMoto(),
    WechatSimulator.start(),
    startSmtpReceiver(),
    startWebhookReceivers(),
  ]);
  ({ s3, ssm, sqs, dynamo } = motoClients(moto.endpoint));
  bucket = await createBucket(s3);
  tables = await createTables(dynamo.raw);
  const writer = new ParameterWriter(ssm, '/wxa-e2e/');
  await writer.putApp({
    name: 'shop',
    appid: SHOP.appid,
    secret: SHOP.secret,
    webhooks: { json: { url: hooks.urls.json, secret: hooks.secrets.json } },
  });
  await writer.putApp({ name: 'coffee', appid: COFFEE.appid, secret: COFFEE.secret });
  await writer.putSmtpUrl(smtp.url);
  // Added without a redeploy: a registry entry (the AppID lives in the entry) …
  await new DynamoDbAppRegistry(dynamo.documents, tables.apps, { hasEmail: true }).put({
    name: 'coffee',
    appid: COFFEE.appid,
    recipients: ['growth@example.com'],
    webhooks: [],
    language: 'en',
  });
  // … and one with a mistake in it, written by hand.
  await dynamo.documents.send(
    new PutCommand({
      TableName: tables.apps,
      Item: { name: 'broken', appid: 'wx1234', recipients: ['nope'], webhooks: [] },
    }),
  );
}, 180_000);

// Each test its own queues: a message one test left in flight can never come back into another's
// read when its visibility timeout ends, whatever order or pace the tests run at.
beforeEach(async () => {
  queues = await createQueues(sqs);
  compactionQueue = await createCompactionQueue(sqs);
});

afterAll(async () => {
  for (const client of [s3, ssm, sqs, dynamo?.raw]) client?.destroy();
  await Promise.all([moto?.stop(), sim?.close(), smtp?.close(), hooks?.close()]);
  await stack?.remove();
});

async function invoke<T>(which: 'dispatcher' | 'worker', event: object): Promise<{ result: T; stdout: string }> {
  const invoked = await invokeBundle<T>(
    stack.bundles[which],
    {
      ...functionEnvironment(stack, { motoEndpoint: moto.endpoint, wechat: sim.url, bucket, tables, queues }),
      // As a deployment with archive.compact sets it: the settled day asks for its compaction.
      WXA_COMPACTION_QUEUE_URL: compactionQueue,
    },
    event,
  );
  // As the event source: a message the worker finished is deleted, never to come back into a later read.
  if (which === 'worker')
    await settleEvent(sqs, queues.work, event as SQSEvent, invoked.result as Parameters<typeof settleEvent>[3]);
  return invoked;
}

type BatchResponse = { batchItemFailures: { itemIdentifier: string }[] };
const bodies = (messages: { Body?: string }[]) => messages.map((m) => JSON.parse(m.Body ?? '{}'));

describe('the bundled dispatcher and worker, fed by SQS as Lambda would', () => {
  const date = beijingYesterday(new Date());

  it('are the esbuild output of cdk synth, one ESM file each', () => {
    expect(existsSync(stack.bundles.dispatcher ?? '')).toBe(true);
    expect(existsSync(stack.bundles.worker ?? '')).toBe(true);
    expect(stack.bundles.dispatcher).not.toBe(stack.bundles.worker);
  });

  it('fan a daily job out to one message per app, run each once (a redelivery sends nothing), then the digest', async () => {
    // Act: the schedule fires.
    const { result: dispatched } = await invoke<{ queued: number; invalid: { name: string; problem: string }[] }>(
      'dispatcher',
      { job: 'daily' },
    );
    const messages = await receiveAll(sqs, queues.work);
    const failedUnits = bodies(await drain(sqs, queues.failed));

    // Assess: one unit per valid app; the invalid entry named with its field, recorded and not run.
    expect(dispatched.queued).toBe(2);
    expect(dispatched.invalid).toEqual([
      {
        name: 'broken',
        problem: expect.stringMatching(/appid is not an AppID.*recipients\.0 is not an email address/),
      },
    ]);
    expect(bodies(messages).sort((a, b) => a.app.localeCompare(b.app))).toEqual([
      { job: 'daily', period: date, app: 'coffee' },
      { job: 'daily', period: date, app: 'shop' },
    ]);
    expect(failedUnits).toEqual([
      expect.objectContaining({ app: 'broken', job: 'daily', reason: expect.stringMatching(/recipients\.0/) }),
    ]);

    // Act: the Lambda service hands each message to a worker, and hands one of them over again.
    const responses: BatchResponse[] = [];
    for (const message of messages)
      responses.push((await invoke<BatchResponse>('worker', sqsEventOf(message, queues.workArn))).result);
    const { result: redelivered, stdout } = await invoke<BatchResponse>(
      'worker',
      sqsEventOf(messages[0] ?? {}, queues.workArn, 2),
    );

    // Assess
    expect([...responses, redelivered]).toEqual([
      { batchItemFailures: [] },
      { batchItemFailures: [] },
      { batchItemFailures: [] },
    ]);
    expect(stdout).toMatch(/"ReportsSkipped":1/);
    const dailies = smtp.messages.filter((m) => !m.envelope.to.includes('boss@example.com'));
    expect(dailies.map((m) => m.envelope.to[0]).sort()).toEqual(['growth@example.com', 'ops@example.com']);
    // Each app's first report fetched its history once (the report day, 13 trend days, 7 more same weekdays):
    // every day of the trend has its figure.
    expect(sim.callCount('getDailyVisitTrend')).toBe(2 * 21);
    const trendOf = (text: string | undefined) => text?.split('近 14 天访问人数:\n')[1]?.split('\n\n')[0] ?? '';
    const shopTrend = trendOf(dailies.find((m) => m.envelope.to[0] === 'ops@example.com')?.parsed.text);
    expect(shopTrend.split('\n')).toHaveLength(14);
    expect(shopTrend).not.toContain('无数据');
    expect(hooks.accepted('json')).toHaveLength(1);
    const stored = await new S3Archive(s3, bucket).get(archiveKeys.dailyVisitTrend(SHOP.appid, date));
    expect(stored?.toString()).toBe(JSON.stringify({ list: [simulatedDailyVisitTrendAnswer(SHOP.appid, date)] }));
    const ledger = new DynamoDbLedger(dynamo.documents, tables.ledger);
    expect((await ledger.getDelivery({ job: 'daily', period: date, app: 'shop' }, 'json'))?.status).toBe('sent');

    // Act: every app settled, so a worker queued the digest; it runs like any unit.
    const digestMessages = await receiveAll(sqs, queues.work);
    expect(bodies(digestMessages)).toContainEqual({ job: 'digest', period: date });
    for (const message of digestMessages) await invoke<BatchResponse>('worker', sqsEventOf(message, queues.workArn));

    // Assess: one digest, whatever number of workers queued it; one compaction request for the day.
    const digests = smtp.messages.filter((m) => m.envelope.to.includes('boss@example.com'));
    expect(digests).toHaveLength(1);
    expect(bodies(await receiveAll(sqs, compactionQueue))).toEqual([{ job: 'compact', settled: date }]);
    // A registry entry: its fault, and `apps show` to see it (a deployment's own tool).
    expect(digests[0]?.parsed.text).toMatch(
      /broken：登记的配置有误（appid 不是有效的 AppID）。用 wxa-report apps show/,
    );
    expect(stdout).not.toContain(SHOP.secret);
    expect(stdout).not.toContain(hooks.secrets.json);
  }, 120_000);

  it('backs a failing unit off through the queue, then records it in the failed-units queue naming it', async () => {
    // Prepare: WeChat keeps answering 503 for the month.
    const month = lastCompleteMonth(new Date());
    sim.addFault({ endpoint: 'getMonthlyRetain', action: { kind: 'http', status: 503 } });
    await invoke('dispatcher', { job: 'monthly', apps: ['coffee'] });
    const [message] = await receiveAll(sqs, queues.work);

    // Act: the first try, then (as SQS would after the backoff) the fourth and last.
    const { result: first } = await invoke<BatchResponse>('worker', sqsEventOf(message ?? {}, queues.workArn, 1));
    const visibleAgain = await receiveAll(sqs, queues.work);
    const { result: last } = await invoke<BatchResponse>('worker', sqsEventOf(message ?? {}, queues.workArn, 4));

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: message?.MessageId }]);
    expect(visibleAgain).toEqual([]); // hidden for the backoff
    expect(last.batchItemFailures).toEqual([]);
    expect(bodies(await drain(sqs, queues.failed))).toEqual([
      expect.objectContaining({
        app: 'coffee',
        job: 'monthly',
        period: month,
        attempts: 4,
        reason: expect.stringMatching(/HTTP 503/),
      }),
    ]);
    const ledger = new DynamoDbLedger(dynamo.documents, tables.ledger);
    expect((await ledger.getJob('monthly', month, 'coffee'))?.status).toBe('pending');
    sim.reset();
  }, 120_000);

  it('records a message that is not a unit of work at once, naming the field, never retrying it', async () => {
    // Prepare: a unit sent by hand, its app field misspelt.
    const body = JSON.stringify({ job: 'daily', period: date, ap: 'shop' });
    await sqs.send(new SendMessageCommand({ QueueUrl: queues.work, MessageBody: body }));
    const [message] = await receiveAll(sqs, queues.work);

    // Act
    const { result } = await invoke<BatchResponse>('worker', sqsEventOf(message ?? {}, queues.workArn));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(bodies(await drain(sqs, queues.failed))).toEqual([
      expect.objectContaining({
        kind: 'needs-person',
        reason: `not a unit of work (ap is not a field; did you mean app?; app is required): ${body}`,
      }),
    ]);
    expect(await receiveAll(sqs, queues.work)).toEqual([]);
  }, 60_000);

  it('rejects an event that is not a job, naming the field', async () => {
    await expect(invoke('dispatcher', { hello: 'world' })).rejects.toThrow(
      /the event must be \{"job": "daily" \| "monthly" \| "retry"/,
    );
    await expect(invoke('dispatcher', { job: 'daily', date: '2026-02-30' })).rejects.toThrow(
      /date must be a date YYYY-MM-DD/,
    );
  }, 60_000);
});
