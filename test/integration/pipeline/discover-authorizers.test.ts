import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  discoverAuthorizers,
  NO_DATA_PERMISSION,
  NOT_AUTHORIZED,
} from '../../../lambda/pipeline/discover-authorizers.js';
import { planUnits } from '../../../lambda/pipeline/plan-units.js';
import type { RegistryEntry } from '../../../lambda/registry/app-registry.js';
import { DynamoDbAppRegistry } from '../../../lambda/registry/dynamodb/dynamodb-app-registry.js';
import { silentLogger } from '../../../lambda/shared/logger.js';
import { demoComponent } from '../../../lambda/simulator/simulated-component.js';
import { WechatSimulator } from '../../../lambda/simulator/wechat-simulator.js';
import { FileLedger } from '../../../lambda/state/local/file-ledger.js';
import { AccessTokenCache } from '../../../lambda/wechat/access-token.js';
import { ComponentApi } from '../../../lambda/wechat/component/component-api.js';
import { createTables, dynamoClientsFor } from '../../support/dynamodb.js';
import { type MotoServer, startMoto } from '../../support/moto.js';
import { FAST_RETRY, fixedClock } from '../../support/simulator.js';
import { tempDir } from '../../support/temp-dir.js';

const platform = demoComponent(3);
const [shop, coffee, fruit] = platform.authorizers as unknown as [
  { appid: string; name: string },
  { appid: string; name: string },
  { appid: string },
];
let sim: WechatSimulator;
let moto: MotoServer;
let dynamo: ReturnType<typeof dynamoClientsFor>;
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  [sim, moto, dir] = await Promise.all([
    WechatSimulator.start({ clock: fixedClock, component: platform }),
    startMoto(),
    tempDir(),
  ]);
  dynamo = dynamoClientsFor(moto.endpoint);
});
afterAll(async () => {
  dynamo?.raw.destroy();
  await Promise.all([sim?.close(), moto?.stop(), dir?.remove()]);
});

const directory = () =>
  new ComponentApi(
    {
      componentAppid: platform.appid,
      componentSecret: async () => platform.secret,
      verifyTicket: async () => platform.verifyTicket,
    },
    { apiBase: sim.url, cache: new AccessTokenCache(fixedClock), retry: FAST_RETRY },
  );
const entries = async (registry: DynamoDbAppRegistry) => {
  const all: RegistryEntry[] = [];
  for await (const e of registry.list()) all.push(e);
  return Object.fromEntries(all.map((e) => [e.name, 'app' in e ? e.app : e.problem]));
};

describe('discovery keeps the registry in step with the platform', () => {
  it('adds new Mini Programs, disables those without the permission or the authorization, keeps what people set', async () => {
    // Prepare: the agency already reports on the first one itself, with its own audience.
    const registry = new DynamoDbAppRegistry(dynamo.documents, (await createTables(dynamo.raw)).apps, {
      hasEmail: true,
    });
    await registry.put({ name: 'shop', appid: shop.appid, recipients: ['shop-team@example.com'], webhooks: [] });
    const defaults = { recipients: ['agency@example.com'], webhooks: [] as never[], language: 'zh-CN' as const };

    // Act
    const first = await discoverAuthorizers({ directory: directory(), registry, defaults, logger: silentLogger });
    const again = await discoverAuthorizers({ directory: directory(), registry, defaults, logger: silentLogger });
    platform.authorizers.splice(1, 1); // coffee withdraws its authorization
    const after = await discoverAuthorizers({ directory: directory(), registry, defaults, logger: silentLogger });

    // Assess
    expect(first).toEqual({
      added: [coffee.appid, fruit.appid],
      enabled: [],
      disabled: [{ name: fruit.appid, reason: NO_DATA_PERMISSION }],
      unchanged: 0,
    });
    expect(again).toMatchObject({ added: [], unchanged: 3 });
    expect(after.disabled).toEqual([{ name: coffee.appid, reason: NOT_AUTHORIZED }]);
    const now = await entries(registry);
    expect(now.shop).toMatchObject({ tokenMode: 'component', recipients: ['shop-team@example.com'] });
    expect(now[coffee.appid]).toMatchObject({
      displayName: coffee.name,
      recipients: ['agency@example.com'],
      disabled: NOT_AUTHORIZED,
    });

    // And the scheduled job lists the disabled ones without calling them.
    const plan = await planUnits(
      {
        registry,
        ledger: new FileLedger(dir.path),
        schedule: { timeZone: 'Asia/Shanghai', cutoffHour: 18 },
        digest: false,
        clock: fixedClock,
        logger: silentLogger,
      },
      { job: 'daily' },
    );
    expect(plan.units.map((u) => u.app)).toEqual(['shop']);
    expect(plan.alreadyDone.map((d) => d.status).sort()).toEqual(
      [`disabled: ${NOT_AUTHORIZED}`, `disabled: ${NO_DATA_PERMISSION}`].sort(),
    );
  });
});
