import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbAppRegistry } from '../../../lambda/registry/dynamodb/dynamodb-app-registry.js';
import { SsmSecretSource } from '../../../lambda/secrets/ssm/ssm-secret-source.js';
import { demoComponent } from '../../../lambda/simulator/simulated-component.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { createTables, dynamoClientsFor } from '../../support/dynamodb.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { APP } from '../../support/simulator.js';
import { ssmClientFor } from '../../support/ssm.js';

let moto: MotoServer;
let ssm: SSMClient;
let dynamo: ReturnType<typeof dynamoClientsFor>;
let table: string;
beforeAll(async () => {
  moto = await startMoto();
  ssm = ssmClientFor(moto.endpoint);
  dynamo = dynamoClientsFor(moto.endpoint);
  table = (await createTables(dynamo.raw)).apps;
  vi.stubEnv('AWS_ENDPOINT_URL', moto.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  ssm?.destroy();
  dynamo?.raw.destroy();
  await moto?.stop();
});

const env = (extra: Record<string, string> = {}) => ({ AWS_REGION: 'us-east-1', WXA_APPS_TABLE: table, ...extra });
const parameterNames = async (path: string) =>
  ((await ssm.send(new GetParametersByPathCommand({ Path: path, Recursive: true }))).Parameters ?? [])
    .map((p) => p.Name)
    .sort();

describe('wxa-report apps', () => {
  it('adds an app to the registry and its secrets to SSM, with no redeploy', async () => {
    // Act
    const added = await runCliInProcess(
      [
        'apps',
        'add',
        'shop',
        '--appid',
        APP.appid,
        '--display-name',
        '喵喵商城',
        '--recipients',
        'ops@example.com, growth@example.com',
        '--webhook',
        'feishu=https://open.feishu.cn/open-apis/bot/v2/hook/x',
        '--webhook-secret',
        'feishu=fs-secret-123',
        '--prefix',
        '/agency/',
      ],
      { env: env({ WECHAT_APPSECRET: APP.secret }) },
    );

    // Assess
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).not.toContain(APP.secret);
    expect(await new DynamoDbAppRegistry(dynamo.documents, table, { hasEmail: true }).get('shop')).toEqual({
      name: 'shop',
      app: {
        name: 'shop',
        appid: APP.appid,
        displayName: '喵喵商城',
        recipients: ['ops@example.com', 'growth@example.com'],
        webhooks: ['feishu'],
      },
    });
    // One SecureString per app (5,000 apps within a region's 10,000 standard parameters), read back whole.
    expect(await parameterNames('/agency/apps/shop')).toEqual(['/agency/apps/shop/secrets']);
    expect(await new SsmSecretSource(ssm, '/agency/').app('shop', { appid: APP.appid })).toEqual({
      appid: APP.appid,
      secret: APP.secret,
      webhooks: { feishu: { url: 'https://open.feishu.cn/open-apis/bot/v2/hook/x', secret: 'fs-secret-123' } },
    });
  });

  it('adds an app behind a token service without any AppSecret, in its own colours', async () => {
    const { code } = await runCliInProcess(
      [
        'apps',
        'add',
        'coffee',
        '--appid',
        'wx0b8e2f6c1a3d5e97',
        '--webhook',
        'slack=https://hooks.slack.com/services/T/B/x',
        '--token-service',
        'https://tokens.example.com/wechat',
        '--colours',
        'red-up',
        '--prefix',
        '/agency/',
      ],
      { env: env() },
    );

    expect(code).toBe(0);
    const entry = await new DynamoDbAppRegistry(dynamo.documents, table, { hasEmail: true }).get('coffee');
    expect(entry && 'app' in entry ? entry.app.colours : undefined).toBe('red-up');
    expect(await parameterNames('/agency/apps/coffee')).toEqual(['/agency/apps/coffee/secrets']);
    const coffee = await new SsmSecretSource(ssm, '/agency/').app('coffee', {
      appid: 'wx0b8e2f6c1a3d5e97',
      needsSecret: false,
    });
    expect(coffee.secret).toBeUndefined();
    expect(coffee.webhooks.slack?.url).toBe('https://hooks.slack.com/services/T/B/x');
  });

  it('lists and shows apps, as text and as JSON', async () => {
    const list = await runCliInProcess(['apps', 'list', '--json'], { env: env() });
    const show = await runCliInProcess(['apps', 'show', 'shop'], { env: env() });

    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ name: 'coffee', valid: true, tokenService: 'https://tokens.example.com/wechat' }),
      expect.objectContaining({ name: 'shop', valid: true, appid: APP.appid }),
    ]);
    expect(show.stdout).toContain(
      `shop  ${APP.appid}  喵喵商城  → ops@example.com, growth@example.com, feishu webhook`,
    );
  });

  it('lists an entry with a misspelt field as invalid, naming the field it meant (never dropping it)', async () => {
    // Prepare: written by hand, "webhook" for "webhooks": the chat would never hear, and nothing would say why.
    await dynamo.documents.send(
      new PutCommand({
        TableName: table,
        Item: { name: 'tipo', appid: APP.appid, recipients: ['ops@example.com'], webhook: ['wecom'] },
      }),
    );

    // Act
    const list = await runCliInProcess(['apps', 'list'], { env: env() });
    const show = await runCliInProcess(['apps', 'show', 'tipo', '--json'], { env: env() });
    await dynamo.documents.send(new DeleteCommand({ TableName: table, Key: { name: 'tipo' } }));

    // Assess
    expect(list.code).toBe(1);
    expect(list.stdout).toContain('tipo  INVALID: webhook is not a field; did you mean webhooks?\n');
    expect(JSON.parse(show.stdout)).toEqual({
      name: 'tipo',
      valid: false,
      problem: 'webhook is not a field; did you mean webhooks?',
    });
  });

  it('refuses a bad entry naming the field, and stores nothing', async () => {
    const { code, stderr } = await runCliInProcess(
      ['apps', 'add', 'tea', '--appid', 'wx1', '--recipients', 'nope', '--prefix', '/agency/'],
      { env: env({ WECHAT_APPSECRET: APP.secret }) },
    );

    expect(code).toBe(1);
    expect(stderr).toMatch(/^wxa-report: tea: appid is not an AppID.*; recipients\.0 is not an email address/);
    const colours = await runCliInProcess(
      ['apps', 'add', 'tea', '--appid', APP.appid, '--recipients', 'a@example.com', '--colours', 'pink'],
      { env: env({ WECHAT_APPSECRET: APP.secret }) },
    );
    expect(colours.stderr).toMatch(/^wxa-report: tea: colours must be one of "blue-orange", "red-up", "green-up"$/m);
    expect(await parameterNames('/agency/apps/tea')).toEqual([]);
  });

  it('removes an app and its secrets', async () => {
    const { code, stdout } = await runCliInProcess(['apps', 'remove', 'shop', '--prefix', '/agency/'], { env: env() });
    const missing = await runCliInProcess(['apps', 'show', 'shop'], { env: env() });

    expect(code).toBe(0);
    expect(stdout).toBe('Removed "shop"; deleted 1 parameter(s)\n');
    expect(await parameterNames('/agency/apps/shop')).toEqual([]);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'wxa-report: no app "shop" in the registry (see "wxa-report apps list")\n',
    });
  });

  it('discovers the Mini Programs that authorized the platform', async () => {
    const sim = await WechatSimulator.start({ component: demoComponent(3) });
    try {
      const component = sim.component;
      const env = {
        AWS_REGION: 'us-east-1',
        WXA_APPS_TABLE: (await createTables(dynamo.raw)).apps,
        WECHAT_API_BASE: sim.url,
        WECHAT_COMPONENT_APPID: component.appid,
        WECHAT_COMPONENT_APPSECRET: component.secret,
        WECHAT_COMPONENT_VERIFY_TICKET: component.verifyTicket,
      };

      const first = await runCliInProcess(['apps', 'discover', '--recipients', 'agency@example.com'], { env });
      const list = await runCliInProcess(['apps', 'list', '--json'], { env });

      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^3 added, 0 enabled, 1 disabled, 0 unchanged$/m);
      expect(first.stdout).toMatch(/disabled .*data-analysis permission \(set 18 or 21\)/);
      const apps = JSON.parse(list.stdout) as { tokenMode: string; recipients: string[]; disabled?: string }[];
      expect(apps.map((a) => [a.tokenMode, a.recipients[0], Boolean(a.disabled)])).toEqual(
        expect.arrayContaining([
          ['component', 'agency@example.com', false],
          ['component', 'agency@example.com', true],
        ]),
      );
      expect(first.stdout + list.stdout).not.toContain(component.secret);
      const table = await runCliInProcess(['apps', 'list'], { env });
      expect(table.stdout).toMatch(
        /\(component\) {2}DISABLED: the Mini Program has not granted the data-analysis permission/,
      );
    } finally {
      await sim.close();
    }
  });

  it('says where the registry is when no table is given', async () => {
    const { code, stderr } = await runCliInProcess(['apps', 'list'], { env: { AWS_REGION: 'us-east-1' } });

    expect(code).toBe(1);
    expect(stderr).toMatch(/pass --table \(the AppsTable output of the stack\) or set WXA_APPS_TABLE/);
  });
});
