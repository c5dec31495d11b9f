import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../../lambda/notify/webhook/webhook-channel.js';
import type { WebhookKind } from '../../../lambda/notify/webhook/webhook-platform.js';
import { parseRegistryEntry } from '../../../lambda/registry/app-registry.js';
import { RANKING_KEPT } from '../../../lambda/render/chat/chat-summary.js';
import { EMAIL_HTML_BUDGET_BYTES, renderDigestEmail } from '../../../lambda/render/email/digest-email.js';
import { buildDigestReport, type DigestEntry, type DigestReport } from '../../../lambda/report/digest-report.js';
import type { ReportMessage } from '../../../lambda/report/report-message.js';
import { failingEntries, SAMPLE_PROBLEMS, sampleDigest } from '../../support/sample-reports.js';
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

describe('a bad morning for a portfolio: every digest message stays under its limit', () => {
  const CLIP = 102 * 1024;
  const cases = [
    ['2,000 apps with 300 failing', () => sampleDigest(2_000, failingEntries(300))],
    ['1,000 apps all failing', () => sampleDigest(1_000, failingEntries(1_000))],
  ] as const;

  it.each(cases)('%s: email under the clip with margin, failures grouped by reason, every one attached', (_, make) => {
    // Prepare
    const report = reportOf(make());

    for (const locale of ['zh-CN', 'en'] as const) {
      // Act
      const { html, text, attachments } = renderDigestEmail(report, locale);

      // Assess
      expect(bytes(html)).toBeLessThanOrEqual(EMAIL_HTML_BUDGET_BYTES);
      expect(EMAIL_HTML_BUDGET_BYTES).toBeLessThan(CLIP * 0.9);
      const csv = attachments?.find((a) =>
        a.filename.startsWith(locale === 'en' ? 'mini-programs-without' : '未出报告'),
      );
      expect(csv?.content.trimEnd().split('\r\n')).toHaveLength(report.problems.length + 1);
      if (locale === 'zh-CN') {
        expect(text).toMatch(/ {2}微信尚未发布当天数据：\d+ 个小程序（未出报告的分店 1 号（华东区）、/);
        expect(text).toContain('按原因归类，完整名单见附件');
      } else expect(text).toContain('Grouped by reason; all of them are listed in the attachment');
    }
  });

  it.each(cases)('%s: the JSON within 20 KB, counting what it leaves out', (_, make) => {
    // Prepare
    const message = make();
    const report = reportOf(message);

    // Act
    const payload = PLATFORMS.json.payload(message, 'zh-CN', NOW) as {
      data: {
        ranked: unknown[];
        rankedOmitted: number;
        problems: unknown[];
        problemsOmitted: number;
        problemCounts: Record<string, number>;
      };
    };

    // Assess
    expect(bytes(JSON.stringify(payload))).toBeLessThanOrEqual(20 * 1024);
    expect(payload.data.problems.length).toBeGreaterThan(0);
    expect(payload.data.problems.length + payload.data.problemsOmitted).toBe(report.problems.length);
    expect(payload.data.ranked.length + payload.data.rankedOmitted).toBe(report.ranked.length);
    expect(Object.values(payload.data.problemCounts).reduce((a, b) => a + b, 0)).toBe(report.problems.length);
    if (report.ranked.length) expect(payload.data.ranked.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases)('%s: each chat under its platform’s limit, failures by reason, the ranking’s top kept', (_, make) => {
    // Prepare
    const message = make();
    const report = reportOf(message);

    for (const kind of ['wecom', 'feishu', 'dingtalk', 'slack'] as const) {
      // Act
      const content = chatText(kind, message, true);
      const payload = PLATFORMS[kind].payload(message, 'zh-CN', NOW, { emailAlso: true });

      // Assess
      const limit = { wecom: 4096, feishu: 20 * 1024, dingtalk: 20_000, slack: 40_000 }[kind];
      expect(bytes(kind === 'wecom' ? content : JSON.stringify(payload)), kind).toBeLessThanOrEqual(limit);
      expect(content, kind).toMatch(/微信尚未发布当天数据：\d+ 个小程序/);
      if (report.ranked.length) expect((content.match(/\d+\. /g) ?? []).length, kind).toBeGreaterThanOrEqual(5);
    }
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
    expect(content).toContain('小程序没有授权第三方平台的数据分析权限：1000 个小程序（');
    expect(content).not.toContain('完整排行');
  });

  it('WeCom with 48 failures beyond what fits: each section says its own omitted count, the ranking keeps its top', () => {
    // Prepare: a dozen failures are listed one by one; their long lines crowd WeCom's 4,096 bytes
    const problems = failingEntries(12);

    // Act
    const content = chatText('wecom', sampleDigest(60, problems), true);

    // Assess
    expect(bytes(content)).toBeLessThanOrEqual(4096);
    const listed = (content.match(/未出报告的分店 \d+ 号（华东区）：/g) ?? []).length;
    const problemsOmitted = Number(/…另有 (\d+) 个未出报告的小程序，完整名单见汇总邮件/.exec(content)?.[1] ?? 0);
    expect(listed + problemsOmitted).toBe(12);
    const shown = (content.match(/\n\d+\. /g) ?? []).length;
    const rankedOmitted = Number(/…另有 (\d+) 个小程序，完整排行见汇总邮件/.exec(content)?.[1]);
    expect(shown).toBeGreaterThanOrEqual(RANKING_KEPT);
    expect(shown + rankedOmitted).toBe(48);
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

describe('apps without a report: the fault and the fix that fit where it runs', () => {
  const entries: DigestEntry[] = [
    {
      name: 'shop',
      appName: '喵喵商城',
      status: 'failed',
      detail: "shop: WXA_APP_SHOP_SECRET is not set: export the app's AppSecret there",
      reason: 'missing-secret',
    },
    {
      name: 'coffee',
      appName: 'Daily Brew',
      status: 'failed',
      detail: 'SSM parameter /wxa-reporter/apps/coffee/secret is missing: run "wxa-report apps add coffee"',
      reason: 'missing-secret',
    },
    { name: 'tea', appName: '茶饮', status: 'failed', detail: 'SMTP_URL is not set', reason: 'missing-secret' },
    {
      name: 'jingan',
      appName: '静安店',
      status: 'invalid',
      detail: 'apps.2: appid is not an AppID (wx followed by 16 hex digits)',
      reason: 'invalid-config',
    },
    {
      name: 'minhang',
      appName: '闵行店',
      status: 'failed',
      detail: 'invalid registry entry: recipients.0 is not an email address',
      reason: 'invalid-entry',
    },
  ];

  it.each([
    [
      'zh-CN',
      [
        '喵喵商城：没有找到所需的密钥。设置环境变量 WXA_APP_SHOP_SECRET（该小程序的 AppSecret）后重跑。',
        'Daily Brew：没有找到所需的密钥。把该小程序的 AppSecret 存入 SSM 参数 /wxa-reporter/apps/coffee/secret（wxa-report apps add）后重跑。',
        '茶饮：没有找到所需的密钥。设置环境变量 SMTP_URL 后重跑。',
        '静安店：配置文件中的设置有误（appid 不是有效的 AppID）。在 run 的配置文件中修正该字段，下次运行即生效。',
        '闵行店：登记的配置有误（recipients.0 不是有效的邮箱地址）。用 wxa-report apps show 查看原因，再用 wxa-report apps add 修正。',
      ],
    ],
    [
      'en',
      [
        'Daily Brew: a secret it needs is not stored. Store the Mini Program’s AppSecret in the SSM parameter /wxa-reporter/apps/coffee/secret (wxa-report apps add), then run it again.',
        '喵喵商城: a secret it needs is not stored. Set the environment variable WXA_APP_SHOP_SECRET to the Mini Program’s AppSecret, then run it again.',
        '茶饮: a secret it needs is not stored. Set the environment variable SMTP_URL, then run it again.',
        '静安店: its entry in the config file is invalid (appid is not an AppID (wx followed by 16 hex digits)). Correct that field in run’s config file; the next run picks it up.',
        '闵行店: its registry entry is invalid (recipients.0 is not an email address). See why with wxa-report apps show, and correct it with wxa-report apps add.',
      ],
    ],
  ] as const)('%s', (locale, lines) => {
    // Prepare
    const report = buildDigestReport('2026-11-22', entries);

    // Act
    const { text } = renderDigestEmail(report, locale);

    // Assess
    for (const line of lines) expect(text).toContain(`  ${line}\n`);
    expect(text).not.toMatch(/重置 AppSecret|reset the AppSecret/);
  });

  it('an invalid entry keeps its raw display name', () => {
    const entry = parseRegistryEntry({ name: 'jingan', appid: 'nope', displayName: '静安店' }, 'x', { hasEmail: true });

    expect(entry).toMatchObject({ name: 'jingan', displayName: '静安店', problem: expect.stringContaining('appid') });
  });
});

describe('a digest where no app has a report yet', () => {
  const pending = Array.from({ length: 4 }, (_, i) => ({
    name: `app-${i}`,
    appName: `店 ${i}`,
    status: 'pending' as const,
    detail: 'errcode 61503: data not ready yet',
    reason: 'not-published' as const,
  }));
  const message = { kind: 'digest' as const, report: buildDigestReport('2026-11-22', pending) };

  it('says so in the subject and body of the email, not a total of 0', () => {
    const zh = renderDigestEmail(message.report, 'zh-CN');
    const en = renderDigestEmail(message.report, 'en');

    expect(zh.subject).toBe('【小程序汇总】2026年11月22日：4 个小程序，还没有一个出报告');
    expect(zh.text).toContain('\n还没有小程序出报告\n');
    expect(zh.html).toContain('还没有小程序出报告');
    expect(`${zh.subject}${zh.text}${zh.html}`).not.toMatch(/访问人数合计|访问人数 0/);
    expect(en.subject).toBe('Portfolio · Nov 22, 2026: 4 Mini Programs, none with a report yet');
    expect(en.text).toContain('\nNo Mini Program has a report yet\n');
    expect(`${en.subject}${en.text}`).not.toMatch(/Total visitors|0 visitors/);
  });

  it.each(['wecom', 'feishu', 'dingtalk', 'slack'] as WebhookKind[])('%s says so too', (kind) => {
    const zh = chatText(kind, message, true);
    const en = chatText(kind, message, true, 'en');

    expect(zh).toContain('还没有小程序出报告');
    expect(zh).not.toContain('访问人数合计');
    expect(en).toContain('No Mini Program has a report yet');
  });
});
