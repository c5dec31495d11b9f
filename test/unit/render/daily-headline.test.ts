import { describe, expect, it } from 'vitest';
import { renderReportEmail } from '../../../lambda/notify/email-channel.js';
import { PLATFORMS } from '../../../lambda/notify/webhook/webhook-channel.js';
import type { WebhookKind } from '../../../lambda/notify/webhook/webhook-platform.js';
import type { Locale } from '../../../lambda/report/i18n.js';
import type { ReportMessage } from '../../../lambda/report/report-message.js';
import { sampleDaily, sampleDailyAnomaly } from '../../support/sample-reports.js';
import { NOW } from '../../support/simulator.js';

/** Where each text first appears, asserting it does. */
function positions(haystack: string, needles: readonly string[]): number[] {
  return needles.map((needle) => {
    const at = haystack.indexOf(needle);
    expect(at, `"${needle}" in the message`).toBeGreaterThanOrEqual(0);
    return at;
  });
}

const ascending = (xs: readonly number[]) => xs.every((x, i) => i === 0 || (xs[i - 1] as number) < x);

/** Every chat message as the text a reader meets, top to bottom, and its title/notification. */
function chat(kind: WebhookKind, message: ReportMessage, locale: Locale): { title: string; body: string } {
  const payload: unknown = PLATFORMS[kind].payload(message, locale, NOW);
  switch (kind) {
    case 'wecom': {
      const content = (payload as { markdown: { content: string } }).markdown.content;
      return { title: content.split('\n')[0] ?? '', body: content };
    }
    case 'dingtalk': {
      const { markdown } = payload as { markdown: { title: string; text: string } };
      return { title: markdown.title, body: markdown.text };
    }
    case 'feishu':
    case 'lark': {
      const card = (payload as { card: { header: { title: { content: string } }; body: { elements: unknown[] } } })
        .card;
      return { title: card.header.title.content, body: JSON.stringify(card.body.elements) };
    }
    case 'slack': {
      const { text, blocks } = payload as { text: string; blocks: unknown[] };
      return { title: text, body: JSON.stringify(blocks) };
    }
    case 'json':
      return { title: '', body: JSON.stringify(payload) };
  }
}

const CHATS: WebhookKind[] = ['wecom', 'feishu', 'dingtalk', 'slack'];

describe('a day with visitors 31 % below the usual', () => {
  const message = sampleDailyAnomaly();

  it('has ⚠ and the metric in the subject, the preheader, and every chat title', () => {
    // Act
    const { email } = renderReportEmail(message, 'zh-CN');
    const english = renderReportEmail(message, 'en').email;

    // Assess
    expect(email.subject).toBe('⚠【喵喵商城】11月29日 访问人数 302,981，比常态低 31%（另有 3 项异常）');
    expect(english.subject).toBe('⚠ 喵喵商城 · Nov 29: Visitors 302,981, 31% below usual (and 3 more unusual)');
    const preheader = /<div style="display:none;[^>]*>([^<]*)<\/div>/.exec(email.html)?.[1] ?? '';
    expect(preheader.startsWith(email.subject)).toBe(true);
    for (const kind of CHATS) expect(chat(kind, message, 'zh-CN').title, kind).toContain(email.subject);
  });

  it('opens every message with the visitors and both their changes, then the unusual metrics, then the rest', () => {
    const head = ['302,981', '▼ -34.3%', '▼ -30.4%'];
    const unusual = '访问人数比过去 8 个周日的常态低 31%';
    const rest = ['打开次数', '平均访问深度'];

    const { email } = renderReportEmail(message, 'zh-CN');
    const bodies = {
      html: email.html.slice(email.html.indexOf('<body')).replace(/<div style="display:none;.*?<\/div>/, ''),
      text: email.text,
      ...Object.fromEntries(CHATS.map((kind) => [kind, chat(kind, message, 'zh-CN').body])),
    };

    for (const [channel, body] of Object.entries(bodies)) {
      const at = positions(body, [...head, unusual, ...rest]);
      expect(ascending(at), `${channel}: ${at.join(' < ')}`).toBe(true);
      // The visitors are the headline, not a row of the table further down.
      expect(body.indexOf('访问人数'), channel).toBeLessThan(body.indexOf('打开次数'));
    }
  });

  it('colours the day: an alert top bar and Feishu header, the alarm lines in the alert colour, in dark mode too', () => {
    const { html } = renderReportEmail(message, 'zh-CN').email;
    const feishu = PLATFORMS.feishu.payload(message, 'zh-CN', NOW) as { card: { header: { template: string } } };

    expect(html).toMatch(/class="wxa-accent[^"]*" style="[^"]*border-top:6px solid #bc4c00/);
    expect(html).toContain('⚠ 警报');
    expect(html).toMatch(/\.wxa-status \{ color: #f0883e !important; \}/);
    expect(html).toMatch(/td\.wxa-accent \{ border-top-color: #f0883e !important; \}/);
    // The unusual metrics are in the status colour (a class dark mode keeps), not in plain text's.
    expect(html).toMatch(/<div class="wxa-status" style="[^"]*color:#bc4c00;[^"]*">⚠ 访问人数比过去/);
    expect(feishu.card.header.template).toBe('orange');
  });
});

describe('the status of a day', () => {
  it.each([
    ['a normal day', sampleDaily(), 'normal', '#0969da', 'blue', '● 正常'],
    ['an unusual rise only', sampleDaily('喵喵商城', '2026-11-22'), 'watch', '#d4a72c', 'yellow', '⚠ 需留意'],
    ['a fall below the usual', sampleDailyAnomaly(), 'alert', '#bc4c00', 'orange', '⚠ 警报'],
  ] as const)('%s is %s', (_day, message, _status, bar, template, words) => {
    const { email } = renderReportEmail(message, 'zh-CN');
    const feishu = PLATFORMS.feishu.payload(message, 'zh-CN', NOW) as { card: { header: { template: string } } };

    expect(email.html).toContain(`border-top:6px solid ${bar}`);
    expect(email.html).toContain(words);
    expect(email.text.split('\n')[1]).toContain(words);
    expect(feishu.card.header.template).toBe(template);
    expect(email.subject.startsWith('⚠')).toBe(words.startsWith('⚠'));
  });
});
