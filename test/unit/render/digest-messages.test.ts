import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../../lambda/notify/webhook/webhook-channel.js';
import type { WebhookKind } from '../../../lambda/notify/webhook/webhook-platform.js';
import { EMAIL_HTML_BUDGET_BYTES, renderDigestEmail } from '../../../lambda/render/email/digest-email.js';
import type { DigestReport } from '../../../lambda/report/digest-report.js';
import type { ReportMessage } from '../../../lambda/report/report-message.js';
import { SAMPLE_PROBLEMS, sampleDigest } from '../../support/sample-reports.js';
import { NOW } from '../../support/simulator.js';

const reportOf = (message: ReportMessage): DigestReport =>
  message.kind === 'digest' ? message.report : (undefined as never);
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** A chat message as text, whatever its platform's shape. */
function chatText(kind: WebhookKind, message: ReportMessage, emailAlso: boolean, locale: 'zh-CN' | 'en' = 'zh-CN') {
  const payload = PLATFORMS[kind].payload(message, locale, NOW, { emailAlso });
  return kind === 'wecom'
    ? (payload as { markdown: { content: string } }).markdown.content
    : kind === 'dingtalk'
      ? (payload as { markdown: { text: string } }).markdown.text
      : JSON.stringify(payload);
}

describe('the digest email', () => {
  const message = sampleDigest(60, SAMPLE_PROBLEMS);

  it('reads portfolio, movers, the apps without a report, then the ranking, in HTML and text', () => {
    // Act
    const { html, text, subject } = renderDigestEmail(reportOf(message), 'zh-CN');

    // Assess
    const order = [
      '访问人数合计',
      '1,445,724',
      '涨幅最大',
      '跌幅最大',
      '未出报告的小程序（3）',
      '各小程序访问人数排行',
    ];
    const body = html.slice(html.indexOf('<body')).replace(/<div style="display:none;.*?<\/div>/, '');
    for (const part of [body, text]) {
      const at = order.map((s) => part.indexOf(s));
      expect(
        at.every((x, i) => x >= 0 && (i === 0 || x > (at[i - 1] as number))),
        at.join(' < '),
      ).toBe(true);
    }
    expect(subject).toBe(
      '【小程序汇总】2026年11月22日：60 个小程序，访问人数 1,445,724（日环比 ▲ +1.0%），3 个未出报告',
    );
    expect(text).toContain('60 个小程序：57 个已出报告，3 个未出报告');
    expect(text).toContain('日环比按两天都有数据的 57 个小程序计算');
  });

  it('names each app without a report by its display name, on one line, with the reason and what to do in its language', () => {
    const zh = renderDigestEmail(reportOf(message), 'zh-CN');
    const en = renderDigestEmail(reportOf(message), 'en');

    expect(zh.text).toContain(
      '  杭州湖滨银泰店：AppID 或 AppSecret 有误（errcode 40125）。在小程序后台“开发管理 → 开发设置”核对 AppID、重置 AppSecret，再更新保存的密钥。\n',
    );
    expect(zh.text).toContain(
      '  城市骑行 · 深圳：微信尚未发布当天数据。无需处理，每小时自动重试，截止时仍无数据会发“无数据”通知。\n',
    );
    expect(zh.html).toMatch(/<div class="wxa-text" style="[^"]*"><b>杭州湖滨银泰店<\/b>：AppID 或 AppSecret 有误/);
    // The ledger's English detail is for the logs and the JSON, not for a Chinese reader.
    expect(zh.text).not.toMatch(/invalid appsecret|not ready|failed/);
    expect(en.text).toContain(
      '  杭州湖滨银泰店: the AppID or AppSecret is wrong (errcode 40125). Check the AppID and reset the AppSecret',
    );
    expect(en.text).not.toMatch(/微信尚未/);
  });

  it('stays under Gmail’s clip with 160 apps and 3 failing, the failures before the ranking', () => {
    const { html, text, attachments } = renderDigestEmail(reportOf(sampleDigest(160, SAMPLE_PROBLEMS)), 'zh-CN');

    expect(bytes(html)).toBeLessThanOrEqual(EMAIL_HTML_BUDGET_BYTES);
    expect(html.indexOf('未出报告的小程序')).toBeLessThan(html.indexOf('各小程序访问人数排行'));
    // Every app fits: nothing left out, nothing attached.
    expect(text).toContain('  157. ');
    expect(attachments).toBeUndefined();
  });

  it('shortens the ranking of a thousand apps, says how many it left out, and attaches all of them', () => {
    const { html, text, attachments } = renderDigestEmail(reportOf(sampleDigest(1_000, SAMPLE_PROBLEMS)), 'zh-CN');

    expect(bytes(html)).toBeLessThanOrEqual(EMAIL_HTML_BUDGET_BYTES);
    const shown = Number(/^ {2}(\d+)\. .*\n {2}…另有/m.exec(text)?.[1]);
    const omitted = Number(/…另有 (\d+) 个小程序，完整排行见附件/.exec(text)?.[1]);
    expect(shown).toBeGreaterThan(100);
    expect(shown + omitted).toBe(997);
    expect(html).toContain(`…另有 ${omitted} 个小程序，完整排行见附件`);
    const [csv] = attachments ?? [];
    expect(csv?.filename).toBe('小程序访问人数排行-2026-11-22.csv');
    expect(csv?.content.startsWith('\uFEFF排名,小程序,名称,AppID,访问人数,前一天,日环比\r\n1,')).toBe(true);
    expect(csv?.content.trimEnd().split('\r\n')).toHaveLength(998);
  });
});

describe('the digest in chat', () => {
  const message = sampleDigest(60, SAMPLE_PROBLEMS);
  const ranked = reportOf(message).ranked.length;

  it.each(['wecom', 'feishu', 'dingtalk', 'slack'] as WebhookKind[])(
    '%s: portfolio first, failures before the ranking, and a shortened ranking says how many it left out and where they are',
    (kind) => {
      const withEmail = chatText(kind, message, true);
      const alone = chatText(kind, message, false);
      const english = chatText(kind, message, true, 'en');

      const at = ['访问人数合计', '涨幅最大', '未出报告的小程序', '各小程序访问人数排行'].map((s) =>
        withEmail.indexOf(s),
      );
      expect(
        at.every((x, i) => x >= 0 && (i === 0 || x > (at[i - 1] as number))),
        at.join(' < '),
      ).toBe(true);
      const shown = (withEmail.match(/\d+\. /g) ?? []).length;
      const omitted = Number(/…另有 (\d+) 个小程序/.exec(withEmail)?.[1] ?? 0);
      expect(shown + omitted).toBe(ranked);
      if (omitted) {
        expect(withEmail).toContain(`…另有 ${omitted} 个小程序，完整排行见汇总邮件`);
        expect(alone).toMatch(/…另有 \d+ 个小程序[^，]/);
        expect(english).toMatch(/…and \d+ more \(the full ranking is in the digest email\)/);
      }
    },
  );

  it('WeCom cannot hold 60 apps in 4,096 bytes: it lists the top and counts the rest', () => {
    const content = chatText('wecom', message, true);

    expect(bytes(content)).toBeLessThanOrEqual(4096);
    expect(content).toMatch(/\n<font color="comment">…另有 \d+ 个小程序，完整排行见汇总邮件<\/font>\n/);
  });

  it('a thousand apps each with no report still fit, counted', () => {
    const problems = Array.from({ length: 1_000 }, (_, i) => ({
      name: `app-${i}`,
      status: 'failed' as const,
      detail: 'errcode 61003',
      reason: 'platform-authorization' as const,
      errcode: 61003,
    }));
    const content = chatText('wecom', sampleDigest(1_000, problems), true);

    expect(bytes(content)).toBeLessThanOrEqual(4096);
    expect(content).toMatch(/…另有 \d+ 个小程序，完整排行见汇总邮件/);
  });

  it('the JSON webhook keeps rankedOmitted, and rounds changes to 4 decimals', () => {
    const payload = PLATFORMS.json.payload(sampleDigest(1_000), 'zh-CN', NOW) as {
      data: { ranked: { dayOverDay: number }[]; rankedOmitted: number; problems: { reason: string }[] };
    };

    expect(payload.data.rankedOmitted).toBeGreaterThan(0);
    expect(payload.data.ranked.length + payload.data.rankedOmitted).toBe(998);
    expect(bytes(JSON.stringify(payload))).toBeLessThanOrEqual(20 * 1024);
    for (const line of payload.data.ranked) expect(String(line.dayOverDay)).toMatch(/^-?\d+(\.\d{1,4})?$/);
    expect(payload.data.problems.map((p) => p.reason)).toEqual(['credentials', 'not-published']);
  });
});
