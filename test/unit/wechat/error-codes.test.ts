import { describe, expect, it } from 'vitest';
import { errcodeInfo, normaliseErrmsg } from '../../../lambda/wechat/error-codes.js';
import { WechatApiError } from '../../../lambda/wechat/errors.js';

describe('WeChat errcodes', () => {
  it.each([
    [-1, 'retry'],
    [61504, 'retry'],
    [45011, 'retry'],
    [40001, 'refresh-token'],
    [40014, 'refresh-token'],
    [42001, 'refresh-token'],
    [61503, 'not-yet-available'],
    [40013, 'fatal'],
    [40125, 'fatal'],
    [41001, 'fatal'],
    [48001, 'fatal'],
    [61007, 'fatal'],
    [61500, 'fatal'],
    [61501, 'fatal'],
    [61502, 'fatal'],
    [45009, 'fatal'],
    [99999, 'fatal'],
  ])('handles %i as %s', (errcode, handling) => {
    expect(errcodeInfo(errcode).handling).toBe(handling);
  });

  it('strips the per-request rid and hint suffixes so messages can be matched', () => {
    expect(normaliseErrmsg('invalid appid rid: 6530e1c1-4bd5f1a2-2f0e3c8b')).toBe('invalid appid');
    expect(normaliseErrmsg('invalid credential hint: [Aa1Bb2] rid: 1234')).toBe('invalid credential');
    expect(
      normaliseErrmsg(
        'invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r rid: 65',
      ),
    ).toBe('invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken');
  });

  it('puts the code, the API, the meaning and the fix in the message', () => {
    const error = new WechatApiError('getDailyVisitTrend', 48001, 'api unauthorized rid: abc');

    expect(error.errmsg).toBe('api unauthorized');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('getDailyVisitTrend');
    expect(error.message).toContain('48001');
    expect(error.message).toMatch(/verified/);
  });
});
