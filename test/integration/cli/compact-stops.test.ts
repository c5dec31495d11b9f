import { spawn } from 'node:child_process';
import { mkdir, readdir, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3Archive } from '../../../lambda/archive/s3/s3-archive.js';
import { curatedKeys } from '../../../lambda/curated/curated-layout.js';
import { S3CuratedStore } from '../../../lambda/curated/s3/s3-curated-store.js';
import { writeSyntheticArchive } from '../../../lambda/simulator/synthetic-archive.js';
import { APPIDS, syntheticArchive } from '../../support/compaction.js';
import { MOTO_CREDENTIALS, MOTO_REGION, type MotoServer, startMoto } from '../../support/moto.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { createBucket, s3ClientFor } from '../../support/s3.js';
import { NOW } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

// `wxa-report compact` stopped (Ctrl-C, kill) and pointed at what is not an archive, locally and
// over S3 (moto): the built CLI in a process of its own, so its signal handling is the real one.

const CLI = resolve('dist/wxa-report.mjs');
let moto: MotoServer;
let s3: S3Client;
let dir: Awaited<ReturnType<typeof tempDir>>;
let bucket: string;
beforeAll(async () => {
  [moto, dir] = await Promise.all([startMoto(), tempDir()]);
  s3 = s3ClientFor(moto.endpoint);
  bucket = await createBucket(s3);
  await writeSyntheticArchive(new S3Archive(s3, bucket, 'wxa'), {
    appids: APPIDS,
    from: '2026-08-01',
    to: '2026-10-31',
    now: NOW,
    concurrency: 16,
  });
}, 180_000);
afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(async () => {
  s3?.destroy();
  await Promise.all([moto?.stop(), dir?.remove()]);
});

const awsEnv = () => ({
  AWS_ENDPOINT_URL: moto.endpoint,
  AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
  AWS_REGION: MOTO_REGION,
  AWS_EC2_METADATA_DISABLED: 'true',
});

/** The CLI in this process over moto: the SDK reads its credentials from the process's environment. */
function inProcess(args: readonly string[], env: Record<string, string | undefined> = awsEnv()) {
  for (const [name, value] of Object.entries({ ...noAwsEnv, ...env })) vi.stubEnv(name, value);
  return runCliInProcess(args, { env: { ...noAwsEnv, ...env } as Record<string, string | undefined> });
}
const noAwsEnv = {
  AWS_PROFILE: undefined,
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
};

/** `wxa-report compact …args` in its own process; `signal` sent once its first progress line is out. */
function compactStopped(
  args: readonly string[],
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'compact', ...args], {
    cwd: dir.path,
    env: { PATH: process.env.PATH, HOME: dir.path, TMPDIR: join(dir.path, 'tmp'), ...awsEnv() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!sent && /^compact: /m.test(stderr)) {
      sent = true;
      child.kill(signal);
    }
  });
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

const lockText = async () =>
  s3
    .send(new GetObjectCommand({ Bucket: bucket, Key: `wxa/${curatedKeys.lock}` }))
    .then((answer) => answer.Body?.transformToString())
    .catch(() => undefined);

describe('wxa-report compact, stopped', () => {
  it('gives the S3 lock back at once on Ctrl-C, says so in one line, exits 130; the next run finishes', async () => {
    // Act
    await mkdir(join(dir.path, 'tmp'), { recursive: true });
    const stopped = await compactStopped(['--archive', `s3://${bucket}/wxa`], 'SIGINT');
    const lock = await lockText();
    const workLeft = await readdir(join(dir.path, 'tmp'));
    const next = await inProcess(['compact', '--archive', `s3://${bucket}/wxa`]);

    // Assess
    expect(stopped.code).toBe(130);
    expect(stopped.stderr.trim().split('\n').at(-1)).toBe(
      'wxa-report: compact stopped (SIGINT); nothing half-written is visible: run it again to go on from where it stopped',
    );
    expect(lock).toBeUndefined();
    expect(workLeft).toEqual([]);
    expect(next.code).toBe(0);
    expect(next.stdout).toMatch(/^Compacted \d+ answer\(s\)/);
  }, 180_000);

  it('gives a local lock back on kill (SIGTERM) and leaves no work folder', async () => {
    // Prepare
    const root = join(dir.path, 'local');
    await syntheticArchive(root, '2026-03-01', '2026-10-31');

    // Act
    const stopped = await compactStopped(['--archive', root], 'SIGTERM');

    // Assess
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/wxa-report: compact stopped \(SIGTERM\); nothing half-written is visible/);
    const left = await readdir(join(root, 'curated'));
    expect(left.filter((name) => name.startsWith('.work-') || name === '_lock.json')).toEqual([]);
    expect((await runCliInProcess(['compact', '--archive', root])).code).toBe(0);
  }, 180_000);

  it('takes over at once an S3 lock whose holder on this machine is gone (kill -9)', async () => {
    // Prepare: a process that has ended, as the lock's holder, its lease still running.
    const ended = spawn(process.execPath, ['-e', '']);
    await new Promise((done) => ended.once('close', done));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `wxa/${curatedKeys.lock}`,
        Body: JSON.stringify({
          owner: `${hostname()}:${ended.pid}`,
          until: new Date(Date.now() + 30 * 60_000).toISOString(),
          host: hostname(),
          pid: ended.pid,
        }),
      }),
    );

    // Act
    const lock = await new S3CuratedStore(s3, bucket, 'wxa').lock('next-run', 60_000);

    // Assess
    expect(lock.held).toBe(true);
    if (lock.held) await lock.release();
    expect(await lockText()).toBeUndefined();
  });

  it('removes work folders of stopped runs once a day old, and leaves newer ones', async () => {
    // Prepare
    const root = join(dir.path, 'work-folders');
    await syntheticArchive(root, '2026-10-01', '2026-10-01');
    const old = join(root, 'curated', '.work-old');
    const recent = join(root, 'curated', '.work-recent');
    await mkdir(join(old, 'raw'), { recursive: true });
    await mkdir(recent, { recursive: true });
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60_000);
    await utimes(old, twoDaysAgo, twoDaysAgo);

    // Act
    const run = await runCliInProcess(['compact', '--archive', root], { clock: () => new Date() });

    // Assess
    expect(run.code).toBe(0);
    await expect(stat(old)).rejects.toThrow();
    expect((await stat(recent)).isDirectory()).toBe(true);
  });
});

describe('wxa-report compact, pointed at what is not an archive', () => {
  it('says there is no archive at an S3 prefix with nothing under raw/', async () => {
    const run = await inProcess(['compact', '--archive', `s3://${bucket}/nothing`]);

    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `wxa-report: there is no archive at --archive s3://${bucket}/nothing: nothing is under s3://${bucket}/nothing/raw/; give the s3://bucket/prefix the deployment (or "wxa-report daily --archive s3://…") archives into\n`,
    });
  });

  it('says what to set when there are no AWS credentials, or no such bucket', async () => {
    const none = await inProcess(['compact', '--archive', 's3://nobucket/p'], {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_CONFIG_FILE: join(dir.path, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir.path, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const missing = await inProcess(['compact', '--archive', 's3://no-such-bucket-here/p']);

    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /^wxa-report: .*: no AWS credentials were found: set AWS_PROFILE \(a profile of ~\/\.aws\/config\), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them .*\n$/,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^wxa-report: .*the bucket (no-such-bucket-here )?does not exist: create it, or correct the name.*\n$/,
    );
  });
});
