import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmailChannel } from '../../../lambda/notify/email-channel.js';
import { OutboxEmailSender } from '../../../lambda/notify/outbox/outbox-email-sender.js';
import { SendPacer } from '../../../lambda/notify/webhook/send-pacer.js';
import { WebhookChannel } from '../../../lambda/notify/webhook/webhook-channel.js';
import type { WebhookKind } from '../../../lambda/notify/webhook/webhook-platform.js';
import { DeliveryError, deliverToAll } from '../../../lambda/pipeline/deliver.js';
import type { ReportMessage } from '../../../lambda/report/report-message.js';
import { silentLogger } from '../../../lambda/shared/logger.js';
import { sampleDaily, sampleMonthly } from '../../support/sample-reports.js';
import { FAST_RETRY } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';
import { type ReceiverKind, startWebhookReceivers, type WebhookReceivers } from '../../support/webhook-receivers.js';

let hooks: WebhookReceivers;
beforeAll(async () => {
  hooks = await startWebhookReceivers();
});
afterAll(() => hooks.close());
beforeEach(() => hooks.reset());

const noPacing = new SendPacer(
  () => 0,
  async () => {},
);
const receiverOf = (kind: WebhookKind): ReceiverKind => (kind === 'lark' ? 'feishu' : kind);
const secretOf = (kind: WebhookKind) =>
  kind === 'feishu' || kind === 'lark'
    ? hooks.secrets.feishu
    : kind === 'dingtalk'
      ? hooks.secrets.dingtalk
      : kind === 'json'
        ? hooks.secrets.json
        : undefined;

function channel(
  kind: WebhookKind,
  overrides: { url?: string; secret?: string; locale?: 'zh-CN' | 'en'; setting?: string } = {},
) {
  return new WebhookChannel({
    kind,
    url: overrides.url ?? hooks.urls[receiverOf(kind)],
    secret: 'secret' in overrides ? overrides.secret : secretOf(kind),
    locale: overrides.locale ?? 'zh-CN',
    retry: FAST_RETRY,
    pacer: noPacing,
    setting: overrides.setting,
  });
}

const KINDS: WebhookKind[] = ['wecom', 'feishu', 'lark', 'dingtalk', 'slack', 'json'];
const REPORTS: [string, () => ReportMessage][] = [
  ['daily', () => sampleDaily()],
  ['monthly', () => sampleMonthly()],
];

describe.each(REPORTS)('the %s report through every channel', (_name, report) => {
  it.each(KINDS)('is accepted by %s with a valid signature', async (kind) => {
    const delivery = await channel(kind).deliver(report());

    expect(delivery.channel).toBe(`${kind} webhook (${new URL(hooks.base).host})`);
    expect(hooks.accepted(receiverOf(kind))).toHaveLength(1);
    expect(hooks.requests(receiverOf(kind))).toBe(1);
  });
});

describe('what each platform receives', () => {
  it("WeCom: markdown with the convention's colours and arrows, the visitors first", async () => {
    await channel('wecom').deliver(sampleDaily());

    const content = hooks.body<{ markdown: { content: string } }>('wecom').markdown.content;
    expect(content).toMatch(/^\*\*喵喵商城 · 小程序日报\*\*\n> 2026年11月21日（周六） {2}● 正常\n\n访问人数: /);
    expect(content).toMatch(
      /访问人数: \*\*[\d,]+\*\* {2}日环比 <font color="(comment|warning)">[▲▼] [+-]\d+\.\d%<\/font>/,
    );
  });

  it('Feishu: an interactive card with the signing fields in the body', async () => {
    await channel('feishu', { locale: 'en' }).deliver(sampleMonthly());

    const body = hooks.accepted('feishu')[0]?.body as {
      timestamp: string;
      sign: string;
      card: { header: { title: { content: string } } };
    };
    expect(body.timestamp).toMatch(/^\d{10}$/);
    expect(body.card.header.title.content).toBe('喵喵商城 · Mini Program monthly report');
  });

  it('DingTalk: the timestamp in milliseconds and the URL-encoded sign in the query', async () => {
    await channel('dingtalk').deliver(sampleDaily());

    const query = hooks.accepted('dingtalk')[0]?.rawQuery ?? '';
    expect(query).toMatch(/^access_token=dt-robot-token&timestamp=\d{13}&sign=[A-Za-z0-9%]+$/);
  });

  it('Slack: Block Kit with the headline as text fallback', async () => {
    await channel('slack', { locale: 'en' }).deliver(sampleDaily());

    const body = hooks.accepted('slack')[0]?.body as { text: string; blocks: { type: string }[] };
    expect(body.text).toMatch(/^喵喵商城 · Nov 21, 2026: [\d,]+ visitors/);
    expect(body.blocks[0]?.type).toBe('header');
  });

  it('JSON: type, timestamp and the --json object as data, signed the Standard Webhooks way', async () => {
    await channel('json').deliver(sampleMonthly());

    const received = hooks.accepted('json')[0];
    const body = received?.body as { type: string; timestamp: string; data: { month: string; cohort: object } };
    expect(body.type).toBe('report.monthly');
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
    expect(body.data.month).toBe('2026-10');
    expect(received?.headers['webhook-id']).toMatch(/^msg_/);
    expect(received?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });
});

describe('refusals', () => {
  it.each([
    ['feishu', /code 19021 .*signature rejected; check the bot's signing secret/],
    ['lark', /code 19021/],
    ['dingtalk', /errcode 310000 .*check the signing secret/],
    ['json', /HTTP 401/],
  ] as const)('%s: a wrong secret fails at once with the platform reason', async (kind, reason) => {
    const wrong =
      kind === 'json'
        ? `whsec_${Buffer.from('another-key-of-32-bytes-length!!').toString('base64')}`
        : 'wrong-secret-123';

    const error = (await channel(kind, { secret: wrong })
      .deliver(sampleDaily())
      .catch((e: unknown) => e)) as Error;

    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain(wrong);
    expect(hooks.requests(receiverOf(kind))).toBe(1);
  });

  it('WeCom: a wrong key is reported without the URL or the key', async () => {
    const url = `${hooks.base}/cgi-bin/webhook/send?key=not-the-key-abcdef`;

    const error = (await channel('wecom', { url })
      .deliver(sampleDaily())
      .catch((e: unknown) => e)) as Error;

    expect(error.message).toMatch(/WeCom errcode 93000 .*robot key is invalid/);
    expect(error.message).not.toContain('not-the-key-abcdef');
  });

  it('refuses a plain-HTTP URL that is not this machine', () => {
    expect(() => channel('slack', { url: 'http://hooks.slack.com/services/T/B/X' })).toThrow(
      /^slack webhook: its URL must start with https:\/\/ \(plain http:\/\/ only to this machine\), not http:\/\//,
    );
  });

  it('says the receiver refused the connection, where the URL was set, and never the key', async () => {
    // Prepare: the receivers of a group robot that went away.
    const gone = await startWebhookReceivers();
    const url = gone.urls.wecom;
    await gone.close();

    // Act
    const error = (await channel('wecom', { url, setting: 'WXA_WEBHOOK_WECOM' })
      .deliver(sampleDaily())
      .catch((e: unknown) => e)) as Error;

    // Assess
    const host = new URL(url).host;
    expect(error.message).toBe(
      `wecom webhook (${host}): connection refused: nothing accepts connections at ${host}. Check the host and port in WXA_WEBHOOK_WECOM, and any proxy or firewall on the way (tried ${FAST_RETRY.maxAttempts} times)`,
    );
    expect(error.message).not.toContain(gone.wecomKey);
  });

  it.each([
    ['wrapped in quotes', (url: string) => `'${url}'`, 'is wrapped in quotes: remove them'],
    [
      'typed with a Chinese input method',
      (url: string) => url.replace('://', '：//'),
      'contains a full-width character',
    ],
    ['cut in two', (url: string) => url.replace('/send', ' /send'), 'contains a space or a line break'],
    ['without its scheme', (url: string) => url.replace(/^http:\/\//, ''), 'does not start with https://'],
  ])('names the setting of a URL %s, never its value', (_how, spoil, problem) => {
    const url = spoil(hooks.urls.wecom);

    const error = (() => {
      try {
        channel('wecom', { url, setting: '--webhook wecom=…' });
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    })();

    expect(error).toMatch(
      new RegExp(`^wecom webhook: --webhook wecom=… ${problem.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
    expect(error).not.toContain(hooks.wecomKey);
  });

  it('refuses a json secret that is not whsec_', () => {
    expect(() => channel('json', { secret: 'plain' })).toThrow(/whsec_/);
  });
});

describe('throttling and transient errors are retried', () => {
  it.each([
    ['wecom', { status: 200, body: '{"errcode":45009,"errmsg":"api freq out of limit"}' }],
    ['feishu', { status: 200, body: '{"code":11232,"msg":"frequency limited"}' }],
    ['dingtalk', { status: 200, body: '{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}' }],
    ['slack', { status: 429, body: 'rate_limited' }],
    ['json', { status: 503, body: 'busy' }],
    ['wecom', { status: 502, body: 'bad gateway' }],
  ] as const)('%s answering %j twice, then accepting', async (kind, fault) => {
    hooks.failNext(receiverOf(kind), 2, fault);

    await channel(kind).deliver(sampleDaily());

    expect(hooks.requests(receiverOf(kind))).toBe(3);
    expect(hooks.accepted(receiverOf(kind))).toHaveLength(1);
  });

  it('gives up after the attempts allowed', async () => {
    hooks.failNext('slack', 10, { status: 429, body: 'rate_limited' });

    await expect(channel('slack').deliver(sampleDaily())).rejects.toThrow(/slack webhook .*HTTP 429/);
    expect(hooks.requests('slack')).toBe(FAST_RETRY.maxAttempts);
  });

  it('signs each attempt afresh', async () => {
    hooks.failNext('dingtalk', 1, { status: 500, body: '' });

    await channel('dingtalk').deliver(sampleDaily());

    expect(hooks.accepted('dingtalk')).toHaveLength(1);
  });
});

describe('size limits', () => {
  const longName = `${'超长的小程序名称'.repeat(400)}👨‍👩‍👧`;

  it.each(KINDS)('%s shortens a report with a very long app name instead of failing', async (kind) => {
    for (const report of [sampleDaily(longName), sampleMonthly(longName)]) await channel(kind).deliver(report);

    expect(hooks.accepted(receiverOf(kind))).toHaveLength(2);
  });

  it('keeps the richest version that fits, and never cuts a character in half', async () => {
    await channel('wecom').deliver(sampleDaily(longName));
    await channel('wecom').deliver(sampleDaily());

    const [long, normal] = hooks
      .accepted('wecom')
      .map((m) => (m.body as { markdown: { content: string } }).markdown.content);
    expect(Buffer.byteLength(long ?? '')).toBeLessThanOrEqual(4096);
    expect(long).not.toContain('\uFFFD');
    expect(long).toMatch(/…\*\*/);
    expect(long).toContain('访问人数');
    // The normal report keeps all 14 trend rows.
    expect((normal?.match(/^\d+月\d+日 周/gm) ?? []).length).toBe(14);
  });
});

describe('several channels', () => {
  it('delivers to the others when one fails, then fails the run naming the one that failed', async () => {
    const dir = await tempDir();
    hooks.failNext('feishu', 10, { status: 200, body: '{"code":19024,"msg":"Key Words Not Found"}' });
    const channels = [
      new EmailChannel({ sender: new OutboxEmailSender(dir.path), from: 'r@example.com', to: ['o@example.com'] }),
      channel('wecom'),
      channel('feishu'),
      channel('slack'),
    ];

    const error = (await deliverToAll(channels, sampleDaily(), ['s3://b/raw/x.json'], silentLogger).catch(
      (e: unknown) => e,
    )) as DeliveryError;

    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.failures.map((f) => f.channel)).toEqual([`feishu webhook (${new URL(hooks.base).host})`]);
    expect(error.delivered.map((d) => d.channel)).toEqual([
      'email',
      expect.stringMatching(/^wecom/),
      expect.stringMatching(/^slack/),
    ]);
    expect(error.message).toMatch(
      /the data is archived \(s3:\/\/b\/raw\/x\.json\), but sending failed on feishu webhook .*keywords/,
    );
    await dir.remove();
  });
});

describe('the send pacer', () => {
  it('spaces messages to one webhook by the platform interval, and others not at all', async () => {
    let now = 0;
    const slept: number[] = [];
    const pacer = new SendPacer(
      () => now,
      async (ms) => {
        slept.push(ms);
        now += ms;
      },
    );

    await Promise.all([pacer.wait('a', 3000), pacer.wait('a', 3000), pacer.wait('b', 3000), pacer.wait('a', 3000)]);

    expect(slept).toEqual([3000, 3000]);
  });
});
