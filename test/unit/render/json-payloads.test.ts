import { describe, expect, it } from 'vitest';
import { DAILY_METRICS } from '../../../lambda/domain/daily-visit-trend.js';
import { PLATFORMS } from '../../../lambda/notify/webhook/webhook-channel.js';
import { renderMonthlyEmail } from '../../../lambda/render/email/monthly-email.js';
import { formatCount } from '../../../lambda/report/format.js';
import { sampleDailyAnomaly, sampleMonthly } from '../../support/sample-reports.js';
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
