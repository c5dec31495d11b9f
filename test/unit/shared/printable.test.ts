import { describe, expect, it } from 'vitest';
import { httpVerdict } from '../../../lambda/notify/webhook/webhook-platform.js';
import { classifyFailure } from '../../../lambda/shared/classify-failure.js';
import { printable } from '../../../lambda/shared/printable.js';
import { WechatApiError } from '../../../lambda/wechat/errors.js';

// Excerpts of what came from outside, as a person sees them: one line, nothing a terminal acts on.

describe('printable', () => {
  it('escapes control characters, separators and bidirectional controls, and keeps the rest', () => {
    // Act
    const shown = printable('<html>\r\n\t\u001b[31m红\u0000\u007f\u0085\u2028\u202e🙂');

    // Assess
    expect(shown).toBe('<html>\\r\\n\t\\x1b[31m红\\x00\\x7f\\x85\\u2028\\u202e🙂');
  });

  it('cuts at a number of characters (never inside one), then says so', () => {
    expect(printable('喵喵商城🙂🙂', { max: 5 })).toBe('喵喵商城🙂…');
    expect(printable('short', { max: 5 })).toBe('short');
  });

  it('keeps line breaks only when asked (a message its caller joins)', () => {
    expect(printable('a\nb\r', { keepNewlines: true })).toBe('a\nb\\r');
  });
});

describe('excerpts of answers in failure lines', () => {
  it("a webhook's HTML error page stays on one line", () => {
    // Act
    const verdict = httpVerdict(404, '<html>\r\n<body>\u001b[2JNot Found</body>\r\n</html>');

    // Assess
    expect(verdict).toMatchObject({ reason: 'HTTP 404: <html>\\r\\n<body>\\x1b[2JNot Found</body>\\r\\n</html>' });
  });

  it("WeChat's errmsg and any error's message are shown escaped", () => {
    // Act
    const wechat = new WechatApiError('getDailyVisitTrend', 40001, 'invalid credential\u001b[31m\r');
    const other = classifyFailure(new Error('proxy said \u001b]0;title\u0007 no'));

    // Assess
    expect(wechat.message).toContain('(invalid credential\\x1b[31m)');
    expect([other.line.includes('\u001b'), other.line.includes('\u0007')]).toEqual([false, false]);
    expect(other.line).toContain('proxy said \\x1b]0;title\\x07 no');
  });
});
