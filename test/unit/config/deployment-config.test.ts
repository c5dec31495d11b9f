import { describe, expect, it } from 'vitest';
import { isEventBridgeCron, parseDeploymentConfig } from '../../../lambda/config/deployment-config.js';

const valid = {
  apps: [{ name: 'shop', recipients: ['ops@example.com'] }],
  email: { transport: 'smtp', from: 'r@example.com' },
};

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
      /apps\.0\.webhooks\.0 must be one of wecom, feishu, lark, dingtalk, slack, json/,
    ],
    [{ ...valid, schedule: { daily: 'cron(0 10 * * * *)' } }, /schedule\.daily must be an EventBridge cron expression/],
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
      /apps\.0\.tokenService must be an https:\/\/ URL/,
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
    [
      { ...valid, apps: [{ name: 'shop', recipients: ['a@b.co'], webhook: ['wecom'] }] },
      /apps\.0\.webhook is not a field; did you mean webhooks\?/,
    ],
    [{ ...valid, emial: { transport: 'smtp' } }, /emial is not a field; did you mean email\?/],
    [{ ...valid, schedule: { cutoffhour: 17 } }, /schedule\.cutoffhour is not a field; did you mean cutoffHour\?/],
    [{ ...valid, digest: { recipients: ['b@b.co'], colour: 'red' } }, /digest\.colour is not a field$/m],
  ])('names an unknown field with the closest known one, never dropping it (%#)', (input, message) => {
    expect(() => parseDeploymentConfig(input)).toThrow(message);
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
  ])('accepts %s', (expression) => expect(isEventBridgeCron(expression)).toBe(true));

  it.each([
    'cron(0 10 * * * *)',
    'cron(0 10 * *)',
    '0 10 * * ?',
    'rate(1 day)',
    'cron(0 10 ? * ? *)',
    'cron(61x 10 * * ? *)',
  ])('refuses %s', (expression) => expect(isEventBridgeCron(expression)).toBe(false));
});
