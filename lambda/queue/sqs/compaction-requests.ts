import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { CompactionRequest } from '../../curated/compaction-request.js';

/**
 * Requests to the compaction function, on its FIFO queue: one message group, so runs never overlap;
 * content-based deduplication, so the several workers that see a day settle at once ask only once.
 */
export class CompactionRequests {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(request: CompactionRequest): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(request),
        MessageGroupId: 'compaction',
      }),
    );
  }
}
