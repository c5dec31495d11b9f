import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { GetTableCommand, type GlueClient } from '@aws-sdk/client-glue';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3Archive } from '../../../lambda/archive/s3/s3-archive.js';
import { curatedKeys } from '../../../lambda/curated/curated-layout.js';
import { CompactionLockedError } from '../../../lambda/curated/curated-store.js';
import { S3CuratedStore } from '../../../lambda/curated/s3/s3-curated-store.js';
import {
  type CompactionDependencies,
  type CompactionOptions,
  type CompactionResult,
  compactArchive,
} from '../../../lambda/pipeline/compact-archive.js';
import { writeSyntheticArchive } from '../../../lambda/simulator/synthetic-archive.js';
import { viewSql } from '../../../lambda/sql/athena/glue-tables.js';
import { DuckDbCompactor } from '../../../lambda/sql/duckdb/duckdb-compactor.js';
import { GlueViews } from '../../../lambda/sql/glue/glue-views.js';
import { SQL_TABLES } from '../../../lambda/sql/tables.js';
import { ARCHIVED_APIS } from '../../../lambda/wechat/datacube-apis.js';
import { APPIDS, damagedParquet, everyAnswer, recordingLogger, syntheticArchive } from '../../support/compaction.js';
import { createAnalyticsTables, glueClientFor } from '../../support/glue.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { createBucket, downloadPrefix, s3ClientFor } from '../../support/s3.js';
import { NOW } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

// The AWS compaction path against moto: the archive written to S3 by the product's own writer, the
// compaction reading it through the SDK, the Glue views pointed at what it compacted; the rows
// checked by syncing the bucket down and reading it as `wxa-report query` does.

let moto: MotoServer;
let s3: S3Client;
let glue: GlueClient;
let dir: Awaited<ReturnType<typeof tempDir>>;
let before: Record<string, unknown[]>;
let buckets = 0;
beforeAll(async () => {
  [moto, dir] = await Promise.all([startMoto(), tempDir()]);
  s3 = s3ClientFor(moto.endpoint);
  glue = glueClientFor(moto.endpoint);
  const reference = join(dir.path, 'reference');
  await syntheticArchive(reference, '2026-09-25', '2026-10-31');
  before = await everyAnswer(reference);
}, 120_000);
afterAll(async () => {
  s3?.destroy();
  glue?.destroy();
  await Promise.all([moto?.stop(), dir?.remove()]);
});

/** A bucket holding the same archive as the reference, under a prefix, with the stack's Glue tables. */
async function deployment(options: { empty?: boolean } = {}) {
  buckets += 1;
  const bucket = await createBucket(s3);
  const prefix = 'wxa';
  const database = `wxa_reporter_${buckets}`;
  if (!options.empty)
    await writeSyntheticArchive(new S3Archive(s3, bucket, prefix), {
      appids: APPIDS,
      from: '2026-09-25',
      to: '2026-10-31',
      now: NOW,
      concurrency: 16,
    });
  await createAnalyticsTables(glue, database, bucket, prefix);
  return { bucket, prefix, database, store: new S3CuratedStore(s3, bucket, prefix) };
}

async function compactS3(
  target: Awaited<ReturnType<typeof deployment>>,
  overrides: Partial<CompactionDependencies> = {},
  options: CompactionOptions = {},
) {
  const engine = await DuckDbCompactor.open();
  const workDir = await mkdtemp(join(dir.path, 'work-'));
  try {
    return await compactArchive(
      {
        store: target.store,
        engine,
        views: new GlueViews(glue, target.database),
        workDir,
        clock: () => new Date(),
        logger: recordingLogger(),
        toolVersion: 'test',
        owner: 'lambda-request-1',
        ...overrides,
      },
      options,
    );
  } finally {
    engine.close();
  }
}

async function synced(target: Awaited<ReturnType<typeof deployment>>) {
  const folder = await mkdtemp(join(dir.path, 'synced-'));
  await downloadPrefix(s3, target.bucket, target.prefix, folder);
  return folder;
}

const keysUnder = async (bucket: string, prefix: string) =>
  (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents?.map(
    (o) => `${o.Key} ${o.ETag}`,
  ) ?? [];

describe('the compaction over S3 (moto), with the Glue views', () => {
  // One deployment compacted once, shared by the first three tests (which only read it or re-run it).
  let shared: Promise<{ target: Awaited<ReturnType<typeof deployment>>; result: CompactionResult }> | undefined;
  const compactedOnce = () => {
    shared ??= deployment().then(async (target) => ({ target, result: await compactS3(target) }));
    return shared;
  };

  it('writes month files, manifests and the symlink lists; the archive synced down answers the same rows', async () => {
    // Act
    const { target, result } = await compactedOnce();

    // Assess
    expect(result.complete).toBe(true);
    expect(result.viewsUpdated).toBe(SQL_TABLES.length);
    const folder = await synced(target);
    expect(await everyAnswer(folder)).toEqual(before);
    const symlink = await target.store.readText(curatedKeys.symlink('daily_visit_trend'));
    const manifests = ['2026-09', '2026-10'].map(async (month) =>
      JSON.parse((await target.store.readText(curatedKeys.manifest('daily_visit_trend', month))) ?? '{}'),
    );
    expect(symlink).toBe(
      `${(await Promise.all(manifests))
        .map((m) => `s3://${target.bucket}/wxa/curated/daily_visit_trend/month=${m.month}/${m.file}`)
        .join('\n')}\n`,
    );
  }, 120_000);

  it('points each Athena view at the curated table for the compacted periods and at raw for the rest', async () => {
    const { target } = await compactedOnce();

    const view = await glue.send(new GetTableCommand({ DatabaseName: target.database, Name: 'daily_visit_trend' }));
    const portrait = await glue.send(new GetTableCommand({ DatabaseName: target.database, Name: 'user_portrait' }));

    expect(viewSql({ viewOriginalText: view.Table?.ViewOriginalText })).toBe(
      `SELECT c."appid", c."dt", c."ref_date", c."session_cnt", c."visit_pv", c."visit_uv", c."visit_uv_new", c."stay_time_uv", c."stay_time_session", c."visit_depth" FROM "${target.database}"."daily_visit_trend_curated" AS c WHERE c."dt" BETWEEN '2026-09-25' AND '2026-10-31' UNION ALL SELECT raw."appid" AS "appid", raw."dt" AS "dt", ${SQL_TABLES[0]?.select('athena').columns} FROM "${target.database}"."daily_visit_trend_raw" AS raw CROSS JOIN UNNEST(raw.list) AS t(l) WHERE NOT raw."dt" BETWEEN '2026-09-25' AND '2026-10-31'`,
    );
    expect(viewSql({ viewOriginalText: portrait.Table?.ViewOriginalText })).toContain(
      `WHERE NOT ((raw."days" = 1 AND raw."dt" BETWEEN '2026-09-25' AND '2026-10-31') OR (raw."days" = 7 AND raw."dt" IN ('2026-10-04', '2026-10-11', '2026-10-18', '2026-10-25')) OR (raw."days" = 30 AND raw."dt" IN ('2026-10-31')))`,
    );
  }, 120_000);

  it('changes nothing when run again: no object written, no view updated', async () => {
    const { target } = await compactedOnce();
    const objects = await keysUnder(target.bucket, 'wxa/curated/');

    const again = await compactS3(target);

    expect(again.months).toEqual([]);
    expect(again.viewsUpdated).toBe(0);
    expect(await keysUnder(target.bucket, 'wxa/curated/')).toEqual(objects);
  }, 120_000);

  it('adds a new day to its month and to the view, and leaves no partial period visible when interrupted', async () => {
    // Prepare: compacted, then 1 November arrives; the next run dies at its second switch.
    const target = await deployment();
    await compactS3(target);
    await writeSyntheticArchive(new S3Archive(s3, target.bucket, target.prefix), {
      appids: APPIDS,
      from: '2026-11-01',
      to: '2026-11-01',
      now: NOW,
    });
    const store = target.store;
    let switches = 0;
    const dying: typeof store = Object.assign(Object.create(store), {
      putText: async (key: string, text: string) => {
        if (key.endsWith('manifest.json') && ++switches === 2) throw new Error('killed');
        return store.putText(key, text);
      },
    });
    const reference = join(dir.path, 'reference-november');
    await syntheticArchive(reference, '2026-09-25', '2026-10-31');
    await syntheticArchive(reference, '2026-11-01', '2026-11-01');
    const withNovember = await everyAnswer(reference);

    // Act
    await expect(compactS3({ ...target, store: dying })).rejects.toThrow('killed');
    const interrupted = await everyAnswer(await synced(target));
    const resumed = await compactS3(target);

    // Assess
    expect(interrupted).toEqual(withNovember);
    expect(resumed.months.map((m) => `${m.table} ${m.month}`)).toContain('daily_summary 2026-11');
    expect(await everyAnswer(await synced(target))).toEqual(withNovember);
    const view = await glue.send(new GetTableCommand({ DatabaseName: target.database, Name: 'daily_visit_trend' }));
    expect(viewSql({ viewOriginalText: view.Table?.ViewOriginalText })).toContain(
      `WHERE NOT raw."dt" BETWEEN '2026-09-25' AND '2026-11-01'`,
    );
  }, 180_000);

  it('leaves a damaged month file out of the symlink list at once, and writes its month again from raw', async () => {
    // Prepare: compacted; then one file cut to garbage, one overwritten in its footer (same length),
    // and a new app's answers of 2026-10-15 (so the next run reads October's previous files).
    const target = await deployment();
    await compactS3(target);
    const fileOf = async (table: string) => {
      const manifest = JSON.parse((await target.store.readText(curatedKeys.manifest(table, '2026-10'))) ?? '{}');
      return `${curatedKeys.month(table, '2026-10')}${manifest.file}`;
    };
    const damage = async (key: string, how: 'garbage' | 'footer') => {
      const object = `${target.prefix}/${key}`;
      const bytes = await (
        await s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: object }))
      ).Body?.transformToByteArray();
      await s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: object,
          Body: damagedParquet(bytes ?? new Uint8Array(), how),
        }),
      );
    };
    const garbage = await fileOf('daily_visit_trend');
    const footer = await fileOf('visit_page');
    await damage(garbage, 'garbage');
    await damage(footer, 'footer');
    const newcomer = ['wx1234567890abcdef'];
    await writeSyntheticArchive(new S3Archive(s3, target.bucket, target.prefix), {
      appids: newcomer,
      from: '2026-10-15',
      to: '2026-10-15',
      now: NOW,
    });
    const reference = join(dir.path, 'reference-newcomer');
    await syntheticArchive(reference, '2026-09-25', '2026-10-31');
    await syntheticArchive(reference, '2026-10-15', '2026-10-15', { appids: newcomer });
    const expected = await everyAnswer(reference);
    const [september, rest] = [recordingLogger(), recordingLogger()];

    // Act: a run that leaves October out, then one that takes it in, then one more.
    const outside = await compactS3(target, { logger: september }, { from: '2026-09-25', to: '2026-09-30' });
    const listedOutside = await target.store.readText(curatedKeys.symlink('daily_visit_trend'));
    const written = await compactS3(target, { logger: rest });
    const again = await compactS3(target);

    // Assess
    expect(outside.months).toEqual([]);
    // Both are known without reading either: the one by its length, the other by its ETag (written again).
    expect(september.warnings.sort()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^s3://${target.bucket}/wxa/${garbage} is damaged \\(8 bytes, its manifest records \\d+\\): daily_visit_trend 2026-10 is read from raw/ until "wxa-report compact --archive s3://${target.bucket}/wxa" writes it again$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^s3://${target.bucket}/wxa/${footer} is damaged \\(written again since its manifest: ETag .+\\): visit_page 2026-10 is read from raw/ until "wxa-report compact --archive s3://${target.bucket}/wxa" writes it again$`,
        ),
      ),
    ]);
    expect(listedOutside).toMatch(/month=2026-09\//);
    expect(listedOutside).not.toContain(garbage);
    expect(await target.store.readText(curatedKeys.symlink('visit_page'))).not.toContain(footer);
    expect(written.months.map((m) => `${m.table} ${m.month}`)).toEqual(
      expect.arrayContaining(['daily_visit_trend 2026-10', 'visit_page 2026-10']),
    );
    expect(rest.warnings.sort()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^s3://${target.bucket}/wxa/${garbage} is damaged \\(8 bytes, .+\\): daily_visit_trend 2026-10 is compacted again from raw/$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^s3://${target.bucket}/wxa/${footer} is damaged \\(.+\\): visit_page 2026-10 is compacted again from raw/$`,
        ),
      ),
    ]);
    for (const [table, damaged] of [
      ['daily_visit_trend', garbage],
      ['visit_page', footer],
    ] as const) {
      const listed = await target.store.readText(curatedKeys.symlink(table));
      expect(listed).not.toContain(damaged);
      expect(listed).toContain(`s3://${target.bucket}/${target.prefix}/${await fileOf(table)}`);
    }
    expect(again.months).toEqual([]);
    expect(await everyAnswer(await synced(target))).toEqual(expected);
  }, 180_000);

  it('runs one compaction at a time, and takes over a lock whose lease ran out', async () => {
    const target = await deployment({ empty: true });
    const held = await target.store.lock('lambda-request-0', 60_000);
    await expect(compactS3(target)).rejects.toThrow(CompactionLockedError);
    if (held.held) await held.release();
    await s3.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: `wxa/${curatedKeys.lock}`,
        Body: JSON.stringify({ owner: 'a-function-that-timed-out', until: '2026-01-01T00:00:00.000Z' }),
      }),
    );

    const [first, second] = await Promise.all([target.store.lock('one', 60_000), target.store.lock('two', 60_000)]);

    expect([first.held, second.held].filter(Boolean)).toHaveLength(1);
    for (const lock of [first, second]) if (lock.held) await lock.release();
    expect((await compactS3(target)).complete).toBe(true);
  }, 120_000);

  it('takes a month out of the curated layer when every answer of it is removed from raw/', async () => {
    // Prepare: the daily trend of September removed by hand after compaction.
    const target = await deployment();
    await compactS3(target);
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: target.bucket, Prefix: 'wxa/raw/daily-visit-trend/' }),
    );
    const september = (listed.Contents ?? []).map((o) => o.Key as string).filter((k) => k.includes('/dt=2026-09-'));
    await s3.send(
      new DeleteObjectsCommand({ Bucket: target.bucket, Delete: { Objects: september.map((Key) => ({ Key })) } }),
    );

    // Act
    const compacted = await compactS3(target);
    const again = await compactS3(target);

    // Assess
    expect(september.length).toBe(APPIDS.length * 6);
    expect(compacted.months).toEqual([
      expect.objectContaining({ table: 'daily_visit_trend', month: '2026-09', removed: september.length, file: '' }),
    ]);
    expect(await target.store.readText(curatedKeys.manifest('daily_visit_trend', '2026-09'))).toBeUndefined();
    expect(await target.store.readText(curatedKeys.symlink('daily_visit_trend'))).not.toContain('month=2026-09');
    expect(again.months).toEqual([]);
  }, 120_000);

  it('gives its lock back for good when Ctrl-C comes while a renewal is in flight', async () => {
    // Prepare
    const target = await deployment({ empty: true });
    const held = await target.store.lock('stopped-by-ctrl-c', 60_000);
    if (!held.held) throw new Error('the lock was not taken');

    // Act: the compaction renews (a month switched) as the signal handler gives the lock back.
    await Promise.all([held.renew(), target.store.unlock('stopped-by-ctrl-c')]);
    await held.renew();

    // Assess
    expect(await target.store.readText(curatedKeys.lock)).toBeUndefined();
  }, 60_000);

  it('puts every object with its length: no SDK warning of "a Stream of unknown length", even for an empty table', async () => {
    // Prepare: one table with answers; the nine others empty (their symlink lists are empty objects).
    const target = await deployment({ empty: true });
    await writeSyntheticArchive(new S3Archive(s3, target.bucket, target.prefix), {
      appids: APPIDS,
      from: '2026-10-01',
      to: '2026-10-02',
      apis: ARCHIVED_APIS.filter((api) => api.cli === 'daily'),
      now: NOW,
    });
    const warnings: string[] = [];
    // Observed, not replaced: the SDK writes its warning with console.warn when given no logger.
    const spy = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
    });

    // Act
    const result = await compactS3(target).finally(() => spy.mockRestore());

    // Assess
    expect(result.months.map((m) => m.table)).toEqual(['daily_visit_trend']);
    expect(await target.store.readText(curatedKeys.symlink('visit_page'))).toBe('');
    expect(warnings.filter((w) => /unknown length/.test(w))).toEqual([]);
  }, 120_000);

  it('leaves out bodies that cannot be answers and folders that are not partitions, names them, and a re-run writes nothing', async () => {
    // Prepare: a small archive, then what a person (or a broken sync) put beside it.
    const target = await deployment({ empty: true });
    await writeSyntheticArchive(new S3Archive(s3, target.bucket, target.prefix), {
      appids: APPIDS,
      from: '2026-10-01',
      to: '2026-10-02',
      apis: undefined,
      now: NOW,
    });
    const app = APPIDS[0] as string;
    const put = (key: string, body: string) =>
      s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: `${target.prefix}/${key}`,
          Body: body,
          ContentLength: Buffer.byteLength(body),
        }),
      );
    const damaged = {
      [`raw/daily-visit-trend/appid=${app}/dt=2026-10-01/response.json`]:
        '{"list":[{"ref_date":"20261001","visit_uv":"abc"}]}',
      [`raw/daily-visit-trend/appid=${app}/dt=2026-10-02/response.json`]: '{"errcode":-1,"errmsg":"system error"}',
      [`raw/daily-summary/appid=${app}/dt=2026-10-01/response.json`]: '',
    };
    const strays = [
      `raw/daily-visit-trend/appid=${app}/dt=2026-13-45/response.json`,
      `raw/daily-visit-trend/appid=${app}/dt=junk/response.json`,
    ];
    for (const [key, body] of Object.entries(damaged)) await put(key, body);
    for (const key of strays) await put(key, '{"list":[]}');

    // Act
    const first = await compactS3(target);
    const written = await keysUnder(target.bucket, `${target.prefix}/curated/`);
    const again = await compactS3(target);

    // Assess
    expect(first.unreadable.map((u) => u.key).sort()).toEqual(Object.keys(damaged).sort());
    expect(
      first.unreadable.find((u) => u.key.endsWith('dt=2026-10-01/response.json') && u.key.includes('daily-visit-trend'))
        ?.reason,
    ).toMatch(/^not an answer of this API: a field has the wrong type \(Failed to cast value.*abc/);
    expect(first.strays).toEqual(
      strays
        .map((key) => ({ key, reason: 'dt= holds a real day, YYYY-MM-DD' }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    );
    expect(first.months.length).toBeGreaterThan(0);
    expect(written.some((k) => k.includes('month=2026-13'))).toBe(false);
    expect(again.months).toEqual([]);
    expect(again.unreadable).toHaveLength(3);
    expect(await keysUnder(target.bucket, `${target.prefix}/curated/`)).toEqual(written);
  }, 120_000);
});
