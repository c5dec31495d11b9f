import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../../lambda/archive/archive.js';
import { S3Archive } from '../../../lambda/archive/s3/s3-archive.js';
import { beijingYesterday } from '../../../lambda/calendar/beijing-calendar.js';
import { ParameterWriter } from '../../../lambda/secrets/ssm/parameter-writer.js';
import { DEMO_APPS, type SimulatedApp, simulatedDailyVisitTrend } from '../../../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { S3RunLedger } from '../../../lambda/state/s3/s3-run-ledger.js';
import { WxaReporterStack } from '../../../lib/wxa-reporter-stack.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { createBucket, s3ClientFor } from '../../support/s3.js';
import { APP } from '../../support/simulator.js';
import { type SmtpReceiver, startSmtpReceiver } from '../../support/smtp-receiver.js';
import { ssmClientFor } from '../../support/ssm.js';
import { startWebhookReceivers, type WebhookReceivers } from '../../support/webhook-receivers.js';

/**
 * The Lambda exactly as it would be uploaded: `cdk synth` bundles it with esbuild, and this test runs
 * that bundle (not the TypeScript) in its own Node process with the function's environment from the
 * template, against moto (S3, SSM), the WeChat simulator, a real SMTP server and a webhook receiver.
 */
let outdir: string;
let bundle: string;
let functionEnv: Record<string, string>;
let moto: MotoServer;
let s3: S3Client;
let ssm: SSMClient;
let bucket: string;
let sim: WechatSimulator;
let smtp: SmtpReceiver;
let hooks: WebhookReceivers;
let tokenService: Server | undefined;
const tokenRequests: string[] = [];
// Fixed so the synthesized config can name it before the server starts.
const TOKEN_SERVICE = 'http://127.0.0.1:48765';
const [, COFFEE] = DEMO_APPS as [SimulatedApp, SimulatedApp];

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'wxa-bundle-'));
  const app = new App({ outdir });
  const stack = new WxaReporterStack(app, 'WxaReporterBundle', {
    env: { account: '123456789012', region: 'us-east-1' },
    config: {
      apps: [
        { name: 'shop', displayName: '喵喵商城', recipients: ['ops@example.com'], webhooks: ['json'] },
        // Behind an IP whitelist: tokens from the team's token service, no AppSecret in SSM.
        { name: 'coffee', recipients: ['growth@example.com'], language: 'en', tokenService: `${TOKEN_SERVICE}/token` },
      ],
      email: { transport: 'smtp', from: 'wxa-reporter <reports@example.com>' },
      parameterPrefix: '/wxa-e2e/',
    },
  });
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as {
    Resources: Record<
      string,
      { Type: string; Properties: { Code?: { S3Key?: string }; Environment?: { Variables: Record<string, unknown> } } }
    >;
  };
  const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
  // The template names the uploaded zip by its hash; the staged folder beside it is what gets zipped.
  bundle = join(outdir, `asset.${fn?.Properties.Code?.S3Key?.replace(/\.zip$/, '')}`, 'index.mjs');
  functionEnv = Object.fromEntries(
    Object.entries(fn?.Properties.Environment?.Variables ?? {}).filter(([, v]) => typeof v === 'string'),
  ) as Record<string, string>;

  [moto, sim, smtp, hooks] = await Promise.all([
    startMoto(),
    WechatSimulator.start(),
    startSmtpReceiver(),
    startWebhookReceivers(),
  ]);
  tokenService = createServer(async (req, res) => {
    tokenRequests.push(req.url ?? '');
    const answer = await fetch(`${sim.url}/cgi-bin/stable_token`, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'client_credential', appid: COFFEE.appid, secret: COFFEE.secret }),
    });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => tokenService?.listen(48765, '127.0.0.1', resolve));
  s3 = s3ClientFor(moto.endpoint);
  ssm = ssmClientFor(moto.endpoint);
  bucket = await createBucket(s3);
  const writer = new ParameterWriter(ssm, '/wxa-e2e/');
  await writer.putApp({
    name: 'shop',
    appid: APP.appid,
    secret: APP.secret,
    webhooks: { json: { url: hooks.urls.json, secret: hooks.secrets.json } },
  });
  await ssm.send(new PutParameterCommand({ Name: '/wxa-e2e/apps/coffee/appid', Value: COFFEE.appid, Type: 'String' }));
  await writer.putSmtpUrl(smtp.url);
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  ssm?.destroy();
  await Promise.all([moto?.stop(), sim?.close(), smtp?.close(), hooks?.close()]);
  await new Promise<void>((resolve) => (tokenService ? tokenService.close(() => resolve()) : resolve()));
  await rm(outdir, { recursive: true, force: true });
});

async function invoke(event: object): Promise<{ result: unknown; stdout: string }> {
  const script = `
    const { handler } = await import(${JSON.stringify(`file://${bundle}`)});
    const result = await handler(JSON.parse(process.env.TEST_EVENT));
    process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      ...functionEnv,
      WXA_ARCHIVE_BUCKET: bucket,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_LAMBDA_FUNCTION_NAME: 'wxa-reporter-test',
      WECHAT_API_BASE: sim.url,
      // Far from Beijing on purpose: "yesterday" must still be Beijing's.
      TZ: 'America/Los_Angeles',
      TEST_EVENT: JSON.stringify(event),
    },
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return { result: JSON.parse(line?.slice('RESULT '.length) ?? 'null'), stdout };
}

describe('the bundled handler', () => {
  it('is the esbuild output of cdk synth, a single ESM file', () => {
    expect(existsSync(bundle)).toBe(true);
    expect(functionEnv.WXA_CONFIG).toContain('"name":"shop"');
  });

  it('archives and sends the daily report for a Scheduler event', async () => {
    const date = beijingYesterday(new Date());

    const { result, stdout } = await invoke({ job: 'daily' });

    expect(result).toEqual({
      outcomes: [
        {
          app: 'shop',
          job: 'daily',
          period: date,
          status: 'sent',
          detail: expect.stringMatching(/^email, json webhook/),
        },
        { app: 'coffee', job: 'daily', period: date, status: 'sent', detail: 'email' },
      ],
    });
    expect(tokenRequests).toEqual([`/token?appid=${COFFEE.appid}`]);
    const stored = await new S3Archive(s3, bucket).get(archiveKeys.dailyVisitTrend(APP.appid, date));
    expect(stored?.toString()).toBe(JSON.stringify({ list: [simulatedDailyVisitTrend(APP.appid, date)] }));
    const mail = await smtp.nextMessage();
    const english = await smtp.nextMessage();
    expect(english.parsed.subject).toMatch(/^coffee · \d{4}-\d{2}-\d{2}: [\d,]+ visitors/);
    expect(mail.envelope.to).toEqual(['ops@example.com']);
    expect(mail.parsed.subject).toMatch(/^【喵喵商城】.* 访问人数 [\d,]+（日环比 /);
    expect(hooks.body<{ type: string; data: { date: string } }>('json')).toMatchObject({
      type: 'report.daily',
      data: { date },
    });
    expect((await new S3RunLedger(s3, bucket).get('daily', APP.appid, date))?.status).toBe('sent');

    // Structured logs and EMF metrics on stdout, without a single secret.
    expect(stdout).toMatch(/"message":"job finished"/);
    // EMF keeps one value per report: [1,1] for two apps.
    expect(stdout).toMatch(/"ReportsSent":\[1,1\]/);
    for (const secret of [APP.secret, hooks.secrets.json, 'access_token=']) expect(stdout).not.toContain(secret);
  }, 60_000);

  it('records "not yet available" as pending and says so in its result', async () => {
    sim.addFault({ endpoint: 'getMonthlyRetain', action: { kind: 'not-ready' } });

    const { result, stdout } = await invoke({ job: 'monthly' });

    expect(result).toMatchObject({
      outcomes: [
        { app: 'shop', job: 'monthly', status: 'not-yet-available' },
        { app: 'coffee', job: 'monthly', status: 'not-yet-available' },
      ],
    });
    expect(stdout).toMatch(/"NotYetAvailable":\[1,1\]/);
  }, 60_000);

  it('rejects an event that is not a job, naming the field', async () => {
    await expect(invoke({ hello: 'world' })).rejects.toThrow(
      /the event must be \{"job": "daily" \| "monthly" \| "retry"/,
    );
    await expect(invoke({ job: 'daily', date: '2026-02-30' })).rejects.toThrow(/date must be a date YYYY-MM-DD/);
  }, 60_000);
});
