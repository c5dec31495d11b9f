import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import {
  type DeliveryRecord,
  type DeliveryScope,
  type JobRecord,
  type Ledger,
  safeSegment,
  type UnitJob,
} from '../ledger.js';

/** Records are kept this long, then DynamoDB's TTL deletes them (a re-run of an older period sends again). */
const RETENTION_DAYS = 400;

/**
 * The ledger in one DynamoDB table (partition key `pk`, sort key `sk`, TTL attribute `ttl`):
 *
 *   pk = <job>#<period>   sk = app#<name>                 the unit's JobRecord
 *   pk = <job>#<period>   sk = delivery#<name>#<channel>  a DeliveryRecord
 *
 * One partition per job and period, so the retry dispatcher and the digest read a whole day with
 * one paged Query. Every delivery transition is a conditional write.
 */
export class DynamoDbLedger implements Ledger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async getJob(job: UnitJob, period: string, app: string): Promise<JobRecord | undefined> {
    return this.get<JobRecord>(pk(job, period), `app#${safeSegment(app, 'app')}`);
  }

  async putJob(job: UnitJob, period: string, app: string, record: JobRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...record, pk: pk(job, period), sk: `app#${safeSegment(app, 'app')}`, ttl: this.ttl() },
      }),
    );
  }

  async listJobs(job: UnitJob, period: string): Promise<Map<string, JobRecord>> {
    const records = new Map<string, JobRecord>();
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :app)',
        ExpressionAttributeValues: { ':pk': pk(job, period), ':app': 'app#' },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) records.set(String(item.sk).slice('app#'.length), strip<JobRecord>(item));
    }
    return records;
  }

  async getDelivery(scope: DeliveryScope, channel: string): Promise<DeliveryRecord | undefined> {
    return this.get<DeliveryRecord>(pk(scope.job, scope.period), deliveryKey(scope, channel));
  }

  async swapDelivery(
    scope: DeliveryScope,
    channel: string,
    expected: DeliveryRecord | undefined,
    next: DeliveryRecord,
  ): Promise<boolean> {
    const condition = expected
      ? {
          ConditionExpression: '#status = :status AND #updatedAt = :updatedAt',
          ExpressionAttributeNames: { '#status': 'status', '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: { ':status': expected.status, ':updatedAt': expected.updatedAt },
        }
      : { ConditionExpression: 'attribute_not_exists(pk)' };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...next, pk: pk(scope.job, scope.period), sk: deliveryKey(scope, channel), ttl: this.ttl() },
          ...condition,
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      )
        return false;
      throw error;
    }
  }

  private async get<T>(partition: string, sort: string): Promise<T | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: partition, sk: sort }, ConsistentRead: true }),
    );
    return Item ? strip<T>(Item) : undefined;
  }

  private ttl(): number {
    return Math.floor(this.clock().getTime() / 1000) + RETENTION_DAYS * 86_400;
  }
}

const pk = (job: UnitJob, period: string) => `${safeSegment(job, 'job')}#${safeSegment(period, 'period')}`;
const deliveryKey = (scope: DeliveryScope, channel: string) =>
  `delivery#${safeSegment(scope.app, 'app')}#${safeSegment(channel, 'channel')}`;

function strip<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ttl: _ttl, ...record } = item;
  return record as T;
}
