import {
  CreateQueueCommand,
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

/** Everything visible in a queue now (several receives of up to 10). */
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
