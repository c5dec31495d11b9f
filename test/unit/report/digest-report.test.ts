import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../../lambda/notify/webhook/webhook-channel.js';
import { renderDigestEmail } from '../../../lambda/render/email/digest-email.js';
import { buildDigestReport, type DigestEntry } from '../../../lambda/report/digest-report.js';
import { sampleDigest } from '../../support/sample-reports.js';
import { NOW } from '../../support/simulator.js';

const sent = (name: string, visitors: number | null, previousDay: number | null): DigestEntry => ({
  name,
  status: 'sent',
  summary: {
    appName: name.toUpperCase(),
    appid: 'wx0000000000000000',
    visitors,
    previousDay,
    dayOverDay: visitors !== null && previousDay ? (visitors - previousDay) / previousDay : null,
  },
});

describe('the agency digest', () => {
  it('ranks by visitors, picks the movers, and compares the total like with like', () => {
    // Prepare
    const entries: DigestEntry[] = [
      sent('a', 100, 50),
      sent('b', 300, 400),
      sent('c', 200, null),
      sent('d', 50, 50),
      { name: 'e', status: 'pending', detail: 'errcode 61503' },
      { name: 'f', status: 'failed', detail: 'errcode 40125' },
      { name: 'g', status: 'no-data', detail: 'no data at the cut-off' },
      { name: 'h', status: 'missing', detail: 'no run has reported on it yet' },
    ];

    // Act
    const report = buildDigestReport('2026-11-22', entries);

    // Assess
    expect(report.ranked.map((l) => l.name)).toEqual(['b', 'c', 'a', 'd']);
    expect(report.moversUp.map((l) => l.name)).toEqual(['a']);
    expect(report.moversDown.map((l) => l.name)).toEqual(['b']);
    // c has no previous day, so the change covers a, b, d only: 450 against 500.
    expect(report.total).toEqual({ visitors: 650, previousDay: 500, dayOverDay: -0.1, comparedApps: 3 });
    // Records written before reasons were recorded: the reason is read from their status and errcode.
    expect(report.problems).toEqual([
      { name: 'f', appName: 'f', kind: 'failed', reason: 'credentials', errcode: 40125, detail: 'errcode 40125' },
      { name: 'g', appName: 'g', kind: 'no-data', reason: 'no-data', detail: 'no data at the cut-off' },
      {
        name: 'e',
        appName: 'e',
        kind: 'not-yet-available',
        reason: 'not-published',
        errcode: 61503,
        detail: 'errcode 61503',
      },
      {
        name: 'h',
        appName: 'h',
        kind: 'not-yet-available',
        reason: 'not-run',
        detail: 'no run has reported on it yet',
      },
    ]);
    expect(report.appCount).toBe(8);
  });

  it('says so when nothing can be compared, never NaN', () => {
    const report = buildDigestReport('2026-11-22', [sent('a', 10, null), sent('b', null, null)]);

    expect(report.total).toEqual({ visitors: 10, previousDay: null, dayOverDay: null, comparedApps: 0 });
    expect(renderDigestEmail(report, 'en').text).toContain('Total visitors: 10 (Day over day n/a)');
    expect(renderDigestEmail(report, 'en').text).toContain('No figures for the day before to compare with yet');
  });

  it('fits every chat platform with a thousand apps, cutting the ranking from the bottom', () => {
    // Prepare
    const message = sampleDigest(1_000);

    // Act
    const wecom = PLATFORMS.wecom.payload(message, 'zh-CN', NOW) as { markdown: { content: string } };
    const json = PLATFORMS.json.payload(message, 'en', NOW) as { data: { ranked: unknown[]; rankedOmitted: number } };
    const slack = PLATFORMS.slack.payload(message, 'en', NOW) as { blocks: unknown[] };

    // Assess
    expect(Buffer.byteLength(wecom.markdown.content)).toBeLessThanOrEqual(4096);
    expect(wecom.markdown.content).toContain('**涨幅最大**');
    expect(wecom.markdown.content).toContain('1. ');
    expect(Buffer.byteLength(JSON.stringify(json))).toBeLessThanOrEqual(20 * 1024);
    expect(json.data.rankedOmitted + json.data.ranked.length).toBe(
      message.kind === 'digest' ? message.report.ranked.length : 0,
    );
    expect(json.data.rankedOmitted).toBeGreaterThan(0);
    expect(slack.blocks.length).toBeLessThanOrEqual(50);
  });
});
