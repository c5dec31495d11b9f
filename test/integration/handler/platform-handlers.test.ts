import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addDays, beijingYesterday } from '../../../lambda/calendar/beijing-calendar.js';
import type { DeploymentConfigInput } from '../../../lambda/config/deployment-config.js';
import { DynamoDbAppRegistry } from '../../../lambda/registry/dynamodb/dynamodb-app-registry.js';
import { ParameterWriter } from '../../../lambda/secrets/ssm/parameter-writer.js';
import { demoComponent } from '../../../lambda/simulator/simulated-component.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { DynamoDbPlatformStore } from '../../../lambda/wechat/component/dynamodb/dynamodb-platform-store.js';
import { messageSignature } from '../../../lambda/wechat/component/message-crypto.js';
import {
  type BundledStack,
  functionEnvironment,
  functionUrlEvent,
  httpApiEvent,
  invokeBundle,
  synthBundles,
} from '../../support/bundled-stack.js';
import { createPlatformTable, createTables, type dynamoClientsFor } from '../../support/dynamodb.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { motoClients } from '../../support/moto-clients.js';
import { createBucket } from '../../support/s3.js';
import { type SmtpReceiver, startSmtpReceiver } from '../../support/smtp-receiver.js';
import { createQueues, drain, receiveAll, settleEvent, sqsEventOf } from '../../support/sqs.js';
import { startWebhookReceivers, type WebhookReceivers } from '../../support/webhook-receivers.js';

/**
 * An agency's third-party platform, end to end, with the three Lambdas as `cdk synth` bundles them
 * (each invocation a cold process): WeChat (the simulator) pushes a ticket and authorization events
 * to the platform function's URL (a Function URL, then API Gateway as in the China regions); the dispatcher and worker then report the Mini Program it added
 * with an authorizer token, until it withdraws its authorization. Moto holds SSM, DynamoDB, SQS, S3.
 */
const PREFIX = '/wxa-platform/';
const platform = demoComponent(3);
const [granted, missed, withoutPermission] = platform.authorizers as [
  (typeof platform.authorizers)[0],
  (typeof platform.authorizers)[0],
  (typeof platform.authorizers)[0],
];
let stack: BundledStack;
let moto: MotoServer;
let sim: WechatSimulator;
let smtp: SmtpReceiver;
let hooks: WebhookReceivers;
let s3: S3Client;
let ssm: SSMClient;
let sqs: SQSClient;
let dynamo: ReturnType<typeof dynamoClientsFor>;
let env: Record<string, string>;
let tables: { apps: string; ledger: string; platform: string };
let queues: { work: string; failed: string; workArn: string };
/** How far WeChat's clock is ahead of the functions': moving it expires the tokens WeChat issued. */
let wechatAhead = 0;
// A test that moves WeChat's clock puts it back: the pushes of the next one are signed with it.
afterEach(() => {
  wechatAhead = 0;
});

/** The platform's deployment, synthesized and bundled as `cdk deploy` would. */
const PLATFORM_DEPLOYMENT: DeploymentConfigInput = {
  email: { transport: 'smtp', from: 'wxa-reporter <reports@example.com>' },
  parameterPrefix: PREFIX,
  component: { appid: platform.appid, defaults: { recipients: ['agency-ops@example.com'], webhooks: ['json'] } },
};

beforeAll(async () => {
  stack = await synthBundles('WxaReporterPlatform', PLATFORM_DEPLOYMENT, { name: 'wxa-reporter-platform' });
  [moto, sim, smtp, hooks] = await Promise.all([
    startMoto(),
    WechatSimulator.start({
      component: platform,
      rotateRefreshTokens: true,
      clock: () => new Date(Date.now() + wechatAhead),
    }),
    startSmtpReceiver(),
    startWebhookReceivers(),
  ]);
  ({ s3, ssm, sqs, dynamo } = motoClients(moto.endpoint));
  const bucket = await createBucket(s3);
  tables = { ...(await createTables(dynamo.raw)), platform: await createPlatformTable(dynamo.raw) };
  queues = await createQueues(sqs);
  // What the agency stores once: the platform's secret, message token and EncodingAESKey, and the
  // chat its discovered apps report to. No ticket yet: WeChat pushes it.
  const secure = (name: string, value: string) =>
    ssm.send(new PutParameterCommand({ Name: `${PREFIX}${name}`, Value: value, Type: 'SecureString' }));
  await secure('component/secret', platform.secret);
  await secure('component/message-token', platform.token);
  await secure('component/encoding-aes-key', platform.encodingAesKey);
  await secure('component/webhooks/json/url', hooks.urls.json);
  await secure('component/webhooks/json/secret', hooks.secrets.json);
  await new ParameterWriter(ssm, PREFIX).putSmtpUrl(smtp.url);
  env = functionEnvironment(stack, { motoEndpoint: moto.endpoint, wechat: sim.url, bucket, tables, queues });
}, 180_000);

afterAll(async () => {
  for (const client of [s3, ssm, sqs, dynamo?.raw]) client?.destroy();
  await Promise.all([moto?.stop(), sim?.close(), smtp?.close(), hooks?.close()]);
  await stack?.remove();
});

type HttpAnswer = { statusCode: number; body: string };
const push = (request: { query: Record<string, string>; body: string }) =>
  invokeBundle<HttpAnswer>(stack.bundles.platform, env, functionUrlEvent(request));
const invoke = async <T>(which: 'dispatcher' | 'worker' | 'platform', event: object) => {
  const invoked = await invokeBundle<T>(stack.bundles[which], env, event);
  // As the event source: a message the worker finished is deleted, never to come back into a later read.
  if (which === 'worker')
    await settleEvent(sqs, queues.work, event as SQSEvent, invoked.result as Parameters<typeof settleEvent>[3]);
  return invoked;
};
const storedTicket = async () =>
  (await ssm.send(new GetParameterCommand({ Name: `${PREFIX}component/verify-ticket`, WithDecryption: true })))
    .Parameter?.Value;
const registry = () => new DynamoDbAppRegistry(dynamo.documents, tables.apps, { hasEmail: true });
const entryOf = async (appid: string) => {
  const entry = await registry().get(appid);
  return entry && 'app' in entry ? entry.app : undefined;
};

describe('a third-party platform on AWS, as WeChat drives it', () => {
  const date = beijingYesterday(new Date());

  it('stores the ticket WeChat pushes, and refuses tampered, replayed and foreign pushes storing nothing', async () => {
    // Prepare: WeChat knows the ticket it pushes.
    platform.verifyTicket = 'ticket@@@pushed-at-ten';
    const genuine = sim.componentPush('component_verify_ticket', { ComponentVerifyTicket: platform.verifyTicket });
    const forged = sim.componentPush('component_verify_ticket', { ComponentVerifyTicket: 'ticket@@@forged' });

    // Act
    const taken = await push(genuine);
    const replayed = await push(genuine);
    const badSignature = await push({ ...forged, query: { ...forged.query, msg_signature: 'f'.repeat(40) } });
    const notDecrypting = await push({
      ...forged,
      body: forged.body.replace(
        /<Encrypt><!\[CDATA\[(.)/,
        (_m, c: string) => `<Encrypt><![CDATA[${c === 'A' ? 'B' : 'A'}`,
      ),
    });
    const stale = await push({
      ...forged,
      query: { ...forged.query, timestamp: String(Math.floor(Date.now() / 1000) - 3600) },
    });
    const get = await invokeBundle<HttpAnswer>(
      stack.bundles.platform,
      env,
      functionUrlEvent({ ...genuine, method: 'GET' }),
    );

    // Assess
    expect(taken.result).toMatchObject({ statusCode: 200, body: 'success' });
    expect([replayed, badSignature, notDecrypting, stale, get].map((r) => r.result.statusCode)).toEqual([
      401, 401, 401, 401, 405,
    ]);
    expect(await storedTicket()).toBe('ticket@@@pushed-at-ten');
    // Pushes carry the ticket: it is never logged.
    expect([taken, replayed, badSignature].map((r) => r.stdout).join('')).not.toContain('ticket@@@');
  }, 120_000);

  it('adds an app on its authorization, and lists one without the data permission as disabled', async () => {
    // Act
    const added = await push(
      sim.componentPush('authorized', { AuthorizerAppid: granted.appid, AuthorizationCode: 'c' }),
    );
    const listed = await push(
      sim.componentPush('authorized', { AuthorizerAppid: withoutPermission.appid, AuthorizationCode: 'c' }),
    );

    // Assess
    expect([added.result.statusCode, listed.result.statusCode]).toEqual([200, 200]);
    expect(await entryOf(granted.appid)).toMatchObject({
      appid: granted.appid,
      displayName: granted.name,
      tokenMode: 'component',
      recipients: ['agency-ops@example.com'],
      webhooks: ['json'],
    });
    expect((await entryOf(granted.appid))?.disabled).toBeUndefined();
    expect((await entryOf(withoutPermission.appid))?.disabled).toMatch(/data-analysis permission/);
  }, 120_000);

  it('reports the added app on the next scheduled run, with an authorizer token and no AppSecret', async () => {
    // Act: the schedule fires; the Lambda service hands the unit to a worker.
    const { result: dispatched } = await invoke<{ queued: number }>('dispatcher', { job: 'daily' });
    const messages = await receiveAll(sqs, queues.work);
    const outputs = [];
    for (const message of messages)
      outputs.push(await invoke<{ batchItemFailures: unknown[] }>('worker', sqsEventOf(message, queues.workArn)));

    // Assess: one unit (the disabled app is not called), sent by email and the platform's chat.
    expect(dispatched.queued).toBe(1);
    expect(messages.map((m) => JSON.parse(m.Body ?? '{}'))).toEqual([
      { job: 'daily', period: date, app: granted.appid },
    ]);
    expect(outputs.map((o) => o.result)).toEqual([{ batchItemFailures: [] }]);
    expect(smtp.messages.map((m) => m.envelope.to)).toEqual([['agency-ops@example.com']]);
    expect(smtp.messages[0]?.parsed.subject).toContain(granted.name);
    expect(hooks.accepted('json')).toHaveLength(1);
    expect(sim.callCount('api_component_token')).toBe(1);
    expect(sim.callCount('api_authorizer_token')).toBe(1);
    expect(sim.requests('getDailyVisitTrend').length).toBeGreaterThan(0);
    expect(sim.callCount('stable_token')).toBe(0);
    // The refresh token WeChat rotated is kept for the next run.
    expect(await new DynamoDbPlatformStore(dynamo.documents, tables.platform).refreshTokens.get(granted.appid)).toBe(
      granted.refreshToken,
    );
    const logs = outputs.map((o) => o.stdout).join('');
    expect(logs).not.toContain(granted.refreshToken);
    expect(logs).not.toContain(platform.secret);
  }, 120_000);

  it('stops reporting an app that withdrew its authorization', async () => {
    // Act: WeChat takes it off the platform's list and pushes the withdrawal; a later day's run.
    platform.authorizers.splice(platform.authorizers.indexOf(granted), 1);
    const withdrawn = await push(sim.componentPush('unauthorized', { AuthorizerAppid: granted.appid }));
    const { result: dispatched } = await invoke<{ queued: number; invalid: unknown[] }>('dispatcher', {
      job: 'daily',
      date: '2026-11-01',
    });

    // Assess
    expect(withdrawn.result.statusCode).toBe(200);
    expect((await entryOf(granted.appid))?.disabled).toMatch(/no longer authorizes/);
    expect(dispatched).toMatchObject({ queued: 0, invalid: [] });
    expect(await receiveAll(sqs, queues.work)).toEqual([]);
  }, 120_000);

  it('keeps the registry in step on the daily discovery: a Mini Program missed by the pushes is added', async () => {
    // The second authorizer's push never arrived.
    // Act
    const { result } = await invoke<{ added: string[]; disabled: { name: string }[] }>('platform', { job: 'discover' });

    // Assess
    expect(result.added).toEqual([missed.appid]);
    expect((await entryOf(missed.appid))?.tokenMode).toBe('component');
  }, 120_000);

  it('recovers once from a re-authorization, in fresh processes sharing the table: three daily fetches, one list read', async () => {
    // Prepare: the app discovered above is reported once (its rotated refresh token goes to the table);
    // then its merchant withdraws and grants the authorization again.
    const store = new DynamoDbPlatformStore(dynamo.documents, tables.platform);
    const [first, ...later] = [10, 9, 8, 7].map((back) => addDays(date, -back));
    const dailyRun = async (day: string) => {
      await invoke('dispatcher', { job: 'daily', date: day });
      const outputs = [];
      for (const message of await receiveAll(sqs, queues.work))
        outputs.push(
          (await invoke<{ batchItemFailures: unknown[] }>('worker', sqsEventOf(message, queues.workArn))).result,
        );
      return outputs;
    };
    expect(await dailyRun(first as string)).toEqual([{ batchItemFailures: [] }]);
    const kept = await store.refreshTokens.get(missed.appid);
    const current = sim.reauthorize(missed.appid);
    sim.reset();

    // Act: three daily fetches on three days, each unit in a cold worker; WeChat's tokens expire in between.
    const runs = [];
    for (const day of later) {
      wechatAhead += 3 * 3_600_000;
      runs.push(await dailyRun(day));
    }

    // Assess: every run reported, the list read once. Each refresh token serves one fetch (an expired
    // component token may ask twice with it): the kept one, refused; the listed one; then each one
    // WeChat rotated and the table kept for the next cold worker.
    expect(runs).toEqual(later.map(() => [{ batchItemFailures: [] }]));
    const asked = sim
      .requests('api_authorizer_token')
      .map((r) => (r.body as Record<string, string>).authorizer_refresh_token);
    expect([...new Set(asked)]).toEqual([kept, current, expect.any(String), expect.any(String)]);
    expect(sim.callCount('api_get_authorizer_list')).toBe(1);
    expect(await store.refreshTokens.get(missed.appid)).toBe(missed.refreshToken);
    expect(await drain(sqs, queues.failed)).toEqual([]);
  }, 180_000);
});

describe('the same platform behind API Gateway, as deployed in the AWS China regions', () => {
  let china: BundledStack;
  beforeAll(async () => {
    china = await synthBundles('WxaReporterPlatformChina', PLATFORM_DEPLOYMENT, { region: 'cn-north-1' });
  }, 180_000);
  afterAll(() => china?.remove());

  const pushThroughApi = (request: { query: Record<string, string>; body: string; base64?: boolean }) =>
    invokeBundle<HttpAnswer>(china.bundles.platform, env, httpApiEvent(request));

  it("routes the API's POST / to the platform function, the bundle WeChat's pushes reach", () => {
    const resources = Object.entries(china.template.Resources);
    const [functionId] = resources.find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('ReporterPlatform'),
    ) ?? [''];
    const integrations = resources
      .filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Integration')
      .map(([id, r]) => [id, r.Properties] as const);
    const routes = resources.filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);

    expect(resources.filter(([, r]) => r.Type === 'AWS::Lambda::Url')).toEqual([]);
    expect(integrations.map(([, p]) => [p.IntegrationUri, p.PayloadFormatVersion])).toEqual([
      [{ 'Fn::GetAtt': [functionId, 'Arn'] }, '2.0'],
    ]);
    expect(routes).toEqual([
      expect.objectContaining({
        RouteKey: 'POST /',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrations[0]?.[0] }]] },
      }),
    ]);
  });

  it('stores the ticket, and refuses forged, undecryptable, replayed, stale and oversized pushes storing nothing', async () => {
    // Prepare
    platform.verifyTicket = 'ticket@@@through-api-gateway';
    const genuine = sim.componentPush('component_verify_ticket', { ComponentVerifyTicket: platform.verifyTicket });
    const forged = sim.componentPush('component_verify_ticket', { ComponentVerifyTicket: 'ticket@@@forged-again' });

    // Act
    const taken = await pushThroughApi(genuine);
    const replayed = await pushThroughApi(genuine);
    const badSignature = await pushThroughApi({ ...forged, query: { ...forged.query, msg_signature: '0'.repeat(40) } });
    // Signed with the platform's token (as only WeChat could) but not encrypted with its key.
    const garbled = forged.body.replace(/<Encrypt><!\[CDATA\[[^\]]*/, `<Encrypt><![CDATA[${'A'.repeat(64)}`);
    const signature = messageSignature(
      platform.token,
      forged.query.timestamp ?? '',
      forged.query.nonce ?? '',
      'A'.repeat(64),
    );
    const notDecrypting = await pushThroughApi({
      query: { ...forged.query, msg_signature: signature },
      body: garbled,
    });
    const stale = await pushThroughApi({
      ...forged,
      query: { ...forged.query, timestamp: String(Math.floor(Date.now() / 1000) - 3600) },
    });
    const oversized = await pushThroughApi({
      ...forged,
      body: forged.body.replace('</xml>', `${' '.repeat(70_000)}</xml>`),
    });

    // Assess
    expect(taken.result).toMatchObject({ statusCode: 200, body: 'success' });
    expect([replayed, badSignature, notDecrypting, stale, oversized].map((r) => r.result.statusCode)).toEqual([
      401, 401, 400, 401, 413,
    ]);
    expect(await storedTicket()).toBe('ticket@@@through-api-gateway');
    expect([taken, replayed, badSignature, oversized].map((r) => r.stdout).join('')).not.toContain('ticket@@@');
    // Logged under the deployment's name (that of the environment every invocation here runs with).
    expect(taken.stdout).toContain('"service":"wxa-reporter-platform"');
  }, 120_000);

  it('adds an app on its authorization, also when API Gateway hands the body over base64-encoded', async () => {
    // Prepare: a fourth Mini Program authorizes the platform.
    const newcomer = {
      appid: 'wx00000000a1000007',
      name: '城市骑行',
      permissionSets: [1, 3, 18],
      refreshToken: 'refreshtoken@@@7',
      authTime: 1_700_000_007,
    };
    platform.authorizers.push(newcomer);

    // Act
    const added = await pushThroughApi({
      ...sim.componentPush('authorized', { AuthorizerAppid: newcomer.appid, AuthorizationCode: 'c' }),
      base64: true,
    });

    // Assess
    expect(added.result.statusCode).toBe(200);
    expect(await entryOf(newcomer.appid)).toMatchObject({
      appid: newcomer.appid,
      displayName: '城市骑行',
      tokenMode: 'component',
      recipients: ['agency-ops@example.com'],
    });
  }, 120_000);
});
