import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidEntry, type RegistryEntry } from '../../../lambda/registry/app-registry.js';
import { DynamoDbAppRegistry } from '../../../lambda/registry/dynamodb/dynamodb-app-registry.js';
import { createTables, dynamoClientsFor } from '../../support/dynamodb.js';
import { type MotoServer, startMoto } from '../../support/moto.js';

let moto: MotoServer;
let dynamo: ReturnType<typeof dynamoClientsFor>;
beforeAll(async () => {
  moto = await startMoto();
  dynamo = dynamoClientsFor(moto.endpoint);
});
afterAll(async () => {
  dynamo?.raw.destroy();
  await moto?.stop();
});

const appid = (i: number) => `wx${i.toString(16).padStart(16, '0')}`;

describe('the app registry in DynamoDB (moto)', () => {
  it('adds, reads, replaces and removes an app', async () => {
    // Prepare
    const { apps } = await createTables(dynamo.raw);
    const registry = new DynamoDbAppRegistry(dynamo.documents, apps, { hasEmail: true });

    // Act
    await registry.put({ name: 'shop', appid: appid(1), recipients: ['ops@example.com'], webhooks: ['wecom'] });
    await registry.put({ name: 'shop', appid: appid(1), displayName: '喵喵商城', recipients: [], webhooks: ['wecom'] });
    const shop = await registry.get('shop');
    const removed = await registry.remove('shop');
    const again = await registry.remove('shop');

    // Assess
    expect(shop).toEqual({
      name: 'shop',
      app: { name: 'shop', appid: appid(1), displayName: '喵喵商城', recipients: [], webhooks: ['wecom'] },
    });
    expect([removed, again]).toEqual([true, false]);
    expect(await registry.get('shop')).toBeUndefined();
  });

  it('holds 5,000 apps and lists them all, page by page', async () => {
    // Prepare: ~600 bytes an item, so a listing needs several of DynamoDB's 1 MB pages.
    const { apps } = await createTables(dynamo.raw);
    const items = Array.from({ length: 5_000 }, (_, i) => ({
      name: `mini-program-${String(i).padStart(4, '0')}`,
      appid: appid(i),
      displayName: `某某连锁品牌第${i}号门店小程序`.padEnd(60, '店'),
      recipients: Array.from({ length: 6 }, (_, r) => `ops-team-${r}.store-${i}@agency-example.com`),
      webhooks: ['wecom', 'feishu'],
      language: 'zh-CN',
    }));
    for (let i = 0; i < items.length; i += 25) {
      await dynamo.documents.send(
        new BatchWriteCommand({
          RequestItems: { [apps]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    }
    let scans = 0;
    dynamo.documents.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ScanCommand') scans += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countScans' },
    );
    const registry = new DynamoDbAppRegistry(dynamo.documents, apps, { hasEmail: true });

    // Act
    const listed: RegistryEntry[] = [];
    for await (const entry of registry.list()) listed.push(entry);
    dynamo.documents.middlewareStack.remove('countScans');

    // Assess
    expect(listed).toHaveLength(5_000);
    expect(listed.every(isValidEntry)).toBe(true);
    expect(new Set(listed.map((e) => e.name)).size).toBe(5_000);
    expect(scans).toBeGreaterThan(1);
  }, 120_000);

  it('reports an invalid entry naming the app and the field, and still lists the others', async () => {
    // Prepare
    const { apps } = await createTables(dynamo.raw);
    const registry = new DynamoDbAppRegistry(dynamo.documents, apps, { hasEmail: false });
    await registry.put({ name: 'good', appid: appid(2), recipients: [], webhooks: ['slack'] });
    for (const Item of [
      { name: 'typo', appid: appid(3), recipients: ['ops@@example'], webhooks: [] },
      { name: 'noid', recipients: [], webhooks: ['teams'] },
      { name: 'mail', appid: appid(4), recipients: ['ops@example.com'], webhooks: [] },
    ])
      await dynamo.documents.send(new PutCommand({ TableName: apps, Item }));

    // Act
    const listed: RegistryEntry[] = [];
    for await (const entry of registry.list()) listed.push(entry);
    const byName = Object.fromEntries(listed.map((e) => [e.name, 'problem' in e ? e.problem : 'ok']));

    // Assess
    expect(byName).toEqual({
      good: 'ok',
      typo: 'recipients.0 is not an email address',
      noid: expect.stringMatching(/webhooks\.0 must be one of "wecom", "feishu"/),
      mail: 'recipients recipients need an email transport (set email)',
    });
  });
});
