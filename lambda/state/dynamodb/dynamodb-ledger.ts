import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  describeKey,
  getRawItem,
  itemValues,
  queryRawItems,
  type RawItem,
  showValue,
} from '../../shared/dynamodb/raw-items.js';
import { type Logger, silentLogger } from '../../shared/logger.js';
import {
  DamagedRecordError,
  type DeliveryRecord,
  type DeliveryScope,
  type JobRecord,
  LEFT_OUT,
  type Ledger,
  LedgerError,
  type OnDamagedRecord,
  readDeliveryRecord,
  readJobRecord,
  readNoDataPeriods,
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
 *   pk = nodata#<appid>   sk = api#<api>                  the periods WeChat had no data for (a string set)
 *
 * One partition per job and period, so the retry dispatcher and the digest read a whole day with
 * one paged Query. Every delivery transition is a conditional write. Items are read one by one and
 * validated: an item no run could have written is named (table, key) and stops only its own unit;
 * a day's list leaves it out and says so.
 */
export class DynamoDbLedger implements Ledger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: () => Date = () => new Date(),
    private readonly logger: Logger = silentLogger,
  ) {}

  async getJob(job: UnitJob, period: string, app: string): Promise<JobRecord | undefined> {
    const item = await this.get(pk(job, period), `app#${safeSegment(app, 'app')}`);
    return item && this.jobRecord(item);
  }

  async putJob(job: UnitJob, period: string, app: string, record: JobRecord): Promise<void> {
    await this.write(
      new PutCommand({
        TableName: this.table,
        Item: { ...record, pk: pk(job, period), sk: `app#${safeSegment(app, 'app')}`, ttl: this.ttl() },
      }),
    );
  }

  async listJobs(job: UnitJob, period: string, onDamaged?: OnDamagedRecord): Promise<Map<string, JobRecord>> {
    const records = new Map<string, JobRecord>();
    const items = queryRawItems(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :app)',
      ExpressionAttributeValues: { ':pk': { S: pk(job, period) }, ':app': { S: 'app#' } },
      ConsistentRead: true,
    });
    try {
      for await (const item of items) {
        const app = String(item.sk?.S).slice('app#'.length);
        try {
          records.set(app, this.jobRecord(item));
        } catch (error) {
          if (!(error instanceof DamagedRecordError)) throw error;
          // One damaged item must not stop the day: every other app goes on; this one is named.
          this.logger.warn(LEFT_OUT, { problem: error.message, fix: error.fix });
          onDamaged?.(app, error);
        }
      }
    } catch (error) {
      throw this.failed('read', error);
    }
    return records;
  }

  async getDelivery(scope: DeliveryScope, channel: string): Promise<DeliveryRecord | undefined> {
    const item = await this.get(pk(scope.job, scope.period), deliveryKey(scope, channel));
    return (
      item &&
      readDeliveryRecord(
        this.values(item),
        (problem) =>
          new DamagedRecordError(
            this.where(item),
            problem,
            `check whether that report went out on ${channel}; then fix the item, or delete it to let the next run send it`,
          ),
        showValue,
      )
    );
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
      throw this.failed('write', error);
    }
  }

  async noDataPeriods(appid: string, api: string): Promise<ReadonlySet<string>> {
    const item = await this.get(noDataPk(appid), noDataSk(api));
    if (!item) return new Set();
    return readNoDataPeriods(
      this.values(item),
      (problem) =>
        new DamagedRecordError(
          this.where(item),
          problem,
          'delete the item: WeChat is asked for those periods once more, and the answers are remembered again',
        ),
      showValue,
    );
  }

  async rememberNoData(appid: string, api: string, periods: readonly string[]): Promise<void> {
    if (periods.length === 0) return;
    try {
      // ADD to a string set is a union done by DynamoDB: two runs remembering at once lose nothing.
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: noDataPk(appid), sk: noDataSk(api) },
          UpdateExpression: 'ADD periods :periods SET #ttl = :ttl',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':periods': new Set(periods), ':ttl': this.ttl() },
        }),
      );
    } catch (error) {
      throw this.failed('write', error);
    }
  }

  private async get(partition: string, sort: string): Promise<RawItem | undefined> {
    try {
      return await getRawItem(this.client, {
        TableName: this.table,
        Key: { pk: { S: partition }, sk: { S: sort } },
        ConsistentRead: true,
      });
    } catch (error) {
      throw this.failed('read', error);
    }
  }

  private async write(command: PutCommand): Promise<void> {
    try {
      await this.client.send(command);
    } catch (error) {
      throw this.failed('write', error);
    }
  }

  /** The store's own failure, naming the table; the SDK's error stays the cause (for its classification). */
  private failed(what: 'read' | 'write', error: unknown): LedgerError {
    return new LedgerError(`cannot ${what} the ledger table ${this.table}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  private where(item: RawItem): string {
    return `ledger table ${this.table}, item ${describeKey(item, ['pk', 'sk'])}`;
  }

  private values(item: RawItem): Record<string, unknown> {
    const { pk: _pk, sk: _sk, ttl: _ttl, ...values } = itemValues(item);
    return values;
  }

  private jobRecord(item: RawItem): JobRecord {
    return readJobRecord(
      this.values(item),
      (problem) =>
        new DamagedRecordError(
          this.where(item),
          problem,
          `fix the item, or delete it (aws dynamodb delete-item --table-name ${this.table} --key '${JSON.stringify({ pk: item.pk, sk: item.sk })}'): the unit records it again when it next runs, and what was sent stays sent`,
        ),
      showValue,
    );
  }

  private ttl(): number {
    return Math.floor(this.clock().getTime() / 1000) + RETENTION_DAYS * 86_400;
  }
}

const pk = (job: UnitJob, period: string) => `${safeSegment(job, 'job')}#${safeSegment(period, 'period')}`;
const noDataPk = (appid: string) => `nodata#${safeSegment(appid, 'AppID')}`;
const noDataSk = (api: string) => `api#${safeSegment(api, 'API')}`;
const deliveryKey = (scope: DeliveryScope, channel: string) =>
  `delivery#${safeSegment(scope.app, 'app')}#${safeSegment(channel, 'channel')}`;
