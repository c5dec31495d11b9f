import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { LocalCuratedStore } from '../../../lambda/curated/local/local-curated-store.js';
import { APPIDS, everyAnswer, syntheticArchive } from '../../support/compaction.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { tempDir } from '../../support/temp-dir.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let archive: string;
let before: Record<string, unknown[]>;
beforeAll(async () => {
  dir = await tempDir();
  archive = join(dir.path, 'archive');
  await syntheticArchive(archive, '2026-10-20', '2026-11-10');
  before = await everyAnswer(archive);
}, 60_000);
afterAll(() => dir?.remove());

describe('wxa-report compact', () => {
  it('compacts what is new, with progress lines off a terminal, and says when nothing is', async () => {
    // Act
    const first = await runCliInProcess(['compact', '--archive', archive, '--to', '2026-11-05']);
    const rest = await runCliInProcess(['compact', '--archive', archive]);
    const again = await runCliInProcess(['compact', '--archive', archive]);

    // Assess
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^Compacted \d+ answer\(s\) into \d+ month file\(s\) of \d+ table\(s\) in \d+\.\d s; the curated layer has \d+ month file\(s\)\n$/,
    );
    expect(first.stderr.trim().split('\n').at(-1)).toMatch(
      /^compact: (\d+)\/\1 \(100%\) answers: \w+ \d{4}-\d{2} written$/,
    );
    expect(rest.stdout).toMatch(/^Compacted \d+ answer\(s\) into \d+ month file\(s\) of \d+ table\(s\)/);
    expect(again).toEqual({
      code: 0,
      stdout: expect.stringMatching(
        /^Nothing new to compact: the curated layer holds every raw answer asked for \(\d+ month file\(s\)\)\n$/,
      ),
      stderr: '',
    });
    expect(await everyAnswer(archive)).toEqual(before);
    const query = await runCliInProcess([
      'query',
      `SELECT count(*) AS n FROM daily_visit_trend WHERE appid = '${APPIDS[0]}'`,
      '--archive',
      archive,
      '--json',
    ]);
    expect(JSON.parse(query.stdout)).toEqual([{ n: 22 }]);
  }, 60_000);

  it('draws a progress bar on a terminal', async () => {
    const root = join(dir.path, 'bar');
    await syntheticArchive(root, '2026-10-01', '2026-10-07');
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 120 }) as unknown as NodeJS.WriteStream;
    let drawn = '';
    (terminal as unknown as PassThrough).on('data', (chunk: Buffer) => {
      drawn += chunk.toString();
    });

    const { code } = await runCliInProcess(['compact', '--archive', root], { terminal });

    expect(code).toBe(0);
    expect(drawn).toMatch(/compact \[[█░]+\] \d+\/\d+ answers · \w+ 2026-10 · ETA/);
  }, 60_000);

  it('names a raw body that is not JSON, how to fetch it again, compacts the rest and exits 1', async () => {
    const root = join(dir.path, 'broken');
    await syntheticArchive(root, '2026-10-01', '2026-10-03');
    const key = archiveKeys.raw('visit-page', APPIDS[1] as string, 'dt=2026-10-02');
    await writeFile(join(root, key), '<html>502 Bad Gateway</html>');

    const { code, stdout, stderr } = await runCliInProcess(['compact', '--archive', root]);

    expect(code).toBe(1);
    expect(stdout).toMatch(/^Compacted \d+ answer\(s\)/);
    expect(stderr).toMatch(
      new RegExp(
        `^wxa-report: ${join(root, key).replaceAll('.', '\\.')} is not JSON \\(.+\\): left out of the curated layer \\(a query that reads it fails too\\); delete it, then fetch it again with "wxa-report backfill --apis visit-page --from 2026-10-02 --to 2026-10-02" and app ${APPIDS[1]}'s credentials\\n$`,
      ),
    );
  }, 60_000);

  it('makes query say which month it reads from raw when its manifest is damaged, and still answer', async () => {
    const root = join(dir.path, 'damaged-manifest');
    await syntheticArchive(root, '2026-10-01', '2026-10-02', { appids: [APPIDS[0] as string] });
    await runCliInProcess(['compact', '--archive', root]);
    await writeFile(join(root, 'curated/daily_visit_trend/month=2026-10/manifest.json'), 'not json');

    const { code, stdout, stderr } = await runCliInProcess([
      'query',
      'SELECT count(*) AS n FROM daily_visit_trend',
      '--archive',
      root,
      '--json',
    ]);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ n: 2 }]);
    expect(stderr).toMatch(
      /^wxa-report: warning: curated\/daily_visit_trend\/month=2026-10\/manifest\.json is not JSON \(.+\): that month is read from raw\/ until "wxa-report compact" writes it again\n$/,
    );
  }, 60_000);

  it('exits 75 while another compaction of the archive runs', async () => {
    const root = join(dir.path, 'locked');
    await syntheticArchive(root, '2026-10-01', '2026-10-01');
    const lock = await new LocalCuratedStore(root).lock('backup-host:4242', 60_000);

    const busy = await runCliInProcess(['compact', '--archive', root]);

    expect(busy.code).toBe(75);
    expect(busy.stderr).toMatch(
      new RegExp(
        `^wxa-report: another compaction of ${root.replaceAll('.', '\\.')} is running \\(backup-host:4242, lease until \\d{4}-\\d{2}-\\d{2}T.+Z\\): wait for it to end, or try again after its lease\\n$`,
      ),
    );
    if (lock.held) await lock.release();
  });

  it('refuses what it cannot use, in one line each', async () => {
    const cases = [
      [
        ['compact', '--archive', join(dir.path, 'nowhere')],
        /^wxa-report: there is no archive at --archive .*nowhere: /,
      ],
      [
        ['compact', '--archive', archive, '--from', '2026-11-05', '--to', '2026-11-01'],
        /^wxa-report: --from 2026-11-05 is after --to 2026-11-01\n$/,
      ],
      [['compact', '--archive', archive, '--from', '2026-13-01'], /^wxa-report: --from/],
    ] as const;

    for (const [args, stderr] of cases) {
      const result = await runCliInProcess([...args]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(stderr);
    }
    expect(await readdir(dir.path)).not.toContain('nowhere');
  });
});
