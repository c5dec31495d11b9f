import { describe, expect, it } from 'vitest';
import { isEventBridgeCron, parseDeploymentConfig } from '../../../lambda/config/deployment-config.js';

const valid = {
  apps: [{ name: 'shop', recipients: ['ops@example.com'] }],
  email: { transport: 'smtp', from: 'r@example.com' },
};

/** What parsing says of an input: its error message, or "accepted". */
function problemsOf(input: unknown): string {
  try {
    parseDeploymentConfig(input);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
}

describe('the deployment config', () => {
  it('fills the documented defaults', () => {
    const config = parseDeploymentConfig(valid);

    expect(config.language).toBe('zh-CN');
    expect(config.parameterPrefix).toBe('/wxa-reporter/');
    expect(config.schedule).toEqual({
      timeZone: 'Asia/Shanghai',
      daily: 'cron(0 10 * * ? *)',
      monthly: 'cron(30 10 2 * ? *)',
      retry: 'cron(0 11-18 * * ? *)',
      discover: 'cron(30 9 * * ? *)',
      cutoffHour: 18,
    });
    expect(config.apps[0]).toEqual({ name: 'shop', recipients: ['ops@example.com'], webhooks: [] });
  });

  it.each([
    [
      { ...valid, apps: [{ name: 'shop', recipients: ['not-an-address'] }] },
      /apps\.0\.recipients\.0 is not an email address/,
    ],
    [
      { ...valid, apps: [{ name: 'shop', webhooks: ['teams'] }] },
      /apps\.0\.webhooks\.0 must be one of "wecom", "feishu", "lark", "dingtalk", "slack", "json"/,
    ],
    [
      { ...valid, schedule: { daily: 'cron(0 10 * * * *)' } },
      /schedule\.daily must have "\?" in exactly one of day-of-month and day-of-week/,
    ],
    [{ ...valid, schedule: { monthly: '0 10 2 * *' } }, /schedule\.monthly must be an EventBridge cron expression/],
    [{ ...valid, schedule: { timeZone: 'Beijing' } }, /schedule\.timeZone is not an IANA time zone/],
    [
      { ...valid, digest: { recipients: ['boss@example.com'], webhooks: [] }, email: undefined },
      /digest\.recipients recipients need an email transport/,
    ],
    [{ ...valid, apps: [{ name: 'my shop', recipients: ['a@b.co'] }] }, /apps\.0\.name use 1-64 letters/],
    [{ ...valid, apps: [valid.apps[0], valid.apps[0]] }, /apps\.1\.name "shop" is listed twice/],
    [{ apps: [{ name: 'shop', recipients: ['a@b.co'] }] }, /apps\.0\.recipients recipients need an email transport/],
    [{ ...valid, apps: [{ name: 'shop' }] }, /apps\.0 has neither recipients nor webhooks/],
    [{ ...valid, parameterPrefix: 'wxa' }, /parameterPrefix must start and end with "\/"/],
    [{ ...valid, language: 'fr' }, /language/],
    [{ ...valid, email: { transport: 'ses', from: 'r@example.com' } }, /email\.identity/],
    [
      { ...valid, apps: [{ name: 'shop', recipients: ['a@b.co'], tokenService: 'http://tokens.example.com/t' }] },
      /apps\.0\.tokenService must start with https:\/\/ \(plain http:\/\/ only to this machine\), not http:\/\//,
    ],
    [
      { ...valid, apps: [{ name: 'shop', recipients: ['a@b.co'], tokenService: 'https://u:p@tokens.example.com/t' }] },
      /apps\.0\.tokenService carries a user name or password/,
    ],
    [
      { ...valid, apps: [{ name: 'shop', recipients: ['a@b.co'], relayUrl: 'https：//env.service.tcloudbase.com/r' }] },
      /apps\.0\.relayUrl contains a full-width character/,
    ],
    [
      { ...valid, component: { appid: 'wxc0mp0nent0000001', tokenService: 'tokens.example.com/component' } },
      /component\.tokenService does not start with https:\/\//,
    ],
    [
      { ...valid, apiBase: 'https://api.weixin.qq.com，https://api2.weixin.qq.com' },
      /apiBase contains a full-width character \(：／＠，/,
    ],
    [
      { ...valid, apiBase: 'https://api.weixin.qq.com,api2.weixin.qq.com' },
      /apiBase \(entry 2 of 2\): "api2\.weixin\.qq\.com" is not a URL/,
    ],
    [
      { ...valid, component: { appid: 'wxc0mp0nent0000001', defaults: { recipients: [] } } },
      /component\.defaults has neither recipients nor webhooks/,
    ],
    [{ ...valid, component: { appid: 'wx123' } }, /component\.appid is not an AppID/],
  ])('names the field that is wrong (%#)', (input, message) => {
    expect(() => parseDeploymentConfig(input)).toThrow(message);
  });

  it.each([
    [{ ...valid, email: { transport: 'smpt', from: 'r@example.com' } }, 'email.transport must be one of "smtp", "ses"'],
    [{ ...valid, language: 'fr' }, 'language must be one of "zh-CN", "en"'],
    [
      { ...valid, digest: { recipients: [], webhooks: ['wecom'], language: 'jp' } },
      'digest.language must be one of "zh-CN", "en"',
    ],
    [{ ...valid, schedule: { cutoffHour: 25 } }, 'schedule.cutoffHour must be at most 23'],
    [{ ...valid, schedule: { cutoffHour: '18' } }, 'schedule.cutoffHour must be a number'],
    [{ ...valid, apps: [{ recipients: ['a@b.co'] }] }, 'apps.0.name is required'],
    [{ ...valid, email: { transport: 'smtp' } }, 'email.from is required'],
    [{ ...valid, archive: { apis: 'visit-page' } }, 'archive.apis must be a list'],
  ])('says what an enum, a union, a type or a bound takes, not "Invalid input" (%#)', (input, line) => {
    const message = problemsOf(input);

    expect(message).toContain(line);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('Invalid input');
  });

  it.each([
    ['cron(0 25 * * ? *)', 'has hours 25, out of range (0-23)'],
    ['cron(60 10 * * ? *)', 'has minutes 60, out of range (0-59)'],
    ['cron(0 10 32 * ? *)', 'has day-of-month 32, out of range (1-31)'],
    ['cron(0 10 ? 13 MON *)', 'has month 13, out of range (1-12 or JAN-DEC)'],
    ['cron(0 10 ? * 8 *)', 'has day-of-week 8, out of range (1-7 or SUN-SAT)'],
    ['cron(0 10 * * ? 1969)', 'has year 1969, out of range (1970-2199)'],
    ['cron(0 9-24 * * ? *)', 'has hours 24, out of range (0-23)'],
    ['cron(0 10 ? * 2#6 *)', 'has day-of-week "2#6", # takes 1-5'],
    ['cron(0/90 * * * ? *)', 'has minutes "0/90", an increment must be from 1 to 59'],
    ['cron(0 */24 * * ? *)', 'has hours "*/24", an increment must be from 1 to 23'],
    ['cron(0 10 1/32 * ? *)', 'has day-of-month "1/32", an increment must be from 1 to 31'],
    ['cron(0 10 1 1/13 ? *)', 'has month "1/13", an increment must be from 1 to 12'],
    ['cron(0 10 ? * 1/8 *)', 'has day-of-week "1/8", an increment must be from 1 to 7'],
    ['cron(0 10/0 * * ? *)', 'has hours "10/0", an increment must be from 1 to 23'],
    ['cron(0 10 * * * *)', 'must have "?" in exactly one of day-of-month and day-of-week'],
  ])('names the field of a cron expression that is out of range (values and increments): %s', (daily, problem) => {
    expect(() => parseDeploymentConfig({ ...valid, schedule: { daily } })).toThrow(
      `schedule.daily ${problem}; it must be an EventBridge cron expression like "cron(0 10 * * ? *)"`,
    );
  });

  it.each([
    [
      { ...valid, apps: [{ name: 'shop', recipients: ['a@b.co'], webhook: ['wecom'] }] },
      /apps\.0\.webhook is not a field; did you mean webhooks\?/,
    ],
    [{ ...valid, emial: { transport: 'smtp' } }, /emial is not a field; did you mean email\?/],
    [{ ...valid, schedule: { cutoffhour: 17 } }, /schedule\.cutoffhour is not a field; did you mean cutoffHour\?/],
    [
      { ...valid, digest: { recipients: ['b@b.co'], colour: 'red' } },
      /digest\.colour is not a field; did you mean colours\?/,
    ],
  ])('names an unknown field with the closest known one, never dropping it (%#)', (input, message) => {
    expect(() => parseDeploymentConfig(input)).toThrow(message);
  });

  it.each([
    [
      { ...valid, email: { tranport: 'smtp', from: 'r@example.com' } },
      ['email.tranport is not a field; did you mean transport?', 'email.transport must be one of "smtp", "ses"'],
    ],
    [
      { ...valid, email: { transport: 'smtp', from: 'r@example.com', form: 'x' } },
      ['email.form is not a field; did you mean from?'],
    ],
    [
      { ...valid, email: { transport: 'smtp', from: 'r@example.com', identity: 'example.com' } },
      ['email.identity is not a field here (only with transport "ses")'],
    ],
    [
      { ...valid, email: { transport: 'ses', from: 'r@example.com', identiy: 'example.com' } },
      ['email.identiy is not a field; did you mean identity?', 'email.identity is required'],
    ],
  ])('names an unknown field inside the email union, whichever form it has (%#)', (input, lines) => {
    const message = problemsOf(input);

    for (const line of lines) expect(message).toContain(line);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('Invalid input');
  });

  it('reads each email form as before', () => {
    const ses = { transport: 'ses', from: 'r@example.com', identity: 'example.com' };

    expect(parseDeploymentConfig(valid).email).toEqual(valid.email);
    expect(parseDeploymentConfig({ ...valid, email: ses }).email).toEqual(ses);
  });

  it('lists every problem at once', () => {
    expect(() => parseDeploymentConfig({ apps: [{ name: 'a b', recipients: ['x'] }], language: 'fr' })).toThrow(
      /apps\.0\.name[\s\S]*apps\.0\.recipients\.0[\s\S]*language/,
    );
  });
});

describe('EventBridge cron expressions', () => {
  it.each([
    'cron(0 10 * * ? *)',
    'cron(30 10 2 * ? *)',
    'cron(0 11-18 * * ? *)',
    'cron(0/15 9-17 ? * MON-FRI *)',
    'cron(0 8 L * ? 2027)',
    'cron(0 10 ? * 3#2 *)',
    'cron(0 10 ? * 6L *)',
    'cron(0 10 15W * ? *)',
    'cron(0 10 LW * ? *)',
    'cron(0 10 ? JAN-MAR MON-FRI *)',
    'cron(0 */2 * * ? *)',
  ])('accepts %s', (expression) => expect(isEventBridgeCron(expression)).toBe(true));

  it.each([
    'cron(0 10 * * * *)',
    'cron(0 10 * *)',
    '0 10 * * ?',
    'rate(1 day)',
    'cron(0 10 ? * ? *)',
    'cron(61x 10 * * ? *)',
    'cron(0 25 * * ? *)',
    'cron(0 10 0 * ? *)',
    'cron(0 10 ? FOO MON *)',
    'cron(0/0 10 * * ? *)',
  ])('refuses %s', (expression) => expect(isEventBridgeCron(expression)).toBe(false));
});
