import { describe, expect, it } from 'vitest';
import { parseUrlSetting, UrlSettingError, urlCredentials } from '../../../lambda/shared/url-setting.js';

const HTTPS = { protocols: ['https:'], loopbackHttp: true } as const;
const SMTP = { protocols: ['smtp:', 'smtps:'], credentialsAlternative: 'or use SMTP_PASSWORD' } as const;

/** The refusal's message, or "accepted". */
function refusal(value: string, rules: Parameters<typeof parseUrlSetting>[2]): string {
  try {
    parseUrlSetting(value, 'THE_SETTING', rules);
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(UrlSettingError);
    return (error as Error).message;
  }
}

describe('URL-shaped settings', () => {
  it.each([
    ['', 'THE_SETTING is empty: give the whole URL (https://…)'],
    ["'https://example.com/hook?key=k-secret'", 'THE_SETTING is wrapped in quotes: remove them'],
    ['“https://example.com/hook?key=k-secret”', 'THE_SETTING is wrapped in quotes: remove them'],
    ['https：//example.com/hook?key=k-secret', 'THE_SETTING contains a full-width character'],
    ['https://example.com/hook\u3000?key=k-secret', 'THE_SETTING contains a full-width character'],
    ['https://example.com/ho ok?key=k-secret', 'THE_SETTING contains a space or a line break'],
    ['example.com/hook?key=k-secret', 'THE_SETTING does not start with https://'],
    [
      'ftp://example.com/hook?key=k-secret',
      'THE_SETTING must start with https:// (plain http:// only to this machine), not ftp://',
    ],
    [
      'http://example.com/hook?key=k-secret',
      'THE_SETTING must start with https:// (plain http:// only to this machine), not http://',
    ],
    ['https://exa mple.com', 'THE_SETTING contains a space or a line break'],
    ['https://[::1/hook?key=k-secret', 'THE_SETTING is not a URL: copy it again in full (https://host/…)'],
    [
      'https://k-secret:k-secret@example.com/hook',
      'THE_SETTING carries a user name or password (user:password@ before the host), which cannot be sent this way',
    ],
    ['https://k-secret@example.com/hook', 'THE_SETTING carries a user name or password'],
  ])('refuses %j, naming the setting and never the value', (value, message) => {
    const said = refusal(value, HTTPS);

    expect(said.startsWith(message)).toBe(true);
    expect(said).not.toContain('k-secret');
  });

  it('takes https://, and http:// to this machine only', () => {
    expect(parseUrlSetting(' https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k ', 'X', HTTPS).host).toBe(
      'qyapi.weixin.qq.com',
    );
    expect(parseUrlSetting('http://127.0.0.1:8080/hook', 'X', HTTPS).port).toBe('8080');
    expect(parseUrlSetting('http://localhost/hook', 'X', HTTPS).hostname).toBe('localhost');
  });

  it.each(['pa/ss', 'pa?ss', 'pa#ss', '50%off', 'p%zz', 'a\\b'])(
    'refuses a password with %j pasted as is in a URL with credentials, listing the encodings',
    (password) => {
      const said = refusal(`smtps://user:${password}@smtp.example.com:465`, SMTP);

      expect(said).toBe(
        'THE_SETTING is not a URL that can be read: its user and password must be percent-encoded (% as %25, / as %2F, ? as %3F, # as %23, @ as %40, : as %3A, + as %2B, space as %20), or use SMTP_PASSWORD',
      );
      expect(said).not.toContain(password);
    },
  );

  it.each([
    ['reports@example.com:p@ss:w+rd', { user: 'reports@example.com', password: 'p@ss:w+rd' }],
    ['reports%40example.com:p%2Fss%25', { user: 'reports@example.com', password: 'p/ss%' }],
    ['user', { user: 'user', password: '' }],
  ])('reads the user and password of %j', (userinfo, credentials) => {
    expect(urlCredentials(parseUrlSetting(`smtp://${userinfo}@smtp.example.com:465`, 'X', SMTP))).toEqual(credentials);
  });
});
