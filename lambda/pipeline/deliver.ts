import type { Archive } from '../archive/archive.js';
import type { Delivery, ReportChannel } from '../notify/report-channel.js';
import type { ReportMessage } from '../report/report-message.js';
import type { Logger } from '../shared/logger.js';

/** Some channels failed. The data was archived before; the message says where and which failed. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    readonly archived: readonly string[],
    readonly delivered: readonly Delivery[],
    readonly failures: readonly { channel: string; error: Error }[],
  ) {
    super(
      `the data is archived (${archived.join(', ') || 'nothing new'}), but sending failed on ${failures
        .map((f) => (f.error.message.startsWith(f.channel) ? f.error.message : `${f.channel}: ${f.error.message}`))
        .join('; ')}${delivered.length ? ` (sent on ${delivered.map((d) => d.channel).join(', ')})` : ''}`,
      { cause: failures[0]?.error },
    );
  }
}

/** Sends through every channel; one failing does not stop the others. */
export async function deliverToAll(
  channels: readonly ReportChannel[],
  message: ReportMessage,
  archived: readonly string[],
  logger: Logger,
): Promise<Delivery[]> {
  const results = await Promise.allSettled(channels.map((channel) => channel.deliver(message)));
  const delivered: Delivery[] = [];
  const failures: { channel: string; error: Error }[] = [];
  results.forEach((result, i) => {
    const channel = channels[i]?.name ?? `channel ${i}`;
    if (result.status === 'fulfilled') delivered.push(result.value);
    else {
      const error = result.reason instanceof Error ? result.reason : new Error(String(result.reason));
      logger.error('delivery failed', { channel, error: error.message });
      failures.push({ channel, error });
    }
  });
  if (failures.length > 0) throw new DeliveryError(archived, delivered, failures);
  return delivered;
}

/** What a report run needs besides its WeChat source: where to keep data and where to send reports. */
export interface ReportRunDependencies<Source> {
  readonly source: Source;
  readonly archive: Archive;
  readonly channels: readonly ReportChannel[];
  readonly toolVersion: string;
  readonly logger?: Logger;
}
