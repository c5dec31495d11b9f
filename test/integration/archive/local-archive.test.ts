import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveKeys, type Provenance } from '../../../lambda/archive/archive.js';
import { LocalArchive } from '../../../lambda/archive/local/local-archive.js';
import { tempDir } from '../../support/temp-dir.js';

const provenance: Provenance = {
  appid: 'wx5f1d0c3a9e7b2d41',
  api: 'getDailyVisitTrend',
  request: { begin_date: '20261122', end_date: '20261122' },
  fetchedAt: '2026-11-23T02:00:00.000Z',
  toolVersion: '0.1.0',
};

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.remove());

describe('the archive keys', () => {
  it('use Hive-style partitions', () => {
    expect(archiveKeys.dailyVisitTrend('wx1', '2026-11-22')).toBe(
      'raw/daily-visit-trend/appid=wx1/dt=2026-11-22/response.json',
    );
    expect(archiveKeys.monthlyRetain('wx1', '2026-10')).toBe(
      'raw/monthly-retain/appid=wx1/month=2026-10/response.json',
    );
  });

  it('refuse an AppID that could leave its partition', () => {
    expect(() => archiveKeys.dailyVisitTrend('../etc', '2026-11-22')).toThrow(/cannot be an archive partition/);
    expect(() => archiveKeys.dailyVisitTrend('wx1/x', '2026-11-22')).toThrow();
  });
});

describe('the local archive', () => {
  it('stores the body byte for byte under the key and reads it back', async () => {
    const archive = new LocalArchive(dir.path);
    const body = Buffer.from('{ "list" : [ {"ref_date":"20261122","visit_uv":1,"x":"\u4f60"} ] }\n');
    const key = archiveKeys.dailyVisitTrend('wx5f1d0c3a9e7b2d41', '2026-11-22');

    await archive.put(key, body, provenance);

    expect((await readFile(join(dir.path, key))).equals(body)).toBe(true);
    expect((await archive.get(key))?.equals(body)).toBe(true);
  });

  it('keeps provenance in a sidecar outside raw/', async () => {
    const archive = new LocalArchive(dir.path);
    const key = archiveKeys.dailyVisitTrend('wx5f1d0c3a9e7b2d41', '2026-11-22');

    await archive.put(key, Buffer.from('{}'), provenance);

    const sidecar = join(
      dir.path,
      'provenance/daily-visit-trend/appid=wx5f1d0c3a9e7b2d41/dt=2026-11-22/response.json.provenance.json',
    );
    expect(JSON.parse(await readFile(sidecar, 'utf8'))).toEqual(provenance);
  });

  it('keeps the first bytes and their provenance when the same answer is archived again', async () => {
    const archive = new LocalArchive(dir.path);
    const key = archiveKeys.dailyVisitTrend('wx1', '2026-11-22');
    const sidecar = join(
      dir.path,
      'provenance/daily-visit-trend/appid=wx1/dt=2026-11-22/response.json.provenance.json',
    );

    await archive.put(key, Buffer.from('{"list":[1]}'), provenance);
    await archive.put(key, Buffer.from('{"list":[1]}'), { ...provenance, fetchedAt: '2026-11-24T02:00:00.000Z' });

    expect((await archive.get(key))?.toString()).toBe('{"list":[1]}');
    expect(JSON.parse(await readFile(sidecar, 'utf8')).fetchedAt).toBe(provenance.fetchedAt);
    expect(await readdir(dir.path)).not.toContain('replaced');
  });

  it('replaces a different answer for the period, noting the replacement under replaced/ first', async () => {
    const archive = new LocalArchive(dir.path);
    const key = archiveKeys.dailyVisitTrend('wx1', '2026-11-22');
    const later = { ...provenance, fetchedAt: '2026-11-24T02:00:00.000Z' };

    await archive.put(key, Buffer.from('{"list":[1]}'), provenance);
    await archive.put(key, Buffer.from('{"list":[2]}'), later);

    expect((await archive.get(key))?.toString()).toBe('{"list":[2]}');
    const notes = await readdir(join(dir.path, 'replaced/daily-visit-trend/appid=wx1/dt=2026-11-22'));
    expect(notes).toHaveLength(1);
    expect(archiveKeys.replacedKey(`replaced/daily-visit-trend/appid=wx1/dt=2026-11-22/${notes[0]}`)).toBe(key);
    expect(
      JSON.parse(
        await readFile(
          join(dir.path, 'provenance/daily-visit-trend/appid=wx1/dt=2026-11-22/response.json.provenance.json'),
          'utf8',
        ),
      ).fetchedAt,
    ).toBe(later.fetchedAt);
  });

  it('keeps one body when writers archive the same answer at once, and leaves no temporary file', async () => {
    const archive = new LocalArchive(dir.path);
    const key = archiveKeys.dailyVisitTrend('wx1', '2026-11-22');

    await Promise.all(Array.from({ length: 8 }, () => archive.put(key, Buffer.from('{"list":[7]}'), provenance)));

    expect((await archive.get(key))?.toString()).toBe('{"list":[7]}');
    expect(await readdir(join(dir.path, 'raw/daily-visit-trend/appid=wx1/dt=2026-11-22'))).toEqual(['response.json']);
  });

  it('answers undefined for a key it does not have', async () => {
    expect(await new LocalArchive(dir.path).get(archiveKeys.dailyVisitTrend('wx1', '2020-01-01'))).toBeUndefined();
  });

  it('refuses keys that escape its folder', async () => {
    await expect(new LocalArchive(dir.path).put('../outside.json', Buffer.from('{}'), provenance)).rejects.toThrow(
      /escapes/,
    );
  });
});
