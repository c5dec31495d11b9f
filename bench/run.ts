/**
 * `npm run bench`: speed and memory of the hot paths, against targets. Not part of `npm test`
 * (timings on a shared CI machine are noise); run it before and after a change that could matter.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  // 3. The whole daily pipeline with the archive warm: one call, 13 archive reads, render, outbox write.
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

// 4. The Lambda bundle: size and cold-start import time (same esbuild options as the CDK construct).
{
  const { build } = await import('esbuild');
  const { execFileSync } = await import('node:child_process');
  const { statSync } = await import('node:fs');
  const dir = await mkdtemp(join(tmpdir(), 'wxa-bench-bundle-'));
  try {
    const outfile = join(dir, 'index.mjs');
    await build({
      entryPoints: ['lambda/handlers/report-handler.ts'],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      banner: {
        js: "import { createRequire as wxaCreateRequire } from 'node:module'; const require = wxaCreateRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    record('Lambda bundle size', statSync(outfile).size / 1024 / 1024, 'MiB', 3);
    const config = JSON.stringify({ apps: [{ name: 'shop', webhooks: ['wecom'] }] });
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const script = `const t = performance.now(); await import(${JSON.stringify(`file://${outfile}`)}); process.stdout.write(String(performance.now() - t));`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH, WXA_CONFIG: config, AWS_REGION: 'us-east-1' },
      });
      timings.push(Number(out.toString()));
    }
    record('Lambda bundle import (cold), median', percentile(timings, 0.5), 'ms', 500);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let failed = 0;
for (const r of results) {
  const ok = r.value <= r.target;
  if (!ok) failed += 1;
  process.stdout.write(
    `${ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(36)} ${r.value.toFixed(2).padStart(9)} ${r.unit.padEnd(4)} (target ≤ ${r.target} ${r.unit})\n`,
  );
}
process.exitCode = failed ? 1 : 0;
