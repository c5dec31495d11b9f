import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ReplayGuard } from '../../../pipeline/component-push.js';
import type { CachedToken, SharedTokenStore } from '../../access-token.js';
import type { RefreshTokenStore } from '../component-api.js';

/**
 * The third-party platform's state in one DynamoDB table (partition key `pk`, TTL attribute `ttl`),
 * shared by every container of the deployment:
 *
 *   pk = token#<source>        a component or authorizer access token, until it expires
 *   pk = refresh#<appid>       an authorizer's refresh token, as WeChat last rotated it
 *   pk = push#<ts:nonce:sig>   a push already taken, until it is too old to be accepted anyway
 *
 * The table is encrypted at rest and only the platform and worker functions may read it.
 */
/** The platform table failed (the SDK's error is the cause, which the failure classification reads). */
export class PlatformStoreError extends Error {
  override name = 'PlatformStoreError';
}

export class DynamoDbPlatformStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  readonly tokens: SharedTokenStore = {
    get: async (key) => {
      const item = await this.get(`token#${key}`);
      return typeof item?.value === 'string' && typeof item.expiresAt === 'number'
        ? ({ value: item.value, expiresAt: item.expiresAt } satisfies CachedToken)
        : undefined;
    },
    put: (key, token) =>
      this.write(() =>
        this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: `token#${key}`, ...token, ttl: Math.ceil(token.expiresAt / 1000) + 86_400 },
          }),
        ),
      ),
  };

  readonly refreshTokens: RefreshTokenStore = {
    get: async (appid) => {
      const item = await this.get(`refresh#${appid}`);
      return typeof item?.value === 'string' ? item.value : undefined;
    },
    put: (appid, refreshToken) =>
      this.write(() =>
        this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: `refresh#${appid}`, value: refreshToken, rotatedAt: this.clock().toISOString() },
          }),
        ),
      ),
  };

  readonly replays: ReplayGuard = {
    firstTime: async (key, forgetAfter) => {
      const now = Math.floor(this.clock().getTime() / 1000);
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: `push#${key}`, ttl: Math.ceil(forgetAfter.getTime() / 1000) },
            // DynamoDB deletes expired items within days, not at once: an expired one counts as absent.
            ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw this.failed('write', error);
      }
    },
    forget: (key) =>
      this.write(() => this.client.send(new DeleteCommand({ TableName: this.table, Key: { pk: `push#${key}` } }))),
  };

  private async get(pk: string): Promise<Record<string, unknown> | undefined> {
    try {
      const answer = await this.client.send(
        new GetCommand({ TableName: this.table, Key: { pk }, ConsistentRead: true }),
      );
      return answer.Item;
    } catch (error) {
      throw this.failed('read', error);
    }
  }

  private async write(send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      throw this.failed('write', error);
    }
  }

  /** Names the table (never a token: the SDK's messages hold none). */
  private failed(what: 'read' | 'write', error: unknown): PlatformStoreError {
    return new PlatformStoreError(`cannot ${what} the platform table ${this.table}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
