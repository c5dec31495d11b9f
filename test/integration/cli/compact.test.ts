import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { LocalCuratedStore } from '../../../lambda/curated/local/local-curated-store.js';
import { APPIDS, damageMonthFile, everyAnswer, syntheticArchive } from '../../support/compaction.js';
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

  it('says "rebuilt" for what --rebuild read again, and lists every exit code in --help', async () => {
    // Prepare
    const root = join(dir.path, 'rebuilt');
    await syntheticArchive(root, '2026-10-01', '2026-10-02');
    await runCliInProcess(['compact', '--archive', root]);

    // Act
    const rebuilt = await runCliInProcess(['compact', '--archive', root, '--rebuild']);
    const help = await runCliInProcess(['compact', '--help']);

    // Assess
    expect(rebuilt.stdout).toMatch(/^Compacted (\d+) answer\(s\) \(\1 rebuilt\) into /);
    expect(help.stdout).toMatch(/Exit: 0 .+, 75 .+, 130 stopped by Ctrl-C or kill .+, 1 /s);
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

  it('names each raw body that cannot be an answer with its table, app and period and how to fetch it again, compacts the rest and exits 1', async () => {
    // Prepare
    const root = join(dir.path, 'broken');
    await syntheticArchive(root, '2026-10-01', '2026-10-03');
    const app = APPIDS[1] as string;
    const damaged = [
      ['visit-page', 'dt=2026-10-02', '<html>502 Bad Gateway</html>', /is not JSON \(.+\)/],
      [
        'daily-visit-trend',
        'dt=2026-10-01',
        '{"list":[{"ref_date":"20261001","visit_uv":"abc"}]}',
        /is not an answer of this API: a field has the wrong type \(.*abc.*\)/,
      ],
      [
        'daily-visit-trend',
        'dt=2026-10-02',
        '{"errcode":-1,"errmsg":"system error"}',
        /is WeChat's error answer, not data \(errcode -1: system error\)/,
      ],
      ['daily-visit-trend', 'dt=2026-10-03', '[]', /is not an answer \(a JSON array, not an object\)/],
      ['daily-summary', 'dt=2026-10-01', '', /is empty \(0 bytes\)/],
    ] as const;
    for (const [folder, partition, body] of damaged)
      await writeFile(join(root, archiveKeys.raw(folder, app, partition)), body);
    // A genuinely empty answer is one.
    await writeFile(
      join(root, archiveKeys.raw('daily-visit-trend', APPIDS[0] as string, 'dt=2026-10-01')),
      '{"list":[]}',
    );

    // Act
    const beforeCompaction = await runCliInProcess([
      'query',
      "SELECT count(*) AS n FROM daily_visit_trend WHERE dt = '2026-10-01'",
      '--archive',
      root,
      '--json',
    ]);
    const first = await runCliInProcess(['compact', '--archive', root]);
    const again = await runCliInProcess(['compact', '--archive', root]);

    // Assess: read from raw alone, the query leaves out and names the same bodies as the compaction, once each.
    expect(beforeCompaction.code).toBe(0);
    expect(JSON.parse(beforeCompaction.stdout)).toEqual([{ n: 0 }]);
    const named = beforeCompaction.stderr.trim().split('\n');
    expect(named).toHaveLength(3);
    for (const [folder, partition, , reason] of damaged.filter(([folder]) => folder === 'daily-visit-trend')) {
      const path = join(root, archiveKeys.raw(folder, app, partition));
      expect(named.find((l) => l.startsWith(`wxa-report: warning: ${path} (`))).toMatch(reason);
    }
    expect(named.find((l) => l.includes('dt=2026-10-01/'))).toMatch(
      /^wxa-report: warning: \S+dt=2026-10-01\/response\.json \(daily_visit_trend, app \w+, 2026-10-01\) is not an answer of this API: a field has the wrong type \(Failed to cast value to numerical: "abc"\): left out of this query; fetch it again with "wxa-report backfill --archive \S+ --apis daily --from 2026-10-01 --to 2026-10-01" and app \w+'s credentials \(backfill replaces it\); if WeChat no longer has that period, remove it: rm \S+dt=2026-10-01\/response\.json$/,
    );
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/^Compacted \d+ answer\(s\) into \d+ month file\(s\)/);
    const lines = first.stderr.trim().split('\n');
    expect(lines).toHaveLength(damaged.length);
    for (const [folder, partition, , reason] of damaged) {
      const path = join(root, archiveKeys.raw(folder, app, partition));
      const day = partition.slice(3);
      const line = lines.find((l) => l.startsWith(`wxa-report: ${path} (`));
      expect(line).toMatch(reason);
      expect(line).toMatch(
        new RegExp(
          ` \\(\\w+, app ${app}, ${day}\\) is .+: left out of the curated layer; fetch it again with "wxa-report backfill --archive ${root} --apis [\\w-]+ --from ${day} --to ${day}" and app ${app}'s credentials \\(backfill replaces it\\); if WeChat no longer has that period, remove it: rm ${path}$`,
        ),
      );
    }
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(
      /^Nothing new to compact: the curated layer holds every raw answer that can be read; 5 left out \(named above\) \(\d+ month file\(s\)\)\n$/,
    );
    expect(again.stderr.trim().split('\n')).toEqual(lines);
    const query = await runCliInProcess([
      'query',
      "SELECT appid, dt, visit_uv FROM daily_visit_trend WHERE dt = '2026-10-01' ORDER BY appid",
      '--archive',
      root,
      '--json',
    ]);
    // The query reads the same rows, and names the bodies it leaves out once each.
    expect(query.code).toBe(0);
    expect(JSON.parse(query.stdout)).toEqual([]);
    const warned = query.stderr.trim().split('\n');
    expect(warned).toHaveLength(3);
    for (const line of warned)
      expect(line).toMatch(
        /^wxa-report: warning: .+ is .+: left out of this query; fetch it again with "wxa-report backfill --archive \S+ --apis daily --from/,
      );
  }, 90_000);

  it('skips folders that are not archive partitions, naming each once with what to do, and changes nothing on a re-run', async () => {
    // Prepare
    const root = join(dir.path, 'strays');
    await syntheticArchive(root, '2026-10-01', '2026-10-02');
    const app = APPIDS[0] as string;
    const good = join(root, archiveKeys.raw('daily-visit-trend', app, 'dt=2026-10-01'));
    const strays = ['dt=2026-13-45', 'dt=junk'].map((p) => join(root, 'raw/daily-visit-trend', `appid=${app}`, p));
    for (const folder of strays) {
      await mkdir(folder, { recursive: true });
      await copyFile(good, join(folder, 'response.json'));
    }
    // What an earlier version compacted from dt=2026-13-45: a month that cannot be, read by no one.
    const impossible = join(root, 'curated/daily_visit_trend/month=2026-13');
    await mkdir(impossible, { recursive: true });
    await writeFile(join(impossible, 'manifest.json'), '{}');
    await writeFile(join(impossible, 'part-old.parquet'), '');

    // Act
    const first = await runCliInProcess(['compact', '--archive', root]);
    const again = await runCliInProcess(['compact', '--archive', root]);
    const query = await runCliInProcess([
      'query',
      'SELECT count(*) AS n FROM daily_visit_trend',
      '--archive',
      root,
      '--json',
    ]);

    // Assess
    const said = strays.map(
      (folder) =>
        `wxa-report: ${folder} is not an archive partition (dt= holds a real day, YYYY-MM-DD): skipped by compact and query; remove it, or rename it to the period it holds if it is a real answer (the folders "wxa-report backfill" writes)`,
    );
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/^Compacted \d+ answer\(s\)/);
    expect(first.stderr.trim().split('\n').sort()).toEqual(said.sort());
    expect(again.stdout).toMatch(/^Nothing new to compact/);
    expect(again.stderr.trim().split('\n').sort()).toEqual(said.sort());
    expect(await readdir(impossible)).toEqual([]);
    expect((await readdir(join(root, 'curated/daily_visit_trend'))).sort()).toEqual([
      '_settled.json',
      'month=2026-10',
      'month=2026-13',
    ]);
    expect(query.code).toBe(0);
    expect(JSON.parse(query.stdout)).toEqual([{ n: APPIDS.length * 2 }]);
    expect(query.stderr.trim().split('\n').sort()).toEqual(
      said.map((l) => l.replace('wxa-report: ', 'wxa-report: warning: ')).sort(),
    );
  }, 90_000);

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
      /^wxa-report: warning: \/.+\/curated\/daily_visit_trend\/month=2026-10\/manifest\.json is not JSON \(.+\): that month is read from raw\/ until "wxa-report compact --archive \/.+" writes it again\n$/,
    );
  }, 60_000);

  it('answers a query over a damaged month file from raw with one warning, and compact (or --rebuild) writes the month again', async () => {
    // Prepare: a compacted archive whose visit_page October file is cut to garbage, as the verifier did.
    const root = join(dir.path, 'damaged-file');
    await syntheticArchive(root, '2026-10-01', '2026-10-03');
    await runCliInProcess(['compact', '--archive', root]);
    const count = ['query', 'SELECT count(*) AS n FROM visit_page', '--archive', root, '--json'];
    const expected = JSON.parse((await runCliInProcess(count)).stdout);
    const file = await damageMonthFile(root, 'visit_page', '2026-10', 'garbage');
    const line = new RegExp(
      `^wxa-report: warning: ${root}/${file} is damaged \\(8 bytes, its manifest records \\d+\\): visit_page 2026-10 is read from raw/ until "wxa-report compact --archive ${root}" writes it again\\n$`,
    );

    // Act
    const query = await runCliInProcess(count);
    const compact = await runCliInProcess(['compact', '--archive', root]);
    const again = await runCliInProcess(['compact', '--archive', root]);
    await damageMonthFile(root, 'visit_page', '2026-10', 'footer');
    const rebuild = await runCliInProcess([
      'compact',
      '--archive',
      root,
      '--rebuild',
      '--from',
      '2026-10-01',
      '--to',
      '2026-10-31',
    ]);
    const after = await runCliInProcess(count);

    // Assess
    expect(query.code).toBe(0);
    expect(JSON.parse(query.stdout)).toEqual(expected);
    expect(query.stderr).toMatch(line);
    expect(compact.code).toBe(0);
    expect(compact.stderr).toMatch(
      new RegExp(
        `^wxa-report: warning: ${root}/${file} is damaged \\(8 bytes, its manifest records \\d+\\): visit_page 2026-10 is compacted again from raw/\\n$`,
      ),
    );
    expect(compact.stdout).toMatch(/^Compacted \d+ answer\(s\) into 1 month file\(s\) of 1 table\(s\)/);
    expect(again).toMatchObject({ code: 0, stderr: '', stdout: expect.stringMatching(/^Nothing new to compact/) });
    expect(rebuild).toMatchObject({ code: 0, stderr: '' });
    expect(after).toEqual({ code: 0, stdout: query.stdout, stderr: '' });
  }, 90_000);

  it('exits 75 while another compaction of the archive runs', async () => {
    const root = join(dir.path, 'locked');
    await syntheticArchive(root, '2026-10-01', '2026-10-01');
    const lock = await new LocalCuratedStore(root).lock('backup-host:4242', 60_000);

    const busy = await runCliInProcess(['compact', '--archive', root]);

    expect(busy.code).toBe(75);
    expect(busy.stderr).toMatch(
      new RegExp(
        `^wxa-report: another compaction of ${root.replaceAll('.', '\\.')} is running \\(backup-host:4242, lease until \\d{4}-\\d{2}-\\d{2}T.+Z\\): wait for it to end, or try again after its lease; if you know that run is gone \\(its machine stopped\\), remove its lock: rm ${root.replaceAll('.', '\\.')}/curated/_lock\\.json\\n$`,
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
