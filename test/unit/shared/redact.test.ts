import { describe, expect, it } from 'vitest';
import { redactWebhookText, webhookUrlSecrets } from '../../../lambda/notify/webhook/webhook-secrets.js';
import {
  redactedError,
  redactFields,
  redactSecrets,
  redactServerUrl,
  redactServerUrls,
} from '../../../lambda/shared/redact.js';

describe('redactSecrets: what any URL quoted in a text may hold', () => {
  it.each([
    ['Cannot POST /services/T0A1B2C3D/B4E5F6G7H/xoxbSecretToken99', 'Cannot POST /services/T0A1B2C3D/B4E5F6G7H/***'],
    [
      'Cannot POST /cgi-bin/webhook/send?key=693a91f6-7aoc-4bc4&debug=1',
      'Cannot POST /cgi-bin/webhook/send?key=***&debug=1',
    ],
    ['404 /open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978', '404 /open-apis/bot/v2/hook/***'],
    [
      'GET /robot/send?access_token=3a9c0e1d2b4f&timestamp=1&sign=abc%2B',
      'GET /robot/send?access_token=***&timestamp=1&sign=***',
    ],
    [
      'smtp://reports%40example.com:p4ss@smtp.qq.com:465 refused',
      'smtp://reports%40example.com:***@smtp.qq.com:465 refused',
    ],
    ['http://127.0.0.1:8080/x stays', 'http://127.0.0.1:8080/x stays'],
    [
      'POST /paths/invoke?api-version=2016-06-01&sv=1.0&sig=AbCdEf0123456789_-xyz: not found',
      'POST /paths/invoke?api-version=2016-06-01&sv=1.0&sig=***: not found',
    ],
    ['{"path":"/x?a=1\\u0026code=f00bar\\u0026b=2"}', '{"path":"/x?a=1\\u0026code=***\\u0026b=2"}'],
    [
      'https://bucket.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=9f86d0 (expired)',
      'https://bucket.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=*** (expired)',
    ],
  ])('%s', (text, redacted) => {
    expect(redactSecrets(text)).toBe(redacted);
  });

  it('reaches every string of a log line, errors included', () => {
    const fields = redactFields({
      app: 'shop',
      error: new Error('Cannot POST /services/T1/B2/zzzzSECRET'),
      nested: [{ url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k3y-v4lue' }],
    });

    expect(JSON.stringify(fields)).not.toMatch(/zzzzSECRET|k3y-v4lue/);
    expect(fields).toMatchObject({ app: 'shop', error: { name: 'Error', message: 'Cannot POST /services/T1/B2/***' } });
  });

  it('lets a handler throw an error without the secret, or the same one when it had none', () => {
    const plain = new Error('the event must be {"job": …}');

    expect(redactedError(new Error('GET /x?access_token=t0k3n failed')).message).toBe('GET /x?access_token=*** failed');
    expect(redactedError(plain)).toBe(plain);
  });
});

describe("webhookUrlSecrets: by what each platform's URL holds", () => {
  it.each([
    ['wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aoc', ['693a91f6-7aoc']],
    ['dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=3a9c0e1d2b4f', ['3a9c0e1d2b4f']],
    ['slack', 'https://hooks.slack.com/services/T0A1/B4E5/xoxbSecretToken99', ['xoxbSecretToken99']],
    ['feishu', 'https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c-4b5a', ['0f1e2d3c-4b5a']],
    ['lark', 'https://open.larksuite.com/open-apis/bot/v2/hook/9a8b7c6d', ['9a8b7c6d']],
    [
      'json',
      'https://hooks.zapier.com/hooks/catch/1234567/abcdefg/?token=q5ecret',
      ['/hooks/catch/1234567/abcdefg/', '1234567', 'abcdefg', 'q5ecret'],
    ],
  ] as const)('%s', (kind, url, secrets) => {
    expect(webhookUrlSecrets(kind, url)).toEqual(expect.arrayContaining([url, ...secrets]));
  });

  it('takes them out of an answer in any form it quotes them', () => {
    const url = 'https://hooks.example.com/hooks/json/s3cr3t-path-t0ken?sig=abcdef123';
    const answer = `Cannot POST /hooks/json/s3cr3t-path-t0ken?sig=abcdef123 (${encodeURIComponent('/hooks/json/s3cr3t-path-t0ken')})`;

    const redacted = redactWebhookText(answer, webhookUrlSecrets('json', url));

    expect(redacted).not.toMatch(/s3cr3t|abcdef123/);
    expect(redacted).toMatch(/^Cannot POST /);
  });

  it('takes out a piece of one that the answer itself cut short, and a form it wrote differently', async () => {
    const sig = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/AbCdE';
    const url = `https://prod-00.westus.logic.azure.com/workflows/1f2e/triggers/manual/paths/invoke?sv=1.0&sig=${encodeURIComponent(sig).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())}`;
    const answer = `{"message":"The request path '/workflows/1f2e/...?sv=1.0\\u0026sig=${sig.slice(0, 20)}' was not found","raw":"${sig.replaceAll('/', '\\/')}"}`;

    const redacted = redactWebhookText(answer, webhookUrlSecrets('json', url));

    for (let i = 0; i + 8 <= sig.length; i++) expect(redacted).not.toContain(sig.slice(i, i + 8));
    expect(redacted).toMatch(/^\{"message":"The request path /);
  });
});

describe("a URL of the user's own server", () => {
  it.each([
    ['http://127.0.0.1:18414/token/PATHSECRET66?key=TOKSECRET55', 'http://127.0.0.1:18414/token/***?***'],
    ['https://relay.example.com/wxa-relay', 'https://relay.example.com/wxa-relay'],
    ['https://relay.example.com/0f9a8b7c6d5e4f3a/token', 'https://relay.example.com/***/***'],
    ['https://tokens.example.com', 'https://tokens.example.com/'],
    ['https://tokens.example.com/?t=s3cr3t', 'https://tokens.example.com/?***'],
  ])('%s shows as %s', (url, shown) => {
    expect(redactServerUrl(url)).toBe(shown);
  });

  it('is masked so inside a text too (a fetch error quoting it)', () => {
    const text =
      'Request cannot be constructed from a URL that includes credentials: http://127.0.0.1:1/relay/RELAYPATHSECRET?x=1';

    expect(redactServerUrls(text)).toBe(
      'Request cannot be constructed from a URL that includes credentials: http://127.0.0.1:1/relay/***?***',
    );
  });
});
