import { describe, expect, it } from 'vitest';
import type { MonthlyRetention } from '../../../../lambda/domain/monthly-retention.js';
import { renderMonthlyEmail } from '../../../../lambda/render/email/monthly-email.js';
import { buildMonthlyReport } from '../../../../lambda/report/monthly-report.js';

const retention = (month: string, n: [number?, number?], a: [number?, number?]): [string, MonthlyRetention] => [
  month,
  { month, newUsers: { month: n[0], nextMonth: n[1] }, activeUsers: { month: a[0], nextMonth: a[1] } },
];

const full = buildMonthlyReport({
  appid: 'wx1',
  appName: '喵喵商城',
  month: '2026-10',
  retention: new Map([
    retention('2026-10', [1539461], [5358228]),
    retention('2026-09', [1515450, 125247], [5168444, 1674812]),
    retention('2026-08', [1389071, 99000], [5120912, 1260000]),
  ]),
  days: new Map([['2026-10-10', { date: '2026-10-10', metrics: { visit_uv: 812191, visit_uv_new: 100 } }]]),
});

describe('the monthly email', () => {
  it('carries active users, their change and the new-user retention in the subject', () => {
    expect(renderMonthlyEmail(full, 'zh-CN').subject).toBe(
      '【喵喵商城】2026年10月月报：活跃用户 5,358,228（月环比 ▲ +3.7%），新用户次月留存 8.3%',
    );
    expect(renderMonthlyEmail(full, 'en').subject).toBe(
      '喵喵商城 · October 2026: 5,358,228 active users (▲ +3.7% month over month), new-user retention 8.3%',
    );
  });

  it('shows the cohort of M-1 with its counts and the change against M-2 in points, in both parts', () => {
    const { html, text } = renderMonthlyEmail(full, 'en');

    for (const part of [html, text]) {
      expect(part).toContain('Users of September 2026 who came back in October 2026');
      expect(part).toContain('8.3%');
      expect(part).toContain('125,247 of 1,515,450 came back the month after');
      expect(part).toContain('32.4%');
      expect(part).toContain('vs August 2026 ▲ +1.1 pp');
      expect(part).toContain('Oct 10 · 812,191');
    }
    expect(text).toContain('from 1 of 31 archived days');
  });

  it('explains missing retention in words, never as 0 % or NaN', () => {
    const report = buildMonthlyReport({
      appid: 'wx1',
      month: '2026-10',
      retention: new Map([retention('2026-10', [10], [20]), retention('2026-09', [0, 0], [5])]),
      days: new Map(),
    });

    const zh = renderMonthlyEmail(report, 'zh-CN');
    const en = renderMonthlyEmail(report, 'en');

    expect(zh.text).toContain('新用户次月留存率: 该月没有用户，无法计算留存率');
    expect(zh.text).toContain('活跃用户次月留存率: 微信尚未发布该月的次月留存数据');
    expect(en.text).toContain('New-user retention: no users that month, so there is no rate');
    expect(en.html).toContain('WeChat has not published next-month retention for this month yet');
    expect(en.text).toContain('the archive has no daily data for this month');
    for (const part of [zh.html, zh.text, en.html, en.text]) expect(part).not.toMatch(/NaN|Infinity|undefined| 0\.0%/);
  });

  it('escapes the app name and has no images', () => {
    const hostile = buildMonthlyReport({
      appid: 'wx1',
      appName: '<img src=x onerror=alert(1)>',
      month: '2026-10',
      retention: new Map([retention('2026-10', [1], [1])]),
      days: new Map(),
    });

    const { html } = renderMonthlyEmail(hostile, 'en');

    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<img/i);
  });
});
