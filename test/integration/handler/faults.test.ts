import { type AttributeValue, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateEmailIdentityCommand, DeleteEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { type Message, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { addDays, beijingYesterday } from '../../../lambda/calendar/beijing-calendar.js';
import type { WorkUnit } from '../../../lambda/pipeline/work-unit.js';
import { DynamoDbAppRegistry } from '../../../lambda/registry/dynamodb/dynamodb-app-registry.js';
import { ParameterWriter } from '../../../lambda/secrets/ssm/parameter-writer.js';
import { DEMO_APPS, type SimulatedApp } from '../../../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { DynamoDbLedger } from '../../../lambda/state/dynamodb/dynamodb-ledger.js';
import { type BundledStack, functionEnvironment, invokeBundle, synthBundles } from '../../support/bundled-stack.js';
import { createTables, type dynamoClientsFor } from '../../support/dynamodb.js';
import { type EchoingReceiver, secretPiecesIn, startEchoingReceiver } from '../../support/echoing-receiver.js';
import {
  type AwsService,
  awsError,
  type FaultProxy,
  refusingEndpoint,
  startFaultProxy,
} from '../../support/fault-proxy.js';
import { MOTO_CREDENTIALS, MOTO_REGION, type MotoServer, startMoto } from '../../support/moto.js';
import { motoClients } from '../../support/moto-clients.js';
import { createBucket } from '../../support/s3.js';
import { createQueues, drain, receiveAll, settle, sqsEventOf } from '../../support/sqs.js';

/**
 * The deployed path under faults: the bundled dispatcher and worker (as `cdk synth` makes them),
 * each invocation its own Node process, fed SQS messages as the event source would, against moto
 * (S3, SSM, SES, DynamoDB, SQS). Faults come from real peers: a loopback port that refuses
 * connections, and a fault-injecting proxy in front of moto (test/support/fault-proxy.ts) that
 * answers what AWS answers when it is busy, refuses a permission, or runs an account in the SES
 * sandbox; moto's own answers where it has them (a missing bucket, an unverified SES sender).
 */
const [SHOP, COFFEE] = DEMO_APPS as [SimulatedApp, SimulatedApp];
const PREFIX = '/wxa-faults/';
let stack: BundledStack;
let moto: MotoServer;
let proxy: FaultProxy;
let echo: EchoingReceiver;
let sim: WechatSimulator;
let s3: S3Client;
let ssm: SSMClient;
let sqs: SQSClient;
let ses: SESv2Client;
let dynamo: ReturnType<typeof dynamoClientsFor>;
let bucket: string;
let tables: { apps: string; ledger: string };
let queues: { work: string; failed: string; workArn: string };

beforeAll(async () => {
  stack = await synthBundles('WxaReporterFaults', {
    email: { transport: 'ses', from: 'wxa-reporter <reports@example.com>', identity: 'example.com' },
    digest: { recipients: ['boss@example.com'] },
    parameterPrefix: PREFIX,
  });
  // The chats answer 404 quoting the request in JSON, the JSON endpoint's key past the first 200 characters.
  [moto, sim, echo] = await Promise.all([startMoto(), WechatSimulator.start(), startEchoingReceiver('json')]);
  proxy = await startFaultProxy(moto.endpoint);
  ({ s3, ssm, sqs, dynamo } = motoClients(moto.endpoint));
  ses = new SESv2Client({ endpoint: moto.endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
  await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
  bucket = await createBucket(s3);
  tables = await createTables(dynamo.raw);
  const writer = new ParameterWriter(ssm, PREFIX);
  const registry = new DynamoDbAppRegistry(dynamo.documents, tables.apps, { hasEmail: true });
  for (const [name, app, recipients] of [
    ['shop', SHOP, ['ops@example.com']],
    ['coffee', COFFEE, ['growth@example.com']],
  ] as const) {
    await writer.putApp({ name, appid: app.appid, secret: app.secret });
    await registry.put({ name, appid: app.appid, recipients: [...recipients], webhooks: [] });
  }
  // Six chats, each an endpoint that quotes the request in its error page.
  const kinds = ['wecom', 'feishu', 'lark', 'dingtalk', 'slack', 'json'] as const;
  await writer.putApp({
    name: 'chatty',
    appid: SHOP.appid,
    secret: SHOP.secret,
    webhooks: Object.fromEntries(kinds.map((kind) => [kind, { url: echo.urls[kind], secret: echo.signing[kind] }])),
  });
  await registry.put({ name: 'chatty', appid: SHOP.appid, recipients: [], webhooks: [...kinds] });
}, 180_000);

afterAll(async () => {
  for (const client of [s3, ssm, sqs, ses, dynamo?.raw]) client?.destroy();
  await Promise.all([moto?.stop(), sim?.close(), proxy?.close(), echo?.close()]);
  await stack?.remove();
});

// Each test its own queues: nothing one test left (a message in flight, a FailedUnits record) can
// come back into another when a visibility timeout ends, however long the file runs.
beforeEach(async () => {
  queues = await createQueues(sqs);
});
afterEach(() => proxy.reset());

type BatchResponse = { batchItemFailures: { itemIdentifier: string }[] };
type LogLine = { level: string; message: string; [key: string]: unknown };

const environment = (overrides: Record<string, string> = {}) => ({
  ...functionEnvironment(stack, { motoEndpoint: moto.endpoint, wechat: sim.url, bucket, tables, queues }),
  ...overrides,
});
const logLines = (stdout: string): LogLine[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    // EMF metric lines are JSON too; log lines have a level and a message.
    .filter((line) => typeof line.message === 'string');
const unitFailures = (stdout: string) => logLines(stdout).filter((l) => l.message.startsWith('unit failed'));

/** Puts a unit on the work queue and takes it off as the event source does: a real receipt handle. */
async function queued(unit: WorkUnit): Promise<Message> {
  const body = JSON.stringify(unit);
  await sqs.send(new SendMessageCommand({ QueueUrl: queues.work, MessageBody: body }));
  const message = (await receiveAll(sqs, queues.work)).find((m) => m.Body === body);
  if (!message) throw new Error(`${body} did not come back from the queue`);
  return message;
}

/** One worker invocation for a message, as its n-th receipt. */
async function work(message: Message, receipt: number, overrides: Record<string, string> = {}) {
  const { result, logs } = await invokeBundle<BatchResponse>(
    stack.bundles.worker,
    environment(overrides),
    sqsEventOf(message, queues.workArn, receipt),
  );
  await settle(sqs, queues.work, [message], result);
  return { failures: result.batchItemFailures, stdout: logs, logs: logLines(logs) };
}

/** The FailedUnits records written since the last look (each read once). */
const failedUnits = async () => (await drain(sqs, queues.failed)).map((m) => JSON.parse(m.Body ?? '{}'));
const ledger = () => new DynamoDbLedger(dynamo.documents, tables.ledger);
const day = (n: number) => addDays(beijingYesterday(new Date()), -n);

/** The proxy's URL, once it answers every call to `service` with this error. */
const answering = (service: AwsService, status: number, code: string, message: string) => async () => {
  proxy.add({ match: (r) => r.service === service, answer: awsError(service, status, code, message) });
  return proxy.url;
};

describe('a transient failure of AWS itself is retried like any other', () => {
  it.each([
    ['refuses connections', 2, async () => refusingEndpoint(), /ECONNREFUSED .*\(temporary\)/],
    [
      'answers 503 SlowDown',
      3,
      answering('s3', 503, 'SlowDown', 'Please reduce your request rate.'),
      /\(temporary: HTTP 503 SlowDown\)/,
    ],
  ])(
    'S3 that %s: backed off and kept pending, a FailedUnits record only after the 4th try',
    async (_what, n, endpoint, temporary) => {
      // Prepare
      const unit = { job: 'daily', period: day(n), app: 'shop' } as const;
      const message = await queued(unit);
      const s3Endpoint = { AWS_ENDPOINT_URL_S3: await endpoint() };

      // Act: the first try, then (as SQS would after the backoffs) the fourth and last.
      const first = await work(message, 1, s3Endpoint);
      const pending = await ledger().getJob('daily', unit.period, 'shop');
      const recordedEarly = await failedUnits();
      const last = await work(message, 4, s3Endpoint);

      // Assess
      expect(first.failures).toEqual([{ itemIdentifier: message.MessageId }]);
      expect(pending).toMatchObject({ status: 'pending', detail: expect.stringMatching(temporary) });
      expect(recordedEarly).toEqual([]);
      expect(unitFailures(first.stdout)).toEqual([
        expect.objectContaining({ level: 'WARN', app: 'shop', job: 'daily', period: unit.period, kind: 'transient' }),
      ]);
      expect(last.failures).toEqual([]);
      expect(unitFailures(last.stdout)).toEqual([
        expect.objectContaining({ level: 'ERROR', app: 'shop', job: 'daily', period: unit.period, attempts: 4 }),
      ]);
      expect(await failedUnits()).toEqual([
        expect.objectContaining({
          ...unit,
          kind: 'transient',
          attempts: 4,
          reason: expect.stringMatching(
            new RegExp(`^cannot write s3://${bucket}/raw/.*temporary.*; still failing after 4 tries$`),
          ),
        }),
      ]);
    },
    120_000,
  );

  it('DynamoDB answering 503 before the use case even starts: named, logged once, backed off', async () => {
    // Prepare: the registry read fails; the ledger write of the outcome goes through.
    proxy.add({
      match: (r) => r.service === 'dynamodb' && r.operation === 'GetItem',
      answer: awsError('dynamodb', 503, 'ServiceUnavailable', 'Service Unavailable'),
    });
    const unit = { job: 'daily', period: day(4), app: 'coffee' } as const;
    const message = await queued(unit);

    // Act
    const first = await work(message, 1, { AWS_ENDPOINT_URL_DYNAMODB: proxy.url });
    const last = await work(message, 4, { AWS_ENDPOINT_URL_DYNAMODB: proxy.url });

    // Assess
    expect(first.failures).toEqual([{ itemIdentifier: message.MessageId }]);
    expect(unitFailures(first.stdout)).toEqual([
      expect.objectContaining({
        app: 'coffee',
        job: 'daily',
        period: unit.period,
        reason: expect.stringMatching(
          new RegExp(`^cannot read the app registry table ${tables.apps}: .*\\(temporary: HTTP 503`),
        ),
      }),
    ]);
    expect(last.failures).toEqual([]);
    expect(await failedUnits()).toEqual([
      expect.objectContaining({ ...unit, kind: 'transient', attempts: 4, reason: expect.stringMatching(/HTTP 503/) }),
    ]);
  }, 120_000);

  it.each([
    [
      'throttling',
      5,
      answering('ssm', 400, 'ThrottlingException', 'Rate exceeded'),
      'Rate exceeded \\(temporary: HTTP 400 ThrottlingException\\)',
    ],
    ['refusing connections', 24, refusingEndpoint, 'connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+ \\(temporary\\)'],
  ])(
    'SSM %s: said as SSM and the path read (no value), backed off, kept pending',
    async (_what, n, endpoint, said) => {
      // Prepare
      const unit = { job: 'daily', period: day(n), app: 'coffee' } as const;
      const message = await queued(unit);

      // Act
      const first = await work(message, 1, { AWS_ENDPOINT_URL_SSM: await endpoint() });

      // Assess: the digest's reason says a service was briefly unavailable, not "unknown".
      const detail = new RegExp(`^cannot read the SSM parameters under ${PREFIX}apps/coffee: ${said}$`);
      expect(first.failures).toEqual([{ itemIdentifier: message.MessageId }]);
      expect(unitFailures(first.stdout)).toEqual([
        expect.objectContaining({ app: 'coffee', kind: 'transient', reason: expect.stringMatching(detail) }),
      ]);
      expect(await ledger().getJob('daily', unit.period, 'coffee')).toMatchObject({
        status: 'pending',
        detail: expect.stringMatching(detail),
        reason: 'service-unavailable',
      });
      expect(await failedUnits()).toEqual([]);
      expect(first.stdout).not.toContain(COFFEE.secret);
    },
    60_000,
  );

  it('SQS answering 503 to the dispatcher: the invocation fails saying so, for Lambda to retry it', async () => {
    proxy.add({
      match: (r) => r.service === 'sqs',
      answer: awsError('sqs', 503, 'ServiceUnavailable', 'Service Unavailable'),
    });

    // The SQS client sends to the queue's own URL (useQueueUrlAsEndpoint): the queue is reached through the proxy.
    const throughProxy = { WXA_QUEUE_URL: queues.work.replace(moto.endpoint, proxy.url) };
    const dispatched = invokeBundle(stack.bundles.dispatcher, environment(throughProxy), {
      job: 'daily',
      date: day(6),
      apps: ['shop'],
    });

    await expect(dispatched).rejects.toThrow(/dispatch failed.*temporary: HTTP 503/s);
  }, 60_000);
});

describe('a failure recorded in FailedUnits is never redelivered', () => {
  const accessDenied = awsError(
    'dynamodb',
    400,
    'AccessDeniedException',
    'User: arn:aws:sts::123456789012:assumed-role/worker/wxa is not authorized to perform: dynamodb:GetItem',
  );

  it.each([
    [
      'answering 503 to everything, on the 4th and last try',
      4,
      awsError('dynamodb', 503, 'ServiceUnavailable', 'Service Unavailable'),
      'transient',
    ],
    ['refusing a permission, on the 1st try', 1, accessDenied, 'needs-person'],
  ] as const)(
    'DynamoDB %s: one record, the digest that cannot be looked at is logged, no batch item failure',
    async (_what, receipt, answer, kind) => {
      // Prepare: a digest is configured, so a settled unit looks whether the day is complete.
      proxy.add({ match: (r) => r.service === 'dynamodb', answer });
      const unit = { job: 'daily', period: day(18 + receipt), app: 'coffee' } as const;
      const message = await queued(unit);

      // Act
      const run = await work(message, receipt, { AWS_ENDPOINT_URL_DYNAMODB: proxy.url });

      // Assess: recorded once, and not handed back to SQS (whose redrive would move the raw body).
      expect(run.failures).toEqual([]);
      expect(unitFailures(run.stdout)).toEqual([
        expect.objectContaining({ level: 'ERROR', app: 'coffee', kind, attempts: receipt }),
      ]);
      expect(run.logs).toContainEqual(
        expect.objectContaining({
          level: 'ERROR',
          message: 'could not check or queue the digest or compaction; the retry schedule queues them from the cut-off',
          period: unit.period,
          reason: expect.stringContaining(`cannot read the ledger table ${tables.ledger}`),
        }),
      );
      expect(await failedUnits()).toEqual([expect.objectContaining({ ...unit, kind, attempts: receipt })]);
      expect(await receiveAll(sqs, queues.work)).toEqual([]);
    },
    120_000,
  );

  it('a FailedUnits record that cannot be written is logged, and SQS redelivers the unit', async () => {
    // Prepare: the bucket is missing (a person must act), and SendMessage to FailedUnits is refused.
    proxy.add({
      match: (r) => r.service === 'sqs' && r.operation === 'SendMessage',
      answer: awsError(
        'sqs',
        400,
        'AccessDeniedException',
        'User: arn:aws:sts::123456789012:assumed-role/worker/wxa is not authorized to perform: sqs:sendmessage',
      ),
    });
    const unit = { job: 'daily', period: day(21), app: 'shop' } as const;
    const message = await queued(unit);

    // Act
    const run = await work(message, 1, {
      WXA_ARCHIVE_BUCKET: 'wxa-no-such-bucket',
      WXA_FAILURE_QUEUE_URL: queues.failed.replace(moto.endpoint, proxy.url),
    });

    // Assess
    expect(run.failures).toEqual([{ itemIdentifier: message.MessageId }]);
    expect(run.logs).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'could not record the failure in FailedUnits; SQS redelivers the message',
        app: 'shop',
        period: unit.period,
        reason: expect.stringContaining('the bucket wxa-no-such-bucket does not exist'),
        problem: expect.stringMatching(
          /^cannot write a failure record to SQS queue wxa-failed-[\w-]+: User: .* is not authorized to perform: sqs:sendmessage: a permission is missing/,
        ),
      }),
    );
    expect(await failedUnits()).toEqual([]);
  }, 60_000);
});

/** SES (through the proxy) answering every call with this error. */
const sesAnswering = (code: string, message: string) => () => {
  proxy.add({ match: (r) => r.service === 'sesv2', answer: awsError('sesv2', 400, code, message) });
  return { AWS_ENDPOINT_URL_SESV2: proxy.url };
};
const SES_QUOTA =
  /SES: Daily message quota exceeded\.: SES's daily sending quota \(messages in a rolling 24 hours\) is used up: re-run the period once the window has moved on .*request a higher quota/;

describe('what a person must fix is recorded at once, naming the fix', () => {
  it.each([
    [
      'a missing bucket',
      7,
      () => ({ WXA_ARCHIVE_BUCKET: 'wxa-no-such-bucket' }),
      /The specified bucket does not exist: the bucket wxa-no-such-bucket does not exist: create it, or correct the name/,
    ],
    [
      'S3 refusing the write',
      8,
      () => {
        proxy.add({
          match: (r) => r.service === 's3' && r.method === 'PUT',
          answer: awsError('s3', 403, 'AccessDenied', 'Access Denied'),
        });
        return { AWS_ENDPOINT_URL_S3: proxy.url };
      },
      /Access Denied: grant s3:PutObject on arn:aws:s3:::wxa-test-\d+-\d+\/\*/,
    ],
    [
      'SES in the sandbox refusing an unverified recipient',
      9,
      sesAnswering(
        'MessageRejected',
        'Email address is not verified. The following identities failed the check in region US-EAST-1: growth@example.com',
      ),
      /SES: Email address is not verified\..*: the account is in the SES sandbox, where every recipient must be a verified identity too.*request production access/,
    ],
    // What SES's API answers once the day's quota is used up (v2 also as LimitExceededException).
    [
      "SES's daily quota used up (LimitExceededException)",
      26,
      sesAnswering('LimitExceededException', 'Daily message quota exceeded.'),
      SES_QUOTA,
    ],
    [
      "SES's daily quota used up (ThrottlingException)",
      27,
      sesAnswering('ThrottlingException', 'Daily message quota exceeded.'),
      SES_QUOTA,
    ],
  ])(
    '%s',
    async (_what, n, faults, reason) => {
      // Prepare
      const unit = { job: 'daily', period: day(n), app: 'coffee' } as const;
      const message = await queued(unit);

      // Act
      const first = await work(message, 1, faults());

      // Assess: not retried; recorded once, with the fix.
      expect(first.failures).toEqual([]);
      expect(unitFailures(first.stdout)).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          app: 'coffee',
          kind: 'needs-person',
          reason: expect.stringMatching(reason),
        }),
      ]);
      expect(await failedUnits()).toEqual([
        expect.objectContaining({ ...unit, kind: 'needs-person', attempts: 1, reason: expect.stringMatching(reason) }),
      ]);
      expect((await ledger().getJob('daily', unit.period, 'coffee'))?.status).toBe('failed');
    },
    60_000,
  );

  it('SSM refusing the read: named with the grant, the digest says a service refused', async () => {
    // Prepare
    proxy.add({
      match: (r) => r.service === 'ssm',
      answer: awsError(
        'ssm',
        400,
        'AccessDeniedException',
        'User: arn:aws:sts::123456789012:assumed-role/worker/wxa is not authorized to perform: ssm:GetParametersByPath',
      ),
    });
    const unit = { job: 'daily', period: day(25), app: 'coffee' } as const;

    // Act
    const first = await work(await queued(unit), 1, { AWS_ENDPOINT_URL_SSM: proxy.url });

    // Assess
    const reason = `cannot read the SSM parameters under ${PREFIX}apps/coffee: User: arn:aws:sts::123456789012:assumed-role/worker/wxa is not authorized to perform: ssm:GetParametersByPath: a permission is missing: grant ssm:GetParametersByPath on the parameters under ${PREFIX}apps/coffee (and kms:Decrypt on the key of its SecureStrings)`;
    expect(first.failures).toEqual([]);
    expect(await failedUnits()).toEqual([expect.objectContaining({ ...unit, kind: 'needs-person', reason })]);
    expect(await ledger().getJob('daily', unit.period, 'coffee')).toMatchObject({
      status: 'failed',
      reason: 'service-refused',
    });
  }, 60_000);

  it("SES refusing an unverified sender (moto's own answer)", async () => {
    await ses.send(new DeleteEmailIdentityCommand({ EmailIdentity: 'example.com' }));
    try {
      const unit = { job: 'daily', period: day(10), app: 'shop' } as const;
      const first = await work(await queued(unit), 1);

      expect(first.failures).toEqual([]);
      expect(await failedUnits()).toEqual([
        expect.objectContaining({
          ...unit,
          kind: 'needs-person',
          reason: expect.stringMatching(
            /Did not have authority to send from email reports@example\.com: the sender is not a verified SES identity/,
          ),
        }),
      ]);
    } finally {
      await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
    }
  }, 60_000);
});

describe('an S3 archive without s3:ListBucket', () => {
  it('still sends the report: a 403 for a missing key is read as missing, and the grant is named once', async () => {
    // Prepare: S3 answers a missing key (and HeadBucket) with 403, as it does without s3:ListBucket.
    proxy.add({ match: (r) => r.service === 's3', answer: 'no-list-bucket' });
    const unit = { job: 'daily', period: day(11), app: 'shop' } as const;

    // Act
    const run = await work(await queued(unit), 1, { AWS_ENDPOINT_URL_S3: proxy.url });

    // Assess
    expect(run.failures).toEqual([]);
    expect(run.logs.find((l) => l.message === 'unit done')).toMatchObject({ status: 'sent', app: 'shop' });
    const warnings = run.logs.filter((l) => l.message.includes('s3:ListBucket'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain(`Grant s3:ListBucket on arn:aws:s3:::${bucket}`);
    for (const date of [unit.period, addDays(unit.period, -1), addDays(unit.period, -7)])
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: archiveKeys.dailyVisitTrend(SHOP.appid, date) }));
    expect(await failedUnits()).toEqual([]);
  }, 60_000);
});

describe('a damaged record stops one app, never the fan-out, never silently', () => {
  it('a ledger item the SDK cannot read is named and left out; every other app goes on', async () => {
    // Prepare: yesterday's job record of shop carries a valid DynamoDB number no JavaScript number holds.
    const date = beijingYesterday(new Date());
    await dynamo.raw.send(
      new PutItemCommand({
        TableName: tables.ledger,
        Item: {
          pk: { S: `daily#${date}` },
          sk: { S: 'app#shop' },
          status: { S: 'pending' },
          updatedAt: { N: '12345678901234567.5' },
        },
      }),
    );
    const where = `ledger table ${tables.ledger}, item pk "daily#${date}", sk "app#shop"`;

    // Act: the daily dispatch, the retry dispatch, then the worker on each unit, then the digest.
    const daily = await invokeBundle<{ queued: number }>(stack.bundles.dispatcher, environment(), {
      job: 'daily',
      apps: ['shop', 'coffee'],
    });
    const retry = await invokeBundle<{ queued: number }>(stack.bundles.dispatcher, environment(), { job: 'retry' });
    const messages = (await receiveAll(sqs, queues.work)).filter((m) => JSON.parse(m.Body ?? '{}').period === date);
    const runs = [];
    for (const message of messages) runs.push(await work(message, 1));
    const digest = await work(await queued({ job: 'digest', period: date }), 1);

    // Assess: nothing stopped; the damaged item named wherever it was met. The retry queues the
    // unit it may be: the first run of shop fails naming it (and records the unit as failed), the
    // other then sends shop's report, once.
    expect(daily.result.queued).toBe(2);
    expect(retry.result.queued).toBe(1);
    for (const { logs } of [daily, retry])
      expect(logLines(logs)).toContainEqual(
        expect.objectContaining({
          level: 'WARN',
          message: 'ledger record unreadable, left out',
          problem: expect.stringContaining(where),
        }),
      );
    expect(runs.flatMap((r) => r.failures)).toEqual([]);
    const outcomes = runs.flatMap((r) => r.logs.filter((l) => l.message === 'unit done'));
    expect(outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ app: 'coffee', status: 'sent' }),
        expect.objectContaining({ app: 'shop', status: 'sent' }),
      ]),
    );
    expect(outcomes).toHaveLength(2);
    const reason = `${where} is damaged (updatedAt must be an ISO 8601 time (a string), not 12345678901234567.5): fix the item, or delete it`;
    expect(runs.flatMap((r) => unitFailures(r.stdout))).toEqual([
      expect.objectContaining({ app: 'shop', job: 'daily', period: date, reason: expect.stringContaining(reason) }),
    ]);
    expect(await failedUnits()).toEqual([
      expect.objectContaining({
        app: 'shop',
        job: 'daily',
        period: date,
        kind: 'needs-person',
        reason: expect.stringContaining(reason),
      }),
    ]);
    expect(digest.failures).toEqual([]);
    expect(unitFailures(digest.stdout)).toEqual([]);
  }, 120_000);

  it.each([
    ['an unknown status', 12, { status: { S: 'queued' } }, '(status "queued")'],
    [
      'a "sending" claim without a lease',
      13,
      { status: { S: 'sending' }, owner: { S: 'gone' } },
      '("sending" without a lease)',
    ],
    [
      'a lease that cannot be read',
      14,
      { status: { S: 'sending' }, owner: { S: 'gone' }, leaseUntil: { N: '1795398000000' } },
      '("sending" with a lease that cannot be read ("1795398000000"))',
    ],
    [
      'a lease longer than any run takes',
      23,
      { status: { S: 'sending' }, owner: { S: 'gone' }, leaseUntil: { S: '2099-01-01T00:00:00.000Z' } },
      '("sending" with a lease until 2099-01-01T00:00:00.000Z, longer than the 10 minutes any run takes)',
    ],
  ])(
    'a delivery with %s is an error naming app and channel, treated like unconfirmed',
    async (_what, n, state, said) => {
      // Prepare
      const period = day(n);
      await dynamo.raw.send(
        new PutItemCommand({
          TableName: tables.ledger,
          Item: {
            pk: { S: `daily#${period}` },
            sk: { S: 'delivery#coffee#email' },
            updatedAt: { S: '2026-01-01T00:00:00.000Z' },
            ...state,
          },
        }),
      );

      // Act
      const run = await work(await queued({ job: 'daily', period, app: 'coffee' }), 1);

      // Assess: not sent, not waited on forever: a person is told, as for an interrupted send.
      expect(run.failures).toEqual([]);
      const reason = `the ledger held a state for coffee daily ${period} on email that no run writes ${said}`;
      expect(await failedUnits()).toEqual([
        expect.objectContaining({
          app: 'coffee',
          period,
          kind: 'needs-person',
          reason: expect.stringContaining(reason),
        }),
      ]);
      expect(await ledger().getDelivery({ job: 'daily', period, app: 'coffee' }, 'email')).toMatchObject({
        status: 'unconfirmed',
        detail: expect.stringContaining(reason),
      });
    },
    60_000,
  );

  it('a registry entry with a misspelt field or an unreadable number is named, and the others run', async () => {
    // Prepare
    for (const item of <Record<string, AttributeValue>[]>[
      {
        name: { S: 'typo' },
        appid: { S: SHOP.appid },
        recipients: { L: [{ S: 'ops@example.com' }] },
        webhook: { L: [{ S: 'wecom' }] },
      },
      {
        name: { S: 'odd' },
        appid: { S: SHOP.appid },
        recipients: { L: [{ S: 'ops@example.com' }] },
        displayName: { N: '12345678901234567.5' },
      },
    ])
      await dynamo.raw.send(new PutItemCommand({ TableName: tables.apps, Item: item }));

    // Act
    const { result } = await invokeBundle<{ queued: number; invalid: { name: string; problem: string }[] }>(
      stack.bundles.dispatcher,
      environment(),
      { job: 'daily', date: day(15), apps: ['typo', 'odd', 'shop'] },
    );

    // Assess
    expect(result.queued).toBe(1);
    const byName = <T extends { name?: string; app?: string }>(a: T, b: T) =>
      String(a.name ?? a.app).localeCompare(String(b.name ?? b.app));
    expect(result.invalid.sort(byName)).toEqual([
      {
        name: 'odd',
        problem: expect.stringMatching(/^displayName holds 12345678901234567\.5, a number no setting can be/),
      },
      { name: 'typo', problem: 'webhook is not a field; did you mean webhooks?' },
    ]);
    expect((await failedUnits()).sort(byName).map((f) => [f.app, f.reason])).toEqual([
      ['odd', expect.stringMatching(/^invalid registry entry: displayName /)],
      ['typo', 'invalid registry entry: webhook is not a field; did you mean webhooks?'],
    ]);
    await receiveAll(sqs, queues.work);
  }, 60_000);

  it('a worker that cannot start records each unit with why, at once', async () => {
    const unit = { job: 'daily', period: day(16), app: 'shop' } as const;

    const run = await work(await queued(unit), 1, {
      WXA_CONFIG: JSON.stringify({ apps: [{ name: 'x', webhook: [] }] }),
    });

    expect(run.failures).toEqual([]);
    expect(await failedUnits()).toEqual([
      expect.objectContaining({
        ...unit,
        kind: 'needs-person',
        reason: expect.stringMatching(
          /^the worker cannot start: WXA_CONFIG is invalid: apps\.0\.webhook is not a field; did you mean webhooks\?/,
        ),
      }),
    ]);
  }, 60_000);
});

describe('no secret in any error, on any path', () => {
  it('six chats quoting the request: nothing of their URLs or signing secrets in the logs, the ledger or FailedUnits', async () => {
    // Prepare
    const unit = { job: 'daily', period: day(17), app: 'chatty' } as const;

    // Act
    const run = await work(await queued(unit), 1);

    // Assess: a 404 needs a person (the URL is wrong): recorded at once, every chat named.
    const [record] = await failedUnits();
    expect(record).toMatchObject({ ...unit, kind: 'needs-person' });
    for (const kind of ['wecom', 'feishu', 'lark', 'dingtalk', 'slack', 'json'])
      expect(record.reason).toMatch(new RegExp(`${kind} webhook \\(127\\.0\\.0\\.1:\\d+\\): HTTP 404`));
    const { Items } = await dynamo.raw.send(
      new QueryCommand({
        TableName: tables.ledger,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `daily#${unit.period}` } },
      }),
    );
    expect(Items?.length).toBeGreaterThan(6);
    for (const where of [run.stdout, JSON.stringify(record), JSON.stringify(Items)])
      expect(secretPiecesIn(where, echo.secrets)).toEqual([]);
  }, 60_000);
});
