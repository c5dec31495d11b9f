/**
 * `npm run bench`: speed and memory of the hot paths, against targets. Not part of `npm test`
 * (timings on a shared CI machine are noise); run it before and after a change that could matter.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalArchive } from '../lambda/archive/local/local-archive.js';
import { addDays } from '../lambda/calendar/beijing-calendar.js';
import type { DailyVisitTrend } from '../lambda/domain/daily-visit-trend.js';
import { EmailChannel } from '../lambda/notify/email-channel.js';
import { OutboxEmailSender } from '../lambda/notify/outbox/outbox-email-sender.js';
import { runDailyReport } from '../lambda/pipeline/run-daily-report.js';
import { renderDailyEmail } from '../lambda/render/email/daily-email.js';
import { buildDailyReport } from '../lambda/report/daily-report.js';
import { DEMO_APPS, simulatedDailyVisitTrend } from '../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../lambda/simulator/wechat-simulator.js';
import { AccessTokenCache } from '../lambda/wechat/access-token.js';
import { createDatacubeClient } from '../lambda/wechat/create-datacube-client.js';

interface Result {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: number;
}
const results: Result[] = [];
const record = (name: string, value: number, unit: string, target: number) =>
  results.push({ name, value, unit, target });
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;

const app = DEMO_APPS[0] as (typeof DEMO_APPS)[number];
const now = () => new Date('2026-11-23T02:00:00Z');

// 1. Report maths and rendering: pure CPU, per report.
{
  const history = new Map<string, DailyVisitTrend>();
  for (let i = 1; i < 14; i++) {
    const date = addDays('2026-11-22', -i);
    const { ref_date: _, ...metrics } = simulatedDailyVisitTrend(app.appid, date);
    history.set(date, { date, metrics });
  }
  const { ref_date: _, ...metrics } = simulatedDailyVisitTrend(app.appid, '2026-11-22');
  const day = { date: '2026-11-22', metrics };
  const n = 5_000;
  const started = performance.now();
  for (let i = 0; i < n; i++)
    renderDailyEmail(buildDailyReport({ appid: app.appid, appName: app.name, day, history }), 'zh-CN');
  record('build + render one daily report', ((performance.now() - started) / n) * 1000, 'µs', 2_000);
}

// 2. The WeChat client against the simulator on loopback.
const sim = await WechatSimulator.start({ clock: now });
try {
  const client = createDatacubeClient(
    { appid: app.appid, secret: app.secret, apiBase: sim.url, clock: now },
    new AccessTokenCache(now),
  );
  const latencies: number[] = [];
  for (let i = 0; i < 400; i++) {
    const t = performance.now();
    await client.getDailyVisitTrend(addDays('2026-11-22', -(i % 300)));
    latencies.push(performance.now() - t);
  }
  record('datacube call p50 (loopback)', percentile(latencies, 0.5), 'ms', 5);
  record('datacube call p95 (loopback)', percentile(latencies, 0.95), 'ms', 20);

  // 3. The whole daily pipeline with the archive warm: one call, the history's 20 archive reads and the
  // extras' 3, render, outbox write.
  const dir = await mkdtemp(join(tmpdir(), 'wxa-bench-'));
  try {
    const deps = {
      source: client,
      archive: new LocalArchive(join(dir, 'archive')),
      channels: [
        new EmailChannel({
          sender: new OutboxEmailSender(join(dir, 'outbox')),
          from: 'b@localhost',
          to: ['x@localhost'],
        }),
      ],
      toolVersion: 'bench',
    };
    await runDailyReport(deps, { date: '2026-11-22' });
    const runs = 200;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    for (let i = 0; i < runs; i++) await runDailyReport(deps, { date: '2026-11-22' });
    record('daily pipeline run, warm archive', (performance.now() - started) / runs, 'ms', 50);
    global.gc?.();
    record('heap growth over 200 runs', (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024, 'MiB', 20);
    record('peak RSS', process.memoryUsage().rss / 1024 / 1024, 'MiB', 256);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
} finally {
  await sim.close();
}

// 4. The Lambda bundles: size and cold-start import time (same esbuild options as the CDK construct),
// the worker against a bundle of the same AWS SDK clients alone.
{
  const { build } = await import('esbuild');
  const { execFileSync } = await import('node:child_process');
  const { statSync } = await import('node:fs');
  const dir = await mkdtemp(join(tmpdir(), 'wxa-bench-bundle-'));
  const { lambdaBuildOptions } = await import('../lib/lambda-bundle.js');
  // Exactly as `cdk synth` bundles them: the entry chunk is what a cold start loads.
  const reachable = new Map<string, number>();
  const bundle = async (entry: string, name: string) => {
    const { metafile } = await build({
      ...lambdaBuildOptions(entry, join(dir, name)),
      metafile: true,
      logLevel: 'silent',
    });
    // What a cold start parses: the entry chunk and every chunk it imports statically.
    const outputs = metafile?.outputs ?? {};
    const start = Object.keys(outputs).find((o) => o.endsWith(`${name}/index.mjs`)) ?? '';
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length) {
      const out = stack.pop() as string;
      if (seen.has(out) || !outputs[out]) continue;
      seen.add(out);
      for (const i of outputs[out].imports) if (i.kind === 'import-statement') stack.push(i.path);
    }
    reachable.set(
      name,
      [...seen].reduce((sum, out) => sum + (outputs[out]?.bytes ?? 0), 0),
    );
    return join(dir, name, 'index.mjs');
  };
  const env = {
    PATH: process.env.PATH,
    WXA_CONFIG: JSON.stringify({ apps: [{ name: 'shop', webhooks: ['wecom'] }] }),
    WXA_APPS_TABLE: 'apps',
    WXA_LEDGER_TABLE: 'ledger',
    WXA_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/work',
    WXA_FAILURE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/failed',
    AWS_REGION: 'us-east-1',
  };
  // Alternating runs, so both bundles see the same machine load.
  const coldImports = (files: string[], runs: number) => {
    const timings = files.map(() => [] as number[]);
    for (let i = 0; i < runs; i++) {
      files.forEach((file, f) => {
        const script = `const t = performance.now(); await import(${JSON.stringify(`file://${file}`)}); process.stdout.write(String(performance.now() - t));`;
        timings[f]?.push(
          Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env }).toString()),
        );
      });
    }
    return timings.map((t) => percentile(t, 0.5));
  };
  try {
    const sdkOnly = 'bench/sdk-clients-only.ts';
    const worker = await bundle(resolve('lambda/handlers/worker-handler.ts'), 'worker');
    const dispatcher = await bundle(resolve('lambda/handlers/dispatch-handler.ts'), 'dispatcher');
    const baseline = await bundle(resolve(sdkOnly), 'sdk-only');
    const { readdirSync } = await import('node:fs');
    const total = (folder: string) =>
      readdirSync(folder)
        .filter((f) => f.endsWith('.mjs'))
        .reduce((sum, f) => sum + statSync(join(folder, f)).size, 0);
    record('worker bundle, all chunks', total(join(dir, 'worker')) / 1024 / 1024, 'MiB', 3);
    record('worker, loaded at a cold start', (reachable.get('worker') ?? 0) / 1024 / 1024, 'MiB', 1);
    record('same SDK clients alone, loaded at a cold start', (reachable.get('sdk-only') ?? 0) / 1024 / 1024, 'MiB', 1);
    record('dispatcher bundle, all chunks', total(join(dir, 'dispatcher')) / 1024 / 1024, 'MiB', 3);
    const [workerMs = 0, baselineMs = 1, dispatcherMs = 0] = coldImports([worker, baseline, dispatcher], 21);
    record('worker import (cold), median', workerMs, 'ms', 500);
    // What the first message adds: the deployment's config, registry, ledger and the use cases.
    const firstMessage: number[] = [];
    const runtimeDir = join(dir, 'runtime');
    await build({
      ...lambdaBuildOptions(resolve('lambda/handlers/worker-handler.ts'), runtimeDir),
      entryPoints: {
        index: resolve('lambda/handlers/worker-handler.ts'),
        runtime: resolve('lambda/handlers/worker-runtime.ts'),
      },
      logLevel: 'silent',
    });
    for (let i = 0; i < 9; i++) {
      const script = `await import(${JSON.stringify(`file://${runtimeDir}/index.mjs`)}); const t = performance.now(); await import(${JSON.stringify(`file://${runtimeDir}/runtime.mjs`)}); await import('@aws-lambda-powertools/batch').catch(() => undefined); process.stdout.write(String(performance.now() - t));`;
      firstMessage.push(
        Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env }).toString()),
      );
    }
    record('worker runtime load on the first message', percentile(firstMessage, 0.5), 'ms', 100);
    record('dispatcher import (cold), median', dispatcherMs, 'ms', 500);
    record('worker import ÷ same SDK clients alone', workerMs / baselineMs, '×', 1.15);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// 5. `wxa-report --help` against `node -e 0` (the CLI loads only the command it runs).
{
  const { execFileSync } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  if (!existsSync('dist/wxa-report.mjs')) execFileSync(process.execPath, ['scripts/build-cli.mjs']);
  const time = (args: string[]) => {
    const started = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    return performance.now() - started;
  };
  const help: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 9; i++) {
    help.push(time(['dist/wxa-report.mjs', '--help']));
    bare.push(time(['-e', '0']));
  }
  const [h, b] = [percentile(help, 0.5), percentile(bare, 0.5)];
  record('wxa-report --help, median', h, 'ms', 500);
  record('wxa-report --help ÷ node -e 0', h / b, '×', 2);
}

// 6. Fan-out: 1,000 apps through the same unit code as the Lambda worker, WeChat answering after
// 100 ms, at the default concurrency, on an ordinary morning: each app's history is archived (its
// first report fetched it; section 8 measures that). Ideal = WeChat calls × latency ÷ concurrency.
if (!process.argv.includes('--quick')) {
  const { runJobInProcess, DEFAULT_CONCURRENCY } = await import('../lambda/pipeline/run-job-in-process.js');
  const { StaticAppRegistry } = await import('../lambda/registry/app-registry.js');
  const { FileLedger } = await import('../lambda/state/local/file-ledger.js');
  const { silentLogger } = await import('../lambda/shared/logger.js');
  const latencyMs = 100;
  const apps = 1_000;
  const clock = () => new Date('2026-11-23T02:00:00Z');
  // A thousand Mini Programs of their own: no shared archive, no shared tokens.
  const simulated = Array.from({ length: apps }, (_, i) => ({
    appid: `wx${(0xa0000000 + i).toString(16).padStart(16, '0')}`,
    secret: (0xb0000000 + i).toString(16).padStart(32, '0'),
    name: `app-${i}`,
  }));
  const fanSim = await WechatSimulator.start({ clock, latencyMs, apps: simulated });
  const dir = await mkdtemp(join(tmpdir(), 'wxa-bench-fanout-'));
  try {
    // The archive of the 100th morning: the 20 days each report shows, and yesterday's pages.
    const { archiveKeys } = await import('../lambda/archive/archive.js');
    const { anomalyDates, trendDates } = await import('../lambda/report/daily-report.js');
    const { simulatedDailyVisitTrendAnswer } = await import('../lambda/simulator/simulated-data.js');
    const { simulatedVisitPage } = await import('../lambda/simulator/simulated-datacube.js');
    const { archiveKey, visitPageApi } = await import('../lambda/wechat/datacube-apis.js');
    const warm = new LocalArchive(join(dir, 'archive'));
    const provenance = { api: 'bench', request: {}, fetchedAt: '', toolVersion: 'bench' };
    const history = [...new Set([...trendDates('2026-11-22'), ...anomalyDates('2026-11-22')])].filter(
      (d) => d !== '2026-11-22',
    );
    for (const { appid } of simulated) {
      const body = (value: unknown) => Buffer.from(JSON.stringify(value));
      await Promise.all([
        ...history.map((d) =>
          warm.put(archiveKeys.dailyVisitTrend(appid, d), body({ list: [simulatedDailyVisitTrendAnswer(appid, d)] }), {
            ...provenance,
            appid,
          }),
        ),
        warm.put(archiveKey(visitPageApi, appid, '2026-11-21'), body(simulatedVisitPage(appid, '2026-11-21')), {
          ...provenance,
          appid,
        }),
      ]);
    }
    const registry = new StaticAppRegistry(
      simulated.map((a) => ({ name: a.name, appid: a.appid, recipients: ['ops@example.com'], webhooks: [] })),
    );
    const sender = new OutboxEmailSender(join(dir, 'outbox'));
    const started = performance.now();
    const outcomes = await runJobInProcess(
      {
        registry,
        ledger: new FileLedger(join(dir, 'state')),
        archive: new LocalArchive(join(dir, 'archive')),
        secrets: {
          app: async (_name, options) => ({
            appid: options?.appid ?? '',
            secret: simulated.find((a) => a.appid === options?.appid)?.secret,
            webhooks: {},
          }),
          smtpUrl: async () => '',
        },
        wechat: (_app, s) =>
          createDatacubeClient(
            { appid: s.appid, secret: s.secret, apiBase: fanSim.url, clock },
            new AccessTokenCache(clock),
          ),
        channels: async (app) => [new EmailChannel({ sender, from: 'b@localhost', to: app.recipients })],
        schedule: { timeZone: 'Asia/Shanghai', cutoffHour: 18 },
        clock,
        logger: silentLogger,
        toolVersion: 'bench',
        owner: 'bench',
      },
      { job: 'daily' },
      DEFAULT_CONCURRENCY,
    );
    const wallS = (performance.now() - started) / 1000;
    const calls = (
      ['stable_token', 'token', 'getDailyVisitTrend', 'getMonthlyRetain', 'getDailySummary', 'getVisitPage'] as const
    ).reduce((sum, endpoint) => sum + fanSim.callCount(endpoint), 0);
    const idealS = (calls * latencyMs) / 1000 / DEFAULT_CONCURRENCY;
    const sent = outcomes.filter((o) => o.status === 'sent').length;
    process.stdout.write(
      `fanout apps=${apps} concurrency=${DEFAULT_CONCURRENCY} calls=${calls} wall_s=${wallS.toFixed(1)} ideal_s=${idealS.toFixed(1)} ratio=${(wallS / idealS).toFixed(2)} sent=${sent}\n`,
    );
    record('fan-out wall ÷ ideal (1,000 apps, 100 ms)', wallS / idealS, '×', 1.3);
    record('fan-out reports sent of 1,000', apps - sent, 'missing', 0);
  } finally {
    await fanSim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// 7. Backfill: one year of every daily API for one app, every WeChat answer after 100 ms, at the
// backfill's default concurrency. Ideal = calls × latency ÷ concurrency.
if (!process.argv.includes('--quick')) {
  const { backfillPlan, runBackfill } = await import('../lambda/pipeline/backfill.js');
  const { ARCHIVED_APIS } = await import('../lambda/wechat/datacube-apis.js');
  const latencyMs = 100;
  const concurrency = 4;
  const clock = () => new Date('2026-11-23T02:00:00Z');
  const backfillSim = await WechatSimulator.start({ clock, latencyMs });
  const dir = await mkdtemp(join(tmpdir(), 'wxa-bench-backfill-'));
  try {
    const dailyApis = ARCHIVED_APIS.filter((api) => api.kind === 'day');
    const items = backfillPlan(dailyApis, app.appid, '2025-11-23', '2026-11-22');
    const client = createDatacubeClient(
      { appid: app.appid, secret: app.secret, apiBase: backfillSim.url, clock },
      new AccessTokenCache(clock),
    );
    const started = performance.now();
    const result = await runBackfill(
      { source: client, archive: new LocalArchive(join(dir, 'archive')), toolVersion: 'bench', concurrency },
      items,
    );
    const wallS = (performance.now() - started) / 1000;
    const calls = (['stable_token', ...dailyApis.map((a) => a.endpoint.name)] as const).reduce(
      (sum, endpoint) => sum + backfillSim.callCount(endpoint as never),
      0,
    );
    const idealS = (calls * latencyMs) / 1000 / concurrency;
    process.stdout.write(
      `backfill apis=${dailyApis.map((a) => a.cli).join(',')} days=365 concurrency=${concurrency} calls=${calls} archived=${result.fetched} wall_s=${wallS.toFixed(1)} ideal_s=${idealS.toFixed(1)} ratio=${(wallS / idealS).toFixed(2)}\n`,
    );
    record('backfill wall ÷ ideal (1 year, 5 daily APIs)', wallS / idealS, '×', 1.3);
    record('backfill answers missing of 1,825', items.length - result.fetched, 'missing', 0);
  } finally {
    await backfillSim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// 8. An app's first reports (an empty archive): the daily report fetches its trend and usual range,
// the monthly its months and days, once, every WeChat answer after 100 ms; calls counted.
{
  const { runMonthlyReport } = await import('../lambda/pipeline/run-monthly-report.js');
  const latencyMs = 100;
  const firstSim = await WechatSimulator.start({ clock: now, latencyMs });
  const dir = await mkdtemp(join(tmpdir(), 'wxa-bench-first-'));
  try {
    const calls = () =>
      (['stable_token', 'getDailyVisitTrend', 'getDailySummary', 'getVisitPage', 'getMonthlyRetain'] as const).reduce(
        (sum, endpoint) => sum + firstSim.callCount(endpoint),
        0,
      );
    const deps = (name: string) => ({
      source: createDatacubeClient(
        { appid: app.appid, secret: app.secret, apiBase: firstSim.url, clock: now },
        new AccessTokenCache(now),
      ),
      archive: new LocalArchive(join(dir, name)),
      channels: [],
      toolVersion: 'bench',
    });
    let started = performance.now();
    await runDailyReport(deps('daily'), { date: '2026-11-22' });
    const dailyS = (performance.now() - started) / 1000;
    const dailyCalls = calls();
    firstSim.reset();
    started = performance.now();
    await runMonthlyReport(deps('monthly'), { month: '2026-10' });
    const monthlyS = (performance.now() - started) / 1000;
    const monthlyCalls = calls();
    process.stdout.write(
      `first-report latency_ms=${latencyMs} daily_calls=${dailyCalls} daily_s=${dailyS.toFixed(2)} monthly_calls=${monthlyCalls} monthly_s=${monthlyS.toFixed(2)}\n`,
    );
    record('first daily report: WeChat calls (token incl.)', dailyCalls, 'calls', 25);
    record('first daily report, 100 ms answers', dailyS, 's', 1.5);
    record('first monthly report: WeChat calls (token incl.)', monthlyCalls, 'calls', 38);
    record('first monthly report, 100 ms answers', monthlyS, 's', 2);
  } finally {
    await firstSim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// 9. SQL over a year of a thousand Mini Programs, raw and compacted (issue 19): bench/sql.ts.
if (!process.argv.includes('--quick')) {
  const { benchSql } = await import('./sql.js');
  await benchSql(record, (line) => process.stdout.write(`${line}\n`));
}

let failed = 0;
for (const r of results) {
  const ok = r.value <= r.target;
  if (!ok) failed += 1;
  process.stdout.write(
    `${ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(44)} ${r.value.toFixed(2).padStart(9)} ${r.unit.padEnd(4)} (target ≤ ${r.target} ${r.unit})\n`,
  );
}
process.exitCode = failed ? 1 : 0;
