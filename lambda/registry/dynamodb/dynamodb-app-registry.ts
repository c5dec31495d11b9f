import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
} from '@aws-sdk/lib-dynamodb';
import type { AppConfig } from '../../config/deployment-config.js';
import { type EntryRules, parseRegistryEntry, type RegistryEntry, type WritableAppRegistry } from '../app-registry.js';

/**
 * The app registry as a DynamoDB table keyed by `name`, one item per app (a few hundred bytes:
 * 5,000 apps are ~2 MB, read in 1 MB pages). Secrets are never here: they stay in SSM.
 */
export class DynamoDbAppRegistry implements WritableAppRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly rules: EntryRules,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async *list(): AsyncIterable<RegistryEntry> {
    for await (const page of paginateScan({ client: this.client }, { TableName: this.table, ConsistentRead: true })) {
      for (const item of page.Items ?? []) yield this.entry(item);
    }
  }

  async get(name: string): Promise<RegistryEntry | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { name }, ConsistentRead: true }),
    );
    return Item ? this.entry(Item) : undefined;
  }

  async put(app: AppConfig): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { ...app, updatedAt: this.clock().toISOString() } }),
    );
  }

  async remove(name: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.table, Key: { name }, ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }

  private entry(item: Record<string, unknown>): RegistryEntry {
    const { updatedAt: _updatedAt, ...app } = item;
    return parseRegistryEntry(app, String(item.name), this.rules);
  }
}
