import type { Archive } from '../archive/archive.js';
import type { Delivery, ReportChannel } from '../notify/report-channel.js';
import type { ReportMessage } from '../report/report-message.js';
import { explainFailure } from '../shared/classify-failure.js';
import type { Logger } from '../shared/logger.js';
import type { DeliveryGuard } from './delivery-guard.js';
import type { HistoryOptions } from './report-history.js';

/**
 * Some channels failed. The data was archived before; the message says where, which failed and,
 * for each, what to do (or that it was temporary). Retried only if every failure was temporary.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    readonly archived: readonly string[],
    readonly delivered: readonly Delivery[],
    readonly failures: readonly { channel: string; error: Error }[],
  ) {
    super(
      `the data is archived (${archivedText(archived)}), but sending failed on ${failures
        .map((f) => {
          const line = explainFailure(f.error);
          return line.startsWith(f.channel) ? line : `${f.channel}: ${line}`;
        })
        .join('; ')}${delivered.length ? ` (sent on ${delivered.map((d) => d.channel).join(', ')})` : ''}`,
      { cause: failures[0]?.error },
    );
  }
}

/** The report period's location, and how many earlier periods came with it (a first report fetches ~20). */
function archivedText(archived: readonly string[]): string {
  const [first, ...rest] = archived;
  if (!first) return 'nothing new';
  return rest.length ? `${first}, and ${rest.length} earlier period(s) it shows` : first;
}

/**
 * The run that was sending on this channel died before recording whether it went out. Never re-sent
 * on its own (that could deliver it twice): a person checks, then releases it.
 */
export class UnconfirmedDeliveryError extends Error {
  override name = 'UnconfirmedDeliveryError';
  readonly retryable = false;
}

/**
 * Sends through every channel; one failing does not stop the others. With a guard, each channel is
 * claimed in the ledger first and its result recorded after, so a channel already sent is skipped.
 */
export async function deliverToAll(
  channels: readonly ReportChannel[],
  message: ReportMessage,
  archived: readonly string[],
  logger: Logger,
  guard?: DeliveryGuard,
): Promise<Delivery[]> {
  const results = await Promise.allSettled(
    channels.map((channel) => (guard ? deliverGuarded(channel, message, guard, logger) : channel.deliver(message))),
  );
  const delivered: Delivery[] = [];
  const failures: { channel: string; error: Error }[] = [];
  results.forEach((result, i) => {
    const channel = channels[i]?.name ?? `channel ${i}`;
    if (result.status === 'fulfilled') delivered.push(result.value);
    else {
      const error = result.reason instanceof Error ? result.reason : new Error(String(result.reason));
      // Not an error line of its own: the unit's failure, logged once by the engine, names every channel.
      logger.info('delivery failed', { channel, error: error.message });
      failures.push({ channel, error });
    }
  });
  if (failures.length > 0) throw new DeliveryError(archived, delivered, failures);
  return delivered;
}

async function deliverGuarded(
  channel: ReportChannel,
  message: ReportMessage,
  guard: DeliveryGuard,
  logger: Logger,
): Promise<Delivery> {
  const claim = await guard.claim(channel.key);
  if (claim.kind === 'already-sent')
    return { channel: channel.name, detail: `already sent (${claim.record.updatedAt})`, skipped: 'already-sent' };
  if (claim.kind === 'busy')
    return { channel: channel.name, detail: 'another run is sending it right now', skipped: 'in-progress' };
  if (claim.kind === 'unconfirmed') {
    throw new UnconfirmedDeliveryError(
      `${channel.name}: ${claim.record.detail ?? 'an earlier send was interrupted'}; it may or may not have arrived, so it is not sent again on its own: check with the recipients, then "wxa-report ledger release" it to send again`,
    );
  }
  let delivery: Delivery;
  try {
    delivery = await channel.deliver(message);
  } catch (error) {
    await guard
      .finish(channel.key, { status: 'failed', detail: (error as Error).message })
      .catch((ledgerError: unknown) =>
        logger.warn('could not record a failed delivery', {
          channel: channel.name,
          error: (ledgerError as Error).message,
        }),
      );
    throw error;
  }
  try {
    await guard.finish(channel.key, { status: 'sent', detail: delivery.detail });
  } catch (ledgerError) {
    // Sent, but not recorded: the claim's lease runs out and the channel becomes "unconfirmed".
    throw new UnconfirmedDeliveryError(
      `${channel.name}: sent, but the ledger could not record it (${(ledgerError as Error).message})`,
      { cause: ledgerError },
    );
  }
  return delivery;
}

/** What a report run needs besides its WeChat source: where to keep data and where to send reports. */
export interface ReportRunDependencies<Source> {
  readonly source: Source;
  readonly archive: Archive;
  readonly channels: readonly ReportChannel[];
  readonly toolVersion: string;
  readonly logger?: Logger;
  /** Exactly-once per channel, through the ledger. @default none: every channel is sent */
  readonly guard?: DeliveryGuard;
  /** How the report completes the history it shows. @default no memory of what WeChat lacks, HISTORY_BUDGET_MS */
  readonly history?: HistoryOptions;
}
