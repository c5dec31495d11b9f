import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AppConfig } from '../../config/deployment-config.js';
import {
  getRawItem,
  itemValues,
  type RawItem,
  scanRawItems,
  unreadableNumbers,
} from '../../shared/dynamodb/raw-items.js';
import {
  type EntryRules,
  parseRegistryEntry,
  type RegistryEntry,
  RegistryError,
  type WritableAppRegistry,
} from '../app-registry.js';

/**
 * The app registry as a DynamoDB table keyed by `name`, one item per app (a few hundred bytes:
 * 5,000 apps are ~2 MB, read in 1 MB pages). Secrets are never here: they stay in SSM. Items are
 * read one by one: one that cannot be used (a number the SDK cannot hold, a misspelt field) is an
 * entry with its problem, named, and never stops the others.
 */
export class DynamoDbAppRegistry implements WritableAppRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly rules: EntryRules,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async *list(): AsyncIterable<RegistryEntry> {
    try {
      for await (const item of scanRawItems(this.client, { TableName: this.table, ConsistentRead: true }))
        yield this.entry(item);
    } catch (error) {
      throw this.failed('read', error);
    }
  }

  async get(name: string): Promise<RegistryEntry | undefined> {
    try {
      const item = await getRawItem(this.client, {
        TableName: this.table,
        Key: { name: { S: name } },
        ConsistentRead: true,
      });
      return item ? this.entry(item) : undefined;
    } catch (error) {
      throw this.failed('read', error);
    }
  }

  async put(app: AppConfig): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.table, Item: { ...app, updatedAt: this.clock().toISOString() } }),
      );
    } catch (error) {
      throw this.failed('write', error);
    }
  }

  async remove(name: string): Promise<boolean> {
    try {
      const { Attributes } = await this.client.send(
        new DeleteCommand({ TableName: this.table, Key: { name }, ReturnValues: 'ALL_OLD' }),
      );
      return Attributes !== undefined;
    } catch (error) {
      throw this.failed('write', error);
    }
  }

  private entry(item: RawItem): RegistryEntry {
    const name = item.name?.S ?? JSON.stringify(item.name ?? '?');
    let values: Record<string, unknown>;
    try {
      values = itemValues(item);
    } catch (error) {
      return { name, problem: `the item cannot be read: ${(error as Error).message}` };
    }
    // updatedAt is the registry's own (when it was written), not an app setting.
    const { updatedAt: _updatedAt, ...app } = values;
    const numbers = unreadableNumbers(app);
    if (numbers.length)
      return {
        name,
        problem: `${numbers.join('; ')}, a number no setting can be (beyond JavaScript's precision): correct the item, or add the app again with "wxa-report apps add"`,
      };
    return parseRegistryEntry(app, name, this.rules);
  }

  private failed(what: 'read' | 'write', error: unknown): RegistryError {
    return new RegistryError(`cannot ${what} the app registry table ${this.table}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
