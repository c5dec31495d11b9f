import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// The CDK app as users run it: a configuration mistake ends synth with one line naming each field.

let outdir: string;
beforeEach(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'wxa-synth-error-'));
});
afterEach(() => rm(outdir, { recursive: true, force: true }));

/** Offline, no AWS credentials, as in `npm run synth`. */
const env = () => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_'))),
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  HOME: outdir,
});

type Failed = { code: number; stderr: string };
const failing = (command: string, args: string[], extra: Record<string, string> = {}) =>
  promisify(execFile)(command, args, { env: { ...env(), ...extra } }).then(
    () => ({ code: 0, stderr: 'synthesized' }) as Failed,
    (error: Failed) => error,
  );

describe('cdk synth with a configuration mistake', () => {
  it('ends with one line naming each field (a wrong enum, a cron out of range), and no stack trace', async () => {
    const context = {
      email: { transport: 'smpt', from: 'reports@example.com' },
      schedule: { daily: 'cron(0 25 * * ? *)' },
    };

    const { code, stderr } = await failing('npx', [
      'cdk',
      'synth',
      '-q',
      '--output',
      outdir,
      '-c',
      `wxaReporter=${JSON.stringify(context)}`,
    ]);

    const [ours, ...rest] = stderr.trim().split('\n');
    expect(code).toBe(1);
    expect(ours).toBe(
      'wxa-reporter: the wxaReporter context (cdk.json or -c) is invalid: email.transport must be one of "smtp", "ses"; schedule.daily has hours 25, out of range (0-23); it must be an EventBridge cron expression like "cron(0 10 * * ? *)" (minutes hours day-of-month month day-of-week year, one of the day fields "?")',
    );
    // What follows is the CDK CLI's own note that the app exited; no stack trace.
    expect(rest).toEqual([expect.stringMatching(/Subprocess exited with error 1$/)]);
  }, 120_000);

  it('names the stack among several whose configuration is wrong, in one line', async () => {
    const { code, stderr } = await failing('npx', ['tsx', 'bin/app.ts'], {
      CDK_CONTEXT_JSON: JSON.stringify({
        wxaReporter: { email: { transport: 'smtp', from: 'reports@example.com' } },
        stacks: { ClientB: { config: { email: { transport: 'smpt', from: 'reports@example.com' } } }, WxaReporter: {} },
      }),
      CDK_OUTDIR: outdir,
    });

    expect(code).toBe(1);
    expect(stderr).toBe(
      'wxa-reporter: the stack ClientB: the wxaReporter context (cdk.json or -c) is invalid: email.transport must be one of "smtp", "ses"\n',
    );
  }, 60_000);

  it('says the -c value is not JSON, in one line', async () => {
    // The app as the CDK CLI starts it: the context in CDK_CONTEXT_JSON.
    const { code, stderr } = await failing('npx', ['tsx', 'bin/app.ts'], {
      CDK_CONTEXT_JSON: JSON.stringify({ wxaReporter: '{"schedule": ' }),
      CDK_OUTDIR: outdir,
    });

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^wxa-reporter: the wxaReporter context \(-c wxaReporter='\{…\}'\) is not valid JSON: [^\n]+\n$/,
    );
  }, 60_000);

  it('names each app-level setting given with -c that is wrong, and what it takes, in one line', async () => {
    // -c key=value reaches the app as text, in CDK_CONTEXT_JSON.
    const { code, stderr } = await failing('npx', ['tsx', 'bin/app.ts'], {
      CDK_CONTEXT_JSON: JSON.stringify({
        fixedEgressIp: 'yes',
        archiveEncryption: 'kms',
        availabilityZones: 'cn-north-1a',
        alarmEmail: 'oncall',
      }),
      CDK_OUTDIR: outdir,
    });

    expect(code).toBe(1);
    expect(stderr).toBe(
      'wxa-reporter: the app\'s context (cdk.json or -c) is invalid: alarmEmail is not an email address; archiveEncryption must be one of "KMS", "S3_MANAGED"; fixedEgressIp must be true or false; availabilityZones must name two Availability Zones ("cn-north-1a,cn-north-1b")\n',
    );
  }, 60_000);
});
