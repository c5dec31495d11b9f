import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalArchive } from '../../../lambda/archive/local/local-archive.js';
import { PLATFORMS } from '../../../lambda/notify/webhook/webhook-channel.js';
import { backfillPlan, runBackfill } from '../../../lambda/pipeline/backfill.js';
import { runDailyReport } from '../../../lambda/pipeline/run-daily-report.js';
import { renderDailyEmail } from '../../../lambda/render/email/daily-email.js';
import type { DailyReport } from '../../../lambda/report/daily-report.js';
import { simulatedDailySummary, simulatedVisitPage } from '../../../lambda/simulator/simulated-datacube.js';
import type { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { type ArchivedApi, archivedApi } from '../../../lambda/wechat/datacube-apis.js';
import { APP, clientFor, NOW, startSimulator } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

let sim: WechatSimulator;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  [sim, dir] = await Promise.all([startSimulator(), tempDir()]);
});
afterAll(() => Promise.all([sim?.close(), dir?.remove()]));
beforeEach(() => sim.reset());

async function report(archive: LocalArchive): Promise<DailyReport> {
  const result = await runDailyReport(
    { source: clientFor(sim), archive, channels: [], toolVersion: 'test' },
    { date: '2026-11-22' },
  );
  if (result.status !== 'sent') throw new Error(result.reason);
  return result.report;
}

describe('the daily report says what changed', () => {
  it('judges every metric against eight earlier Sundays from the archive, and carries shares and top pages', async () => {
    // Prepare: eight weeks of days in the archive (a backfill), and a day WeChat reports 40 % down.
    const archive = new LocalArchive(join(dir.path, 'full'));
    await runBackfill(
      { source: clientFor(sim), archive, toolVersion: 'test' },
      backfillPlan([archivedApi('daily') as ArchivedApi], APP.appid, '2026-09-27', '2026-11-21'),
    );
    sim.reset();
    const usual = await report(new LocalArchive(join(dir.path, 'probe')));
    const drop = Math.round((usual.metrics.visit_uv.value ?? 0) * 0.6);
    sim.addFault({
      endpoint: 'getDailyVisitTrend',
      period: '2026-11-22',
      action: { kind: 'body', body: JSON.stringify({ list: [{ ref_date: '20261122', visit_uv: drop }] }) },
    });

    // Act
    const daily = await report(archive);

    // Assess
    expect(daily.anomalies.visit_uv).toMatchObject({ status: 'low', weeks: 8 });
    expect(renderDailyEmail(daily, 'zh-CN').text).toMatch(/访问人数比过去 8 个周日的常态低 \d+%/);
    expect(renderDailyEmail(daily, 'en').text).toMatch(/Visitors \d+% below the usual of the last 8 Sundays/);
    expect(JSON.stringify(PLATFORMS.wecom.payload({ kind: 'daily', report: daily }, 'zh-CN', NOW))).toMatch(
      /访问人数比过去 8 个周日的常态低/,
    );
    expect(PLATFORMS.json.payload({ kind: 'daily', report: daily }, 'en', NOW)).toMatchObject({
      data: { anomalies: { visit_uv: { status: 'low', weeks: 8 } } },
    });
    const summary = simulatedDailySummary(APP.appid, '2026-11-22').list[0];
    expect(daily.summary).toEqual({
      visitTotal: summary?.visit_total,
      sharePv: summary?.share_pv,
      shareUv: summary?.share_uv,
    });
    expect(daily.topPages.map((p) => p.path)).toEqual(
      simulatedVisitPage(APP.appid, '2026-11-22')
        .list.slice(0, 5)
        .map((p) => p.page_path),
    );
    expect(daily.topPages.every((p) => p.dayOverDay !== null)).toBe(true);
  });

  it('says there is too little history rather than flag, and goes out without what WeChat did not give', async () => {
    // Prepare: a new archive, WeChat without data for six of the eight Sundays before, the summary API failing.
    for (const period of ['2026-09-27', '2026-10-04', '2026-10-11', '2026-10-18', '2026-10-25', '2026-11-01'])
      sim.addFault({ endpoint: 'getDailyVisitTrend', period, action: { kind: 'empty' } });
    sim.addFault({ endpoint: 'getDailySummary', action: { kind: 'errcode', errcode: 48001 } });

    // Act
    const daily = await report(new LocalArchive(join(dir.path, 'new')));

    // Assess
    expect(daily.anomalies.visit_uv).toMatchObject({ status: 'insufficient-history', weeks: 2 });
    expect(daily.gaps).toMatchObject({ missing: [], missingBecause: null });
    expect(renderDailyEmail(daily, 'zh-CN').text).toContain(
      '历史还太短，暂不判断异常：之前只有 2 个周日有数据（至少需要 4 个）',
    );
    expect(renderDailyEmail(daily, 'en').text).toContain(
      'Too little history to judge what is usual: only 2 earlier Sundays have data (4 needed)',
    );
    expect(daily.summary).toBeNull();
    expect(daily.topPages).toHaveLength(5);
  });

  it('draws the 14 days as a chart in the Feishu card (JSON 2.0)', async () => {
    const daily = await report(new LocalArchive(join(dir.path, 'chart')));

    const card = PLATFORMS.feishu.payload({ kind: 'daily', report: daily }, 'zh-CN', NOW) as {
      card: { schema: string; body: { elements: { tag: string; chart_spec?: { data: { values: unknown[] } } }[] } };
    };

    expect(card.card.schema).toBe('2.0');
    const chart = card.card.body.elements.find((e) => e.tag === 'chart');
    expect(chart?.chart_spec?.data.values.length).toBeGreaterThan(0);
  });
});
