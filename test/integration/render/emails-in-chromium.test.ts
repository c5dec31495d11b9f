import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportEmail } from '../../../lambda/notify/email-channel.js';
import { STATUS_HEX } from '../../../lambda/render/colours.js';
import type { ReportMessage } from '../../../lambda/report/report-message.js';
import { dailyStatus, digestStatus, type ReportStatus } from '../../../lambda/report/report-status.js';
import { type EmailBrowser, launchEmailBrowser, SCHEMES, WIDTHS } from '../../support/email-browser.js';
import { SAMPLE_LOCALES, SAMPLE_MESSAGES } from '../../support/render-samples.js';

let browser: EmailBrowser;
beforeAll(async () => {
  browser = await launchEmailBrowser();
});
afterAll(() => browser?.close());

const VIEWS = SAMPLE_LOCALES.flatMap((locale) =>
  SCHEMES.flatMap((scheme) => WIDTHS.map((width) => ({ locale, scheme, width }))),
);

describe.each(Object.keys(SAMPLE_MESSAGES))('the %s email in headless Chromium', (name) => {
  it.each(VIEWS)('$locale, $scheme, $width px: headline in view, nothing overflows, no broken words', async (view) => {
    // Prepare
    const message = SAMPLE_MESSAGES[name]?.() ?? expect.unreachable();
    const { email } = renderReportEmail(message, view.locale);

    // Act
    const layout = await browser.check(email.html, {
      width: view.width,
      scheme: view.scheme,
      screenshot: `${name}.${view.locale}.${view.scheme}.${view.width}.png`,
    });

    // Assess
    if (message.kind === 'daily' || message.kind === 'digest') {
      expect(layout.headlineBottom).not.toBeNull();
      expect(layout.headlineBottom).toBeLessThanOrEqual(400);
    }
    expect(layout.overflows).toEqual([]);
    expect(layout.brokenWords).toEqual([]);
    expect(layout.horizontalScroll).toBe(0);
    // The status colour in both schemes: dark mode lightens it, never turns it white.
    const status = statusOf(message);
    expect(layout.colours.bar).toBe(rgb(STATUS_HEX[status][view.scheme].bar));
    for (const colour of layout.colours.status) expect(colour).toBe(rgb(STATUS_HEX[status][view.scheme].text));
    // The status in words, and on an unusual day each unusual metric's line, in that colour.
    if (status !== 'normal') expect(layout.colours.status.length).toBeGreaterThan(message.kind === 'daily' ? 1 : 0);
  });
});

function statusOf(message: ReportMessage): ReportStatus {
  if (message.kind === 'daily') return dailyStatus(message.report);
  if (message.kind === 'digest') return digestStatus(message.report);
  return message.kind === 'no-data' ? 'watch' : 'normal';
}

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

describe('the browser checks catch what they look for', () => {
  const page = (body: string) =>
    `<!DOCTYPE html><html lang="zh-CN"><head><meta name="viewport" content="width=device-width, initial-scale=1"></head><body style="margin:0;font-size:14px;">${body}</body></html>`;

  it('a word squeezed into a column of single characters, and a split number', async () => {
    const html = page(
      `<table style="width:100%;border-collapse:collapse;"><tr><td style="width:99%;">${'很长的名字'.repeat(20)}</td><td>失败</td><td style="width:1px;word-break:break-all;">12,345</td></tr></table>`,
    );

    const layout = await browser.check(html, { width: 375, scheme: 'light', screenshot: 'check-broken-words.png' });

    expect(layout.brokenWords).toEqual(
      expect.arrayContaining([expect.stringContaining('"失败" split'), expect.stringContaining('"12,345" split')]),
    );
  });

  it('one character of a longer Chinese word alone on a line', async () => {
    const html = page('<div style="width:85px;font-size:20px;line-height:28px;">小程序日报</div>');

    const layout = await browser.check(html, { width: 375, scheme: 'light', screenshot: 'check-orphan.png' });

    expect(layout.brokenWords).toEqual(expect.arrayContaining([expect.stringMatching(/alone on a line/)]));
  });

  it('text past its box, and a page wider than the phone', async () => {
    const html = page(
      '<div style="width:300px;white-space:nowrap;">a line of text that cannot wrap and runs far past the edge of its box</div><table style="width:600px;"><tr><td>600 px</td></tr></table>',
    );

    const layout = await browser.check(html, { width: 375, scheme: 'light', screenshot: 'check-overflow.png' });

    expect(layout.overflows).toEqual(expect.arrayContaining([expect.stringMatching(/past its box/)]));
    expect(layout.horizontalScroll).toBeGreaterThan(200);
  });
});
