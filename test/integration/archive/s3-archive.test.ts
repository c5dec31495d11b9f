import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeys, type Provenance } from '../../../lambda/archive/archive.js';
import { parseS3Url, S3Archive } from '../../../lambda/archive/s3/s3-archive.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { createBucket, s3ClientFor } from '../../support/s3.js';

const provenance: Provenance = {
  appid: 'wx5f1d0c3a9e7b2d41',
  api: 'getDailyVisitTrend',
  request: { begin_date: '20261122', end_date: '20261122' },
  fetchedAt: '2026-11-23T02:00:00.000Z',
  toolVersion: '0.1.0',
};
const key = archiveKeys.dailyVisitTrend('wx5f1d0c3a9e7b2d41', '2026-11-22');
const body = Buffer.from('{"list":[{"ref_date":"20261122","visit_uv":55500,"note":"你好"}]}');

let moto: MotoServer;
let s3: S3Client;
let bucket: string;
beforeAll(async () => {
  moto = await startMoto();
  s3 = s3ClientFor(moto.endpoint);
  bucket = await createBucket(s3);
});
afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

describe('the S3 archive (against moto)', () => {
  it('stores the body byte for byte as JSON with a SHA-256 checksum and provenance metadata', async () => {
    const archive = new S3Archive(s3, bucket, 'team-a');

    await archive.put(key, body, provenance);

    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `team-a/${key}`, ChecksumMode: 'ENABLED' }),
    );
    expect(head.ContentType).toBe('application/json');
    expect(head.ChecksumSHA256).toBe((await import('node:crypto')).createHash('sha256').update(body).digest('base64'));
    expect(head.Metadata).toEqual({
      appid: 'wx5f1d0c3a9e7b2d41',
      api: 'getDailyVisitTrend',
      request: '{"begin_date":"20261122","end_date":"20261122"}',
      'fetched-at': '2026-11-23T02:00:00.000Z',
      'tool-version': '0.1.0',
      shape: 'https',
    });
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `team-a/${key}` }));
    expect(
      Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).equals(
        body,
      ),
    ).toBe(true);
  });

  it('reads back what it stored, and undefined for a missing key', async () => {
    const archive = new S3Archive(s3, bucket);
    await archive.put(key, body, provenance);

    expect((await archive.get(key))?.equals(body)).toBe(true);
    expect(await archive.get(archiveKeys.dailyVisitTrend('wx5f1d0c3a9e7b2d41', '2020-01-01'))).toBeUndefined();
    expect(archive.locate(key)).toBe(`s3://${bucket}/${key}`);
  });

  it('keeps the first bytes and metadata when the same answer is archived again (If-None-Match: *)', async () => {
    const archive = new S3Archive(s3, bucket, 'once');
    const later = { ...provenance, fetchedAt: '2026-11-24T02:00:00.000Z' };

    await archive.put(key, body, provenance);
    await Promise.all([archive.put(key, body, later), archive.put(key, body, later)]);

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `once/${key}` }));
    expect(head.Metadata?.['fetched-at']).toBe(provenance.fetchedAt);
    const notes = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'once/replaced/' }));
    expect(notes.KeyCount).toBe(0);
  });

  it('replaces a different answer over the version it compared, noting it under replaced/ first', async () => {
    const archive = new S3Archive(s3, bucket, 'twice');
    const later = { ...provenance, fetchedAt: '2026-11-24T02:00:00.000Z' };
    const newer = Buffer.from('{"list":[{"ref_date":"20261122","visit_uv":55501}]}');

    await archive.put(key, body, provenance);
    await archive.put(key, newer, later);

    expect((await archive.get(key))?.equals(newer)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `twice/${key}` }));
    expect(head.Metadata?.['fetched-at']).toBe(later.fetchedAt);
    const notes = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'twice/replaced/' }));
    expect(notes.Contents?.map((o) => archiveKeys.replacedKey((o.Key ?? '').replace(/^twice\//, '')))).toEqual([key]);
  });

  it('names the location when the bucket does not exist', async () => {
    const archive = new S3Archive(s3, 'no-such-bucket-wxa');

    await expect(archive.put(key, body, provenance)).rejects.toThrow(/cannot write s3:\/\/no-such-bucket-wxa\/raw\//);
  });

  it('parses s3:// locations', () => {
    expect(parseS3Url('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseS3Url('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b' });
    expect(() => parseS3Url('s3://UPPER')).toThrow(/not an S3 location/);
  });
});
