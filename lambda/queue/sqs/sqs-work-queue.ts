import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { WorkUnit } from '../../pipeline/work-unit.js';
import { redactSecrets } from '../../shared/redact.js';
import { type FailureRecord, type FailureSink, QueueError, type WorkQueue } from '../work-queue.js';

const BATCH = 10;

/** The queue's name, the last segment of its URL (https://sqs.<region>.amazonaws.com/<account>/<name>). */
const queueName = (queueUrl: string) => queueUrl.split('/').filter(Boolean).at(-1) ?? queueUrl;

/** Runs one SQS call; a failure says which queue and what was being done, the SDK's error as its cause. */
async function onQueue<T>(queueUrl: string, doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof QueueError) throw error;
    throw new QueueError(`cannot ${doing} SQS queue ${queueName(queueUrl)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Units of work as SQS messages, ten per SendMessageBatch; entries SQS refuses are sent once more. */
export class SqsWorkQueue implements WorkQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  enqueue(units: readonly WorkUnit[]): Promise<void> {
    return onQueue(this.queueUrl, 'queue units on', () => this.sendAll(units));
  }

  private async sendAll(units: readonly WorkUnit[]): Promise<void> {
    for (let start = 0; start < units.length; start += BATCH) {
      let pending = units
        .slice(start, start + BATCH)
        .map((unit, i) => ({ Id: String(i), MessageBody: JSON.stringify(unit) }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const answer = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
        const failed = new Set((answer.Failed ?? []).map((f) => f.Id));
        if (failed.size === 0) break;
        if (attempt >= 3) {
          const reasons = (answer.Failed ?? []).map((f) => `${f.Code}: ${f.Message}`).join('; ');
          throw new QueueError(
            `SQS queue ${queueName(this.queueUrl)} refused ${failed.size} unit(s) after ${attempt} tries: ${reasons}`,
          );
        }
        pending = pending.filter((entry) => failed.has(entry.Id));
      }
    }
  }

  async waiting(): Promise<number> {
    const { Attributes } = await onQueue(this.queueUrl, 'count the units waiting in', () =>
      this.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      ),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? '0');
  }

  /** Hides a message for `seconds` before SQS offers it again: the backoff between a unit's tries. */
  async retryLater(receiptHandle: string, seconds: number): Promise<void> {
    await onQueue(this.queueUrl, 'delay the next try of a unit on', () =>
      this.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
        }),
      ),
    );
  }
}

/** Failure records into the dead-letter queue, beside what SQS itself moves there after maxReceiveCount. */
export class SqsFailureSink implements FailureSink {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async record(failure: FailureRecord): Promise<void> {
    await onQueue(this.queueUrl, 'write a failure record to', () =>
      this.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          // Belt and braces: the reason was redacted where it arose; no secret reaches the queue anyway.
          MessageBody: JSON.stringify({ ...failure, reason: redactSecrets(failure.reason) }),
          MessageAttributes: {
            app: { DataType: 'String', StringValue: failure.app },
            job: { DataType: 'String', StringValue: failure.job },
            period: { DataType: 'String', StringValue: failure.period },
          },
        }),
      ),
    );
  }
}
