import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveSmtpServer } from '../../../lambda/notify/smtp/smtp-settings.js';
import { MissingSecretError } from '../../../lambda/secrets/secret-source.js';
import { ParameterWriter } from '../../../lambda/secrets/ssm/parameter-writer.js';
import { SsmSecretSource } from '../../../lambda/secrets/ssm/ssm-secret-source.js';
import { classifyFailure, explainFailure } from '../../../lambda/shared/classify-failure.js';
import { awsError, refusingEndpoint, startFaultProxy } from '../../support/fault-proxy.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP } from '../../support/simulator.js';
import { ssmClientFor } from '../../support/ssm.js';

let moto: MotoServer;
let ssm: SSMClient;
beforeAll(async () => {
  moto = await startMoto();
  ssm = ssmClientFor(moto.endpoint);
});
afterAll(async () => {
  ssm?.destroy();
  await moto?.stop();
});

describe('SSM failing: every message names SSM and the parameter, never a value', () => {
  it('a read that cannot connect names the path, and is temporary', async () => {
    const client = ssmClientFor(await refusingEndpoint());
    try {
      const error = (await new SsmSecretSource(client, '/team-x/').app('shop').catch((e: unknown) => e)) as Error;

      expect(error.message).toMatch(/^cannot read the SSM parameters under \/team-x\/apps\/shop: .*ECONNREFUSED/);
      expect(classifyFailure(error)).toMatchObject({ kind: 'transient' });
    } finally {
      client.destroy();
    }
  });

  it('a refused write names the parameter and the grant, and leaves out the value even if SSM quotes it', async () => {
    const proxy = await startFaultProxy(moto.endpoint);
    const client = ssmClientFor(proxy.url);
    const url = 'smtps://reports%40example.com:p4ssw0rd-sm7p@smtp.example.com:465';
    try {
      proxy.add({
        match: (r) => r.service === 'ssm' && r.operation === 'PutParameter',
        answer: awsError(
          'ssm',
          400,
          'AccessDeniedException',
          `not authorized to perform: ssm:PutParameter (value ${url})`,
        ),
      });

      const error = (await new ParameterWriter(client, '/team-x/').putSmtpUrl(url).catch((e: unknown) => e)) as Error;

      expect(explainFailure(error)).toBe(
        'cannot write the SSM parameter /team-x/smtp/url: not authorized to perform: ssm:PutParameter (value ***): a permission is missing: grant ssm:PutParameter on /team-x/smtp/url (and kms:Encrypt on the alias/aws/ssm key)',
      );
    } finally {
      client.destroy();
      await proxy.close();
    }
  });
});

describe('secrets in SSM Parameter Store (moto)', () => {
  it("reads an app's AppID, AppSecret and webhooks in one go, decrypted", async () => {
    await new ParameterWriter(ssm, '/team-a/').putApp({
      name: 'shop',
      appid: APP.appid,
      secret: APP.secret,
      webhooks: {
        wecom: { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' },
        feishu: { url: 'https://open.feishu.cn/x', secret: 's3' },
      },
    });

    const secrets = await new SsmSecretSource(ssm, '/team-a/').app('shop');

    expect(secrets).toEqual({
      appid: APP.appid,
      secret: APP.secret,
      webhooks: {
        wecom: { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', secret: undefined },
        feishu: { url: 'https://open.feishu.cn/x', secret: 's3' },
      },
    });
  });

  it('stores secrets as SecureString and the AppID as String', async () => {
    await new ParameterWriter(ssm, '/team-b/').putApp({ name: 'shop', appid: APP.appid, secret: APP.secret });

    const secret = await ssm.send(new GetParameterCommand({ Name: '/team-b/apps/shop/secret' }));
    const appid = await ssm.send(new GetParameterCommand({ Name: '/team-b/apps/shop/appid' }));

    expect(secret.Parameter?.Type).toBe('SecureString');
    expect(appid.Parameter?.Type).toBe('String');
  });

  it('says which parameter is missing and how to add it', async () => {
    const failure = new SsmSecretSource(ssm, '/nobody/').app('ghost');

    await expect(failure).rejects.toThrow(MissingSecretError);
    await expect(failure).rejects.toThrow(
      'SSM parameter /nobody/apps/ghost/appid is missing: run "wxa-report apps add ghost"',
    );
  });

  it('needs no AppSecret for an app whose tokens come from a token service', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/team-e/apps/tea/appid', Value: APP.appid, Type: 'String' }));

    const secrets = await new SsmSecretSource(ssm, '/team-e/').app('tea', { needsSecret: false });

    expect(secrets).toEqual({ appid: APP.appid, secret: undefined, webhooks: {} });
    await expect(new SsmSecretSource(ssm, '/team-e/').app('tea')).rejects.toThrow(
      /\/team-e\/apps\/tea\/secret is missing/,
    );
  });

  it('reads the SMTP URL, or says it is missing', async () => {
    await new ParameterWriter(ssm, '/team-c/').putSmtpUrl('smtps://u:p@smtp.example.com:465');

    expect(await new SsmSecretSource(ssm, '/team-c/').smtpUrl()).toBe('smtps://u:p@smtp.example.com:465');
    await expect(new SsmSecretSource(ssm, '/team-d/').smtpUrl()).rejects.toThrow(/\/team-d\/smtp\/url is missing/);
  });
});

describe('wxa-report setup', () => {
  const awsEnv = () => ({ AWS_REGION: 'us-east-1' });
  beforeAll(() => {
    vi.stubEnv('AWS_ENDPOINT_URL', moto.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
  });
  afterAll(() => vi.unstubAllEnvs());

  it('asks for what is missing (the AppSecret without echo) and stores everything under the prefix', async () => {
    const asked: { question: string; secret: boolean }[] = [];
    const answers: Record<string, string> = { 'AppID (wx…)': APP.appid, AppSecret: APP.secret };

    const { code, stdout } = await runCliInProcess(
      [
        'setup',
        '--app',
        'coffee',
        '--webhook',
        'dingtalk=https://oapi.dingtalk.com/robot/send?access_token=t',
        '--webhook-secret',
        'dingtalk=SECabc',
      ],
      { env: awsEnv() },
      async (question, { secret }) => {
        asked.push({ question, secret });
        return answers[question] ?? '';
      },
    );

    expect(code).toBe(0);
    expect(asked).toEqual([
      { question: 'AppID (wx…)', secret: false },
      { question: 'AppSecret', secret: true },
    ]);
    expect(stdout).toContain('Stored 4 parameter(s) for "coffee"');
    expect(stdout).not.toContain(APP.secret);
    const read = await new SsmSecretSource(ssm, '/wxa-reporter/').app('coffee');
    expect(read.webhooks.dingtalk).toEqual({
      url: 'https://oapi.dingtalk.com/robot/send?access_token=t',
      secret: 'SECabc',
    });
  });

  it("stores a third-party platform's secrets (asked without echo) and its chats, as the platform function reads them", async () => {
    // Prepare
    const asked: string[] = [];
    const key = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

    // Act
    const { code, stdout } = await runCliInProcess(
      ['setup', '--component', '--prefix', '/platform/', '--component-webhook', 'wecom=https://qyapi.weixin.qq.com/x'],
      { env: { ...awsEnv(), WECHAT_COMPONENT_APPSECRET: 'c0mp0nent-secret' } },
      async (question, { secret }) => {
        asked.push(`${question}${secret ? ' (hidden)' : ''}`);
        return question.includes('EncodingAESKey') ? key : 'msg-token';
      },
    );
    const refused = await runCliInProcess(['setup', '--component', '--prefix', '/platform/'], {
      env: {
        ...awsEnv(),
        WECHAT_COMPONENT_APPSECRET: 's',
        WECHAT_COMPONENT_MESSAGE_TOKEN: 't',
        WECHAT_COMPONENT_ENCODING_AES_KEY: 'short',
      },
    });

    // Assess
    expect(code).toBe(0);
    expect(asked).toEqual(['消息校验Token (message token) (hidden)', '消息加解密Key (EncodingAESKey) (hidden)']);
    expect(stdout).toContain('Stored 4 parameter(s)');
    expect(stdout).not.toContain('c0mp0nent-secret');
    const source = new SsmSecretSource(ssm, '/platform/');
    expect(await source.componentMessageKeys()).toEqual({ token: 'msg-token', encodingAesKey: key });
    expect((await source.componentWebhooks()).wecom?.url).toBe('https://qyapi.weixin.qq.com/x');
    expect(refused.stderr).toMatch(/EncodingAESKey is 43 letters and digits/);
  });

  it('takes everything from flags and the environment without a terminal', async () => {
    const { code } = await runCliInProcess(['setup', '--app', 'tea', '--prefix', '/agency/', '--appid', APP.appid], {
      env: { ...awsEnv(), WECHAT_APPSECRET: APP.secret, SMTP_URL: 'smtp://u:p@mail.example.com:587' },
    });

    expect(code).toBe(0);
    expect(await new SsmSecretSource(ssm, '/agency/').smtpUrl()).toBe('smtp://u:p@mail.example.com:587');
  });

  it('stores only the shared settings without --app: the SMTP URL and the digest webhooks', async () => {
    const { code, stdout } = await runCliInProcess(
      [
        'setup',
        '--prefix',
        '/digest-only/',
        '--smtp-url',
        'smtps://u:p@mail.example.com:465',
        '--digest-webhook',
        'dingtalk=https://oapi.dingtalk.com/robot/send?access_token=d',
        '--digest-webhook-secret',
        'dingtalk=SECdigest',
      ],
      { env: awsEnv() },
    );

    expect(code).toBe(0);
    expect(stdout).toContain('Stored 3 parameter(s):');
    expect(await new SsmSecretSource(ssm, '/digest-only/').digestWebhooks()).toEqual({
      dingtalk: { url: 'https://oapi.dingtalk.com/robot/send?access_token=d', secret: 'SECdigest' },
    });
    expect((await runCliInProcess(['setup'], { env: awsEnv() })).stderr).toMatch(/nothing to store/);
  });

  it('percent-encodes SMTP_PASSWORD into a URL that names only the user, so an SES password needs no hand-encoding', async () => {
    const password = 'BPx+Zq/9kLm3%tY';

    const { code, stdout } = await runCliInProcess(
      ['setup', '--prefix', '/ses/', '--smtp-url', 'smtps://AKIAEXAMPLE@email-smtp.ap-east-1.amazonaws.com:465'],
      { env: { ...awsEnv(), SMTP_PASSWORD: password } },
    );

    const stored = await new SsmSecretSource(ssm, '/ses/').smtpUrl();
    expect(code).toBe(0);
    expect(stored).toBe('smtps://AKIAEXAMPLE:BPx%2BZq%2F9kLm3%25tY@email-smtp.ap-east-1.amazonaws.com:465');
    expect(resolveSmtpServer({ url: stored }).auth).toEqual({ user: 'AKIAEXAMPLE', pass: password });
    expect(stdout).not.toContain(password);
  });

  it('refuses a URL it could not read before storing anything, naming the setting and never the value', async () => {
    const { code, stderr } = await runCliInProcess(
      [
        'setup',
        '--prefix',
        '/refused/',
        '--digest-webhook',
        'wecom=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-1',
        '--smtp-url',
        'smtps://AKIAEXAMPLE:BPx+Zq/9kLm3@email-smtp.ap-east-1.amazonaws.com:465',
      ],
      { env: awsEnv() },
    );
    const badHook = await runCliInProcess(
      ['setup', '--prefix', '/refused/', '--digest-webhook', 'wecom=https：//qyapi.weixin.qq.com/x?key=k-2'],
      { env: awsEnv() },
    );

    expect(code).toBe(1);
    expect(stderr).toBe(
      'wxa-report: --smtp-url is not a URL that can be read: its user and password must be percent-encoded (% as %25, / as %2F, ? as %3F, # as %23, @ as %40, : as %3A, + as %2B, space as %20), or leave the password out of the URL and give it in SMTP_PASSWORD (setup encodes it)\n',
    );
    expect(badHook.stderr).toMatch(
      /^wxa-report: wecom webhook: --digest-webhook wecom=… contains a full-width character/,
    );
    expect(badHook.stderr).not.toContain('k-2');
    expect(await new SsmSecretSource(ssm, '/refused/').digestWebhooks()).toEqual({});
  });

  it.each([
    [['setup', '--app', 'tea', '--appid', 'wx123'], /does not look like an AppID/],
    [['setup', '--app', 'tea', '--appid', APP.appid, '--prefix', 'nope'], /--prefix must start and end with "\/"/],
    [['setup', '--app', 'tea', '--appid', APP.appid], /AppSecret is needed: pass it as a flag or in the environment/],
  ])('refuses %j clearly', async (args, message) => {
    const { code, stderr } = await runCliInProcess(args, { env: awsEnv() });

    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });
});
