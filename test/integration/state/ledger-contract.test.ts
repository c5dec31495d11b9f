import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../../lambda/state/dynamodb/dynamodb-ledger.js';
import { claimDelivery, finishDelivery, type Ledger } from '../../../lambda/state/ledger.js';
import { FileLedger } from '../../../lambda/state/local/file-ledger.js';
import { createTables, dynamoClientsFor } from '../../support/dynamodb.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { tempDir } from '../../support/temp-dir.js';

let moto: MotoServer;
let dynamo: ReturnType<typeof dynamoClientsFor>;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  moto = await startMoto();
  dynamo = dynamoClientsFor(moto.endpoint);
  dir = await tempDir();
});
afterAll(async () => {
  dynamo?.raw.destroy();
  await Promise.all([moto?.stop(), dir?.remove()]);
});

const NOW = new Date('2026-11-23T02:00:00Z');
const LEASE = 600_000;
let n = 0;
const scope = () => ({ job: 'daily' as const, period: '2026-11-22', app: `app-${++n}` });

// The same contract, held by both adapters: the file ledger of `wxa-report run` and DynamoDB (moto).
describe.each([
  ['files', async () => new FileLedger(`${dir.path}/state-${++n}`)],
  [
    'DynamoDB (moto)',
    async () => new DynamoDbLedger(dynamo.documents, (await createTables(dynamo.raw)).ledger, () => NOW),
  ],
] as [string, () => Promise<Ledger>][])('the %s ledger', (_name, make) => {
  it('lets exactly one of twenty simultaneous claims on a channel win', async () => {
    // Prepare
    const ledger = await make();
    const where = scope();

    // Act
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        claimDelivery(ledger, where, 'email', { owner: `run-${i}`, now: NOW, leaseMs: LEASE }),
      ),
    );

    // Assess
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(19);
  });

  it('never gives a sent channel out again, and gives a failed one out again', async () => {
    // Prepare
    const ledger = await make();
    const sent = scope();
    const failed = scope();
    for (const where of [sent, failed])
      await claimDelivery(ledger, where, 'wecom', { owner: 'a', now: NOW, leaseMs: LEASE });
    await finishDelivery(ledger, sent, 'wecom', 'a', { status: 'sent', detail: 'ok', now: NOW });
    await finishDelivery(ledger, failed, 'wecom', 'a', { status: 'failed', detail: 'HTTP 500', now: NOW });

    // Act
    const later = new Date(NOW.getTime() + 3_600_000);
    const again = await claimDelivery(ledger, sent, 'wecom', { owner: 'b', now: later, leaseMs: LEASE });
    const retried = await claimDelivery(ledger, failed, 'wecom', { owner: 'b', now: later, leaseMs: LEASE });

    // Assess
    expect(again.kind).toBe('already-sent');
    expect(retried.kind).toBe('claimed');
  });

  it('turns a claim whose lease ran out into "unconfirmed", never into a second send', async () => {
    // Prepare
    const ledger = await make();
    const where = scope();
    await claimDelivery(ledger, where, 'email', { owner: 'crashed', now: NOW, leaseMs: LEASE });

    // Act
    const during = await claimDelivery(ledger, where, 'email', {
      owner: 'b',
      now: new Date(NOW.getTime() + 60_000),
      leaseMs: LEASE,
    });
    const after = await claimDelivery(ledger, where, 'email', {
      owner: 'c',
      now: new Date(NOW.getTime() + LEASE + 1),
      leaseMs: LEASE,
    });
    const later = await claimDelivery(ledger, where, 'email', {
      owner: 'd',
      now: new Date(NOW.getTime() + 2 * LEASE),
      leaseMs: LEASE,
    });

    // Assess
    expect(during.kind).toBe('busy');
    expect(after.kind).toBe('unconfirmed');
    expect(later.kind).toBe('unconfirmed');
    await expect(
      finishDelivery(ledger, where, 'email', 'crashed', { status: 'sent', detail: 'late', now: NOW }),
    ).rejects.toThrow(/the claim was lost/);
  });

  it('keeps job records per app and lists a whole day', async () => {
    // Prepare
    const ledger = await make();
    await ledger.putJob('daily', '2026-11-21', 'shop', { status: 'sent', updatedAt: NOW.toISOString() });
    await ledger.putJob('daily', '2026-11-21', 'coffee', {
      status: 'pending',
      updatedAt: NOW.toISOString(),
      detail: 'errcode 61503',
    });
    await ledger.putJob('daily', '2026-11-20', 'shop', { status: 'failed', updatedAt: NOW.toISOString() });
    await claimDelivery(ledger, { job: 'daily', period: '2026-11-21', app: 'shop' }, 'email', {
      owner: 'a',
      now: NOW,
      leaseMs: LEASE,
    });

    // Act
    const day = await ledger.listJobs('daily', '2026-11-21');

    // Assess
    expect(Object.fromEntries([...day].map(([app, r]) => [app, r.status]))).toEqual({
      shop: 'sent',
      coffee: 'pending',
    });
    expect(day.get('coffee')?.detail).toBe('errcode 61503');
    expect((await ledger.getJob('daily', '2026-11-20', 'shop'))?.status).toBe('failed');
  });

  it('keeps why a unit failed (the digest words it from the reason and errcode)', async () => {
    // Prepare
    const ledger = await make();
    await ledger.putJob('daily', '2026-11-22', 'shop', {
      status: 'failed',
      updatedAt: NOW.toISOString(),
      detail: 'errcode 40125',
      reason: 'credentials',
      errcode: 40125,
    });

    // Act
    const read = await ledger.getJob('daily', '2026-11-22', 'shop');
    const listed = (await ledger.listJobs('daily', '2026-11-22')).get('shop');

    // Assess
    for (const record of [read, listed]) {
      expect(record?.reason).toBe('credentials');
      expect(record?.errcode).toBe(40125);
    }
  });

  it('remembers the periods WeChat had no data for, per AppID and API, as a union of the runs', async () => {
    // Prepare
    const ledger = await make();
    const appid = `wx${String(++n).padStart(16, '0')}`;

    // Act: two runs, one more with nothing, another API, another app. (Two at once: DynamoDB's ADD is
    // atomic, moto's is not; the file ledger's lock is tested below.)
    await ledger.rememberNoData(appid, 'getDailyVisitTrend', ['2026-09-27', '2026-10-04']);
    await ledger.rememberNoData(appid, 'getDailyVisitTrend', ['2026-10-04', '2026-10-11']);
    await ledger.rememberNoData(appid, 'getDailyVisitTrend', []);
    await ledger.rememberNoData(appid, 'getMonthlyRetain', ['2026-08']);

    // Assess
    expect([...(await ledger.noDataPeriods(appid, 'getDailyVisitTrend'))].sort()).toEqual([
      '2026-09-27',
      '2026-10-04',
      '2026-10-11',
    ]);
    expect([...(await ledger.noDataPeriods(appid, 'getMonthlyRetain'))]).toEqual(['2026-08']);
    expect((await ledger.noDataPeriods(appid, 'getVisitPage')).size).toBe(0);
    expect((await ledger.noDataPeriods('wx0000000000000001', 'getDailyVisitTrend')).size).toBe(0);
  });

  it('refuses names that could leave their place', async () => {
    const ledger = await make();

    await expect(ledger.putJob('daily', '2026-11-21', '..', { status: 'sent', updatedAt: '' })).rejects.toThrow(
      /cannot be a ledger app/,
    );
    await expect(ledger.getJob('daily', '../x', 'shop')).rejects.toThrow(/cannot be a ledger period/);
  });
});

describe('the files ledger', () => {
  it('loses no period WeChat had no data for when twenty runs remember at once', async () => {
    const ledger = new FileLedger(`${dir.path}/state-${++n}`);
    const days = Array.from({ length: 20 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`);

    await Promise.all(days.map((day) => ledger.rememberNoData('wx5f1d0c3a9e7b2d41', 'getDailyVisitTrend', [day])));

    expect([...(await ledger.noDataPeriods('wx5f1d0c3a9e7b2d41', 'getDailyVisitTrend'))].sort()).toEqual(days);
  });
});
