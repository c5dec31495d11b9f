import { describe, expect, it } from 'vitest';
import { DAILY_METRICS } from '../../../lambda/domain/daily-visit-trend.js';
import { PLATFORMS } from '../../../lambda/notify/webhook/webhook-channel.js';
import { renderDailyEmail } from '../../../lambda/render/email/daily-email.js';
import { renderMonthlyEmail } from '../../../lambda/render/email/monthly-email.js';
import { formatCount } from '../../../lambda/report/format.js';
import { sampleDaily, sampleDailyAnomaly, sampleMonthly } from '../../support/sample-reports.js';
import { NOW } from '../../support/simulator.js';

const FOUR_DECIMALS = /^-?\d+(\.\d{1,4})?$/;

describe('the JSON webhook', () => {
  it('gives every daily change and deviation as a fraction rounded to 4 decimals, as the README shows', () => {
    const { data } = PLATFORMS.json.payload(sampleDailyAnomaly(), 'zh-CN', NOW) as {
      data: {
        metrics: Record<string, { dayOverDay: number; weekOverWeek: number }>;
        anomalies: Record<string, { deviation: number }>;
        topPages: { dayOverDay: number | null }[];
      };
    };

    for (const metric of DAILY_METRICS) {
      expect(String(data.metrics[metric]?.dayOverDay)).toMatch(FOUR_DECIMALS);
      expect(String(data.metrics[metric]?.weekOverWeek)).toMatch(FOUR_DECIMALS);
      expect(String(data.anomalies[metric]?.deviation)).toMatch(FOUR_DECIMALS);
    }
    expect(data.metrics.visit_uv?.dayOverDay).toBe(-0.3435);
    // Values (durations, the usual median) to 2 decimals, not WeChat's float noise.
    const TWO_DECIMALS = /^-?\d+(\.\d{1,2})?$/;
    for (const metric of DAILY_METRICS) {
      const m = data.metrics[metric] as unknown as Record<string, number | null>;
      for (const key of ['value', 'previousDay', 'previousWeek'])
        if (m[key] !== null) expect(String(m[key])).toMatch(TWO_DECIMALS);
      const usual = (data.anomalies[metric] as unknown as { usual: number | null }).usual;
      if (usual !== null) expect(String(usual), metric).toMatch(TWO_DECIMALS);
    }
    for (const page of data.topPages) expect(String(page.dayOverDay)).toMatch(FOUR_DECIMALS);
  });

  it('carries the six months of new and active users the monthly email shows', () => {
    const message = sampleMonthly();
    const { data } = PLATFORMS.json.payload(message, 'zh-CN', NOW) as {
      data: { history: { month: string; newUsers: number; activeUsers: number }[]; cohort: Record<string, number> };
    };
    const { text } = renderMonthlyEmail(message.kind === 'monthly' ? message.report : (undefined as never), 'zh-CN');

    expect(data.history.map((h) => h.month)).toEqual([
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
    for (const h of data.history) {
      expect(text).toContain(formatCount(h.activeUsers));
      expect(text).toContain(formatCount(h.newUsers));
    }
    for (const rate of Object.values(data.cohort).filter((v) => typeof v === 'number'))
      expect(String(rate)).toMatch(FOUR_DECIMALS);
  });
});

describe('headings say what they show, for a young app too', () => {
  it('the daily trend: the last 14 days, or since its first day', () => {
    // Prepare: an app whose data begins on Nov 12 shows 11 days
    const full = sampleDaily();
    const report = full.kind === 'daily' ? full.report : (undefined as never);
    const young = { ...report, trend: report.trend.slice(-11) };

    // Act
    const texts = (['zh-CN', 'en'] as const).map((locale) => [
      renderDailyEmail(report, locale).text,
      renderDailyEmail(young, locale).text,
      JSON.stringify(PLATFORMS.wecom.payload({ kind: 'daily', report: young }, locale, NOW)),
    ]);

    // Assess
    const [zh, en] = texts as [string[], string[]];
    expect(zh[0]).toContain('近 14 天访问人数:');
    expect(zh[1]).toMatch(/\n\d+月\d+日以来的访问人数:/);
    expect(zh[1]).not.toContain('近 14 天');
    expect(zh[2]).toContain('以来的访问人数');
    expect(en[0]).toContain('Visitors, last 14 days:');
    expect(en[1]).toMatch(/Visitors since Nov \d+:/);
    expect(en[1]).not.toContain('last 14 days');
  });

  it('the monthly charts: the months they show', () => {
    // Prepare: an app live since August shows 3 months
    const full = sampleMonthly();
    const report = full.kind === 'monthly' ? full.report : (undefined as never);
    const young = { ...report, history: report.history.slice(-3) };

    // Act
    const zh = renderMonthlyEmail(young, 'zh-CN').text;
    const en = renderMonthlyEmail(young, 'en').text;
    const one = renderMonthlyEmail({ ...report, history: report.history.slice(-1) }, 'en').text;

    // Assess
    expect(zh).toContain('近 3 个月活跃用户:');
    expect(zh).toContain('近 3 个月新增用户:');
    expect(en).toContain('Active users, last 3 months:');
    expect(en).toContain('New users, last 3 months:');
    expect(`${zh}${en}`).not.toMatch(/6 个月|6 months/);
    expect(one).toContain('Active users, October 2026:');
  });
});
