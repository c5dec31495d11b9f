import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP, startSimulator } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

// A raw body that cannot be an answer, from being named by `compact` and `query` to being replaced by
// the very command the line suggests: against the simulator, on a local archive, the CLI in process.

let sim: WechatSimulator;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  [sim, dir] = await Promise.all([startSimulator(), tempDir()]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), dir?.remove()]);
});

const env = () => ({ WECHAT_APPID: APP.appid, WECHAT_APPSECRET: APP.secret, WECHAT_API_BASE: sim.url });

/** The words of the command a line suggests between double quotes (paths here need no shell quoting). */
const suggested = (line: string) => /"wxa-report (backfill [^"]+)"/.exec(line)?.[1]?.split(' ') ?? [];

describe('a damaged raw body, named then fetched again', () => {
  it('is named on one line with its control characters escaped, and the suggested backfill (with --archive) replaces it', async () => {
    // Prepare: two days of two APIs, fetched as a user would, then three bodies damaged.
    const root = join(dir.path, 'archive');
    const fetched = await runCliInProcess(
      ['backfill', '--apis', 'daily,visit-page', '--from', '2026-11-20', '--to', '2026-11-21', '--archive', root],
      { env: env(), cwd: dir.path },
    );
    const at = (folder: string, day: string) => join(root, archiveKeys.raw(folder, APP.appid, `dt=${day}`));
    const damaged = {
      gateway: at('daily-visit-trend', '2026-11-20'),
      escape: at('visit-page', '2026-11-21'),
      error: at('daily-visit-trend', '2026-11-21'),
    };
    const good = await readFile(damaged.gateway, 'utf8');
    await writeFile(damaged.gateway, '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n</html>\r\n');
    await writeFile(damaged.escape, `\u001b[31m${await readFile(damaged.escape, 'utf8')}`);
    await writeFile(damaged.error, '{"errcode":-1,"errmsg":"system\\r\\nerror \\u001b[2J"}');

    // Act
    const compacted = await runCliInProcess(['compact', '--archive', root], { cwd: dir.path });
    const queried = await runCliInProcess(['query', 'SELECT count(*) AS n FROM daily_visit_trend', '--archive', root], {
      cwd: dir.path,
    });
    const gatewayLine = compacted.stderr.split('\n').find((l) => l.includes(damaged.gateway)) ?? '';
    const exact = await runCliInProcess(suggested(gatewayLine), { env: env(), cwd: dir.path });
    const rest = await runCliInProcess(
      ['backfill', '--apis', 'daily,visit-page', '--from', '2026-11-20', '--to', '2026-11-21', '--archive', root],
      { env: env(), cwd: dir.path },
    );
    const again = await runCliInProcess(['compact', '--archive', root], { cwd: dir.path });

    // Assess: three lines, each one line, nothing a terminal would act on.
    expect(fetched.code).toBe(0);
    expect(compacted.code).toBe(1);
    const lines = compacted.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const text of [compacted.stderr, queried.stderr])
      expect([text.includes('\r'), text.includes('\u001b')]).toEqual([false, false]);
    expect(gatewayLine).toBe(
      `wxa-report: ${damaged.gateway} (daily_visit_trend, app ${APP.appid}, 2026-11-20) is not JSON (Unexpected token '<', "<html>\\r\\n<h"... is not valid JSON): left out of the curated layer; fetch it again with "wxa-report backfill --archive ${root} --apis daily --from 2026-11-20 --to 2026-11-20" and app ${APP.appid}'s credentials (backfill replaces it); if WeChat no longer has that period, remove it: rm ${damaged.gateway}`,
    );
    expect(lines.find((l) => l.includes(damaged.escape))).toMatch(/is not JSON \(Unexpected token '\\x1b'/);
    expect(lines.find((l) => l.includes(damaged.error))).toMatch(
      /is WeChat's error answer, not data \(errcode -1: system\\r\\nerror \\x1b\[2J\)/,
    );
    expect(queried.stderr).toMatch(
      /^wxa-report: warning: \S+dt=2026-11-20\/response\.json \(daily_visit_trend, .+\) is not JSON \(Unexpected token '<', "<html>\\r\\n<h"\.\.\. is not valid JSON\): left out of this query; fetch it again with "wxa-report backfill --archive /,
    );
    // The exact command replaced its body; a plain backfill replaced the others, saying so.
    expect(exact.code).toBe(0);
    expect(exact.stdout).toBe(
      'Archived 1 answer(s) of 1 from 2026-11-20 to 2026-11-20 (1 of them replacing a damaged body, named above; 0 already archived, 0 not yet available, 0 failed)\n',
    );
    expect(await readFile(damaged.gateway, 'utf8')).toBe(good);
    expect(rest.stdout).toBe(
      'Archived 2 answer(s) of 4 from 2026-11-20 to 2026-11-21 (2 of them replacing a damaged body, named above; 2 already archived, 0 not yet available, 0 failed)\n',
    );
    const replaced = rest.stderr.trimEnd().split('\n');
    expect(replaced).toHaveLength(2);
    expect(replaced).toContain(
      `wxa-report: ${damaged.error} was WeChat's error answer, not data (errcode -1: system\\r\\nerror \\x1b[2J): fetched again and replaced (the next "wxa-report compact" reads it)`,
    );
    expect(replaced).toContain(
      `wxa-report: ${damaged.escape} was not JSON (Unexpected token '\\x1b', "\\x1b[31m{"ref"... is not valid JSON): fetched again and replaced (the next "wxa-report compact" reads it)`,
    );
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    const count = await runCliInProcess(
      ['query', 'SELECT count(*) AS n FROM daily_visit_trend', '--archive', root, '--json'],
      { cwd: dir.path },
    );
    expect(JSON.parse(count.stdout)).toEqual([{ n: 2 }]);
  }, 120_000);

  it('tells the S3 form of both commands for an s3:// archive', async () => {
    // Prepare
    const { refetchFix } = await import('../../../lambda/curated/left-out.js');
    const key = archiveKeys.raw('visit-page', APP.appid, 'dt=2026-11-21');

    // Act
    const fix = refetchFix(key, 's3://wxa-arch/p');

    // Assess
    expect(fix).toBe(
      `fetch it again with "wxa-report backfill --archive s3://wxa-arch/p --apis visit-page --from 2026-11-21 --to 2026-11-21" and app ${APP.appid}'s credentials (backfill replaces it); if WeChat no longer has that period, remove it: aws s3 rm s3://wxa-arch/p/${key}`,
    );
  });
});
