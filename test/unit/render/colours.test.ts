import { describe, expect, it } from 'vitest';
import { deploymentConfigSchema } from '../../../lambda/config/deployment-config.js';
import { renderReportEmail } from '../../../lambda/notify/email-channel.js';
import { PLATFORMS } from '../../../lambda/notify/webhook/webhook-channel.js';
import { COLOUR_CONVENTIONS, type ColourConvention } from '../../../lambda/render/colours.js';
import { sampleDailyAnomaly } from '../../support/sample-reports.js';
import { NOW } from '../../support/simulator.js';

// The anomaly sample has both: visitors down (▼ -34.3%) and new users up (▲ +92.9%).
const message = sampleDailyAnomaly();
const UP = '▲ +92.9%';
const DOWN = '▼ -34.3%';

/** The colour a platform gave the change `text`. */
const colourOf = (markup: string, text: string) =>
  new RegExp(`color=["']([^"']+)["']>${text.replace(/[+.]/g, '\\$&')}<`).exec(markup)?.[1];

const EXPECTED: Readonly<
  Record<
    ColourConvention,
    { email: [string, string]; dark: [string, string]; wecom: [string, string]; feishu: [string, string] }
  >
> = {
  'blue-orange': {
    email: ['#0969da', '#bc4c00'],
    dark: ['#4493f8', '#f0883e'],
    wecom: ['comment', 'warning'],
    feishu: ['blue', 'orange'],
  },
  'red-up': {
    email: ['#cf222e', '#1a7f37'],
    dark: ['#ff7b72', '#3fb950'],
    wecom: ['warning', 'info'],
    feishu: ['red', 'green'],
  },
  'green-up': {
    email: ['#1a7f37', '#cf222e'],
    dark: ['#3fb950', '#ff7b72'],
    wecom: ['info', 'warning'],
    feishu: ['green', 'red'],
  },
};

describe.each(COLOUR_CONVENTIONS)('the %s convention', (colours) => {
  const expected = EXPECTED[colours];

  it('colours up and down the same way in the email (light and dark) and in every chat, arrows kept', () => {
    // Act
    const { html } = renderReportEmail(message, 'zh-CN', colours).email;
    const options = { colours };
    const wecom = (PLATFORMS.wecom.payload(message, 'zh-CN', NOW, options) as { markdown: { content: string } })
      .markdown.content;
    const dingtalk = (PLATFORMS.dingtalk.payload(message, 'zh-CN', NOW, options) as { markdown: { text: string } })
      .markdown.text;
    const feishu = JSON.stringify(PLATFORMS.feishu.payload(message, 'zh-CN', NOW, options));
    const slack = JSON.stringify(PLATFORMS.slack.payload(message, 'zh-CN', NOW, options));

    // Assess
    const [up, down] = expected.email;
    expect(html).toContain(`<span class="wxa-up" style="color:${up};white-space:nowrap;">${UP}</span>`);
    expect(html).toContain(`<span class="wxa-down" style="color:${down};white-space:nowrap;">${DOWN}</span>`);
    expect(html).toContain(`.wxa-up { color: ${expected.dark[0]} !important; }`);
    expect(html).toContain(`.wxa-down { color: ${expected.dark[1]} !important; }`);
    expect([colourOf(dingtalk, UP), colourOf(dingtalk, DOWN)]).toEqual(expected.email);
    expect([colourOf(wecom, UP), colourOf(wecom, DOWN)]).toEqual(expected.wecom);
    expect([colourOf(feishu, UP), colourOf(feishu, DOWN)]).toEqual(expected.feishu);
    // Slack's Block Kit has no text colour: the arrows carry the direction there, as everywhere.
    expect(slack).toContain(UP);
    expect(slack).toContain(DOWN);
  });

  it('is a setting of the deployment, an app and the digest', () => {
    const config = deploymentConfigSchema.parse({
      colours,
      apps: [{ name: 'shop', recipients: [], webhooks: ['wecom'], colours }],
      digest: { webhooks: ['wecom'], colours },
    });

    expect([config.colours, config.apps[0]?.colours, config.digest?.colours]).toEqual([colours, colours, colours]);
  });
});

describe('the colours setting', () => {
  it('defaults to blue-orange and names a wrong value with the three it takes', () => {
    expect(deploymentConfigSchema.parse({}).colours).toBe('blue-orange');

    const result = deploymentConfigSchema.safeParse({ apps: [{ name: 'a', webhooks: ['wecom'], colours: 'rainbow' }] });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['apps', 0, 'colours']);
    expect(result.error?.issues[0]?.message).toBe('must be one of "blue-orange", "red-up", "green-up"');
  });
});
