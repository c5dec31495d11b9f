import { describe, expect, it } from 'vitest';
import type { DailyVisitTrend } from '../../../../lambda/domain/daily-visit-trend.js';
import { renderDailyEmail } from '../../../../lambda/render/email/daily-email.js';
import { buildDailyReport } from '../../../../lambda/report/daily-report.js';

const day = (date: string, visit_uv: number, extra: DailyVisitTrend['metrics'] = {}): DailyVisitTrend => ({
  date,
  metrics: { visit_uv, ...extra },
});

const report = buildDailyReport({
  appid: 'wx5f1d0c3a9e7b2d41',
  appName: '喵喵商城',
  day: day('2026-11-22', 435253, { stay_time_uv: 406.0065, visit_depth: 2.1419, session_cnt: 902586 }),
  history: new Map([
    ['2026-11-21', day('2026-11-21', 400000, { session_cnt: 900000 })],
    ['2026-11-15', day('2026-11-15', 500000)],
  ]),
});

describe('the daily email', () => {
  it('carries the headline in the subject, in Chinese by default', () => {
    const { subject } = renderDailyEmail(report, 'zh-CN');

    expect(subject).toBe('【喵喵商城】2026年11月22日 访问人数 435,253（日环比 ▲ +8.8%）');
  });

  it('has an English subject on request', () => {
    const { subject } = renderDailyEmail(report, 'en');

    expect(subject).toBe('喵喵商城 · Nov 22, 2026: 435,253 visitors (▲ +8.8% day over day)');
  });

  it('puts the same figures in the HTML and the text part', () => {
    const { html, text } = renderDailyEmail(report, 'zh-CN');

    for (const figure of ['435,253', '▲ +8.8%', '▼ -12.9%', '6:46', '2.14', '902,586', '▲ +0.3%']) {
      expect(html).toContain(figure);
      expect(text).toContain(figure);
    }
    expect(text).toContain('访问人数: 435,253');
    expect(text).toContain('新用户数: 无数据');
  });

  it('shows the 14-day trend with gaps marked', () => {
    const { html, text } = renderDailyEmail(report, 'en');

    expect(text).toContain('Visitors, last 14 days:');
    expect(text).toContain('Sat Nov 21  400,000');
    expect(text).toContain('Fri Nov 20  no data');
    expect((html.match(/bgcolor="#(4c8bf5|1f4fbf)"/g) ?? []).length).toBe(3);
    // Only the report day's bar is the darker one.
    expect((html.match(/bgcolor="#1f4fbf"/g) ?? []).length).toBe(1);
  });

  it('is built for mail clients: 600 px tables, inline styles, dark mode, no images', () => {
    const { html } = renderDailyEmail(report, 'zh-CN');

    expect(html).toContain('width="600"');
    expect(html).toContain('<html lang="zh-CN"');
    expect(html).toContain('name="color-scheme" content="light dark"');
    expect(html).toContain('prefers-color-scheme: dark');
    expect(html).not.toMatch(/<img|data:|url\(|<link|<script/i);
  });

  it('escapes every interpolated string', () => {
    const hostile = buildDailyReport({
      appid: 'wx1',
      appName: '<script>alert("x")</script> & Co\'s',
      day: day('2026-11-22', 1),
      history: new Map(),
    });

    const { html, subject } = renderDailyEmail(hostile, 'en');

    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co&#39;s');
    expect(subject).toContain('<script>');
  });
});
