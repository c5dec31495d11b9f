import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { MOTO_CREDENTIALS, MOTO_REGION } from './moto.js';

export function sqsClientFor(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
}

let counter = 0;

/** A work queue and its failed-units queue, wired as the construct wires them (redrive after 5 receipts). */
export async function createQueues(sqs: SQSClient): Promise<{ work: string; failed: string; workArn: string }> {
  counter += 1;
  // A failed unit a test has read stays out of sight for the suite (12 h), so the next test reads only
  // its own: with SQS's 30 s default, a loaded machine saw the earlier tests' units come back.
  const failed =
    (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `wxa-failed-${process.pid}-${counter}`,
          Attributes: { VisibilityTimeout: '43200' },
        }),
      )
    ).QueueUrl ?? '';
  const failedArn =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: failed, AttributeNames: ['QueueArn'] }))).Attributes
      ?.QueueArn ?? '';
  const work =
    (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `wxa-work-${process.pid}-${counter}`,
          Attributes: {
            VisibilityTimeout: '1080',
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: failedArn, maxReceiveCount: 5 }),
          },
        }),
      )
    ).QueueUrl ?? '';
  const workArn =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: work, AttributeNames: ['QueueArn'] }))).Attributes
      ?.QueueArn ?? '';
  return { work, failed, workArn };
}

/** The compaction's request queue, as the construct makes it: FIFO, content-based deduplication. */
export async function createCompactionQueue(sqs: SQSClient): Promise<string> {
  counter += 1;
  const created = await sqs.send(
    new CreateQueueCommand({
      QueueName: `wxa-compaction-${process.pid}-${counter}.fifo`,
      Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
    }),
  );
  return created.QueueUrl ?? '';
}

/**
 * Everything visible in a queue now (several receives of up to 10), taken as the event source takes
 * them: in flight, hidden for the visibility timeout, then visible again unless deleted (`settle`
 * deletes what a worker finished, as the event source does). For records only read, `drain`.
 */
export async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    if (!Messages?.length) return messages;
    messages.push(...Messages);
  }
}

/** The event the Lambda service gives a function for one SQS message (batch size 1). */
export function sqsEventOf(message: Message, queueArn: string, receiveCount?: number): SQSEvent {
  const attributes = message.Attributes ?? {};
  return {
    Records: [
      {
        messageId: message.MessageId ?? '',
        receiptHandle: message.ReceiptHandle ?? '',
        body: message.Body ?? '',
        attributes: {
          ApproximateReceiveCount: String(receiveCount ?? attributes.ApproximateReceiveCount ?? '1'),
          SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
          SenderId: attributes.SenderId ?? 'AIDATEST',
          ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: message.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: MOTO_REGION,
      },
    ],
  };
}

/**
 * Everything visible in a queue now, read once and deleted: a FailedUnits record a test has seen
 * never comes back to a later test, however long the file runs (a received message otherwise
 * reappears when the visibility timeout ends, 30 s by default).
 */
export async function drain(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages = await receiveAll(sqs, queueUrl);
  await deleteAll(sqs, queueUrl, messages);
  return messages;
}

/**
 * What the Lambda event source does after an invocation: deletes each message of the batch that the
 * function did not report as a batch item failure (those come back after their visibility timeout,
 * or the backoff the worker set). Without it a finished message would reappear in a later read.
 */
export async function settle(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
  response: { readonly batchItemFailures?: readonly { readonly itemIdentifier: string }[] } | undefined,
): Promise<void> {
  const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  await deleteAll(
    sqs,
    queueUrl,
    messages.filter((m) => !failed.has(m.MessageId ?? '')),
  );
}

/** `settle` for an invocation's event (the messages it carried, by id and receipt handle). */
export function settleEvent(
  sqs: SQSClient,
  queueUrl: string,
  event: SQSEvent,
  response: Parameters<typeof settle>[3],
): Promise<void> {
  const messages = event.Records.map((r) => ({ MessageId: r.messageId, ReceiptHandle: r.receiptHandle }));
  return settle(sqs, queueUrl, messages, response);
}

async function deleteAll(sqs: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    const batch = messages.slice(start, start + 10);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
}
