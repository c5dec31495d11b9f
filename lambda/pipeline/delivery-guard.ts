import type { Clock } from '../calendar/beijing-calendar.js';
import {
  type ClaimOutcome,
  claimDelivery,
  type DeliveryScope,
  finishDelivery,
  type Ledger,
  MAX_LEASE_MS,
} from '../state/ledger.js';

/** Guards each channel of one report: claim before sending, record after. */
export interface DeliveryGuard {
  claim(channel: string): Promise<ClaimOutcome>;
  finish(channel: string, result: { readonly status: 'sent' | 'failed'; readonly detail: string }): Promise<void>;
}

/**
 * How long a claim protects a send in progress. Sends are bounded well below it (webhooks: 60 s with
 * retries; SMTP: its own timeouts), so a claim older than this belongs to a run that died. The
 * longest lease any run writes (`MAX_LEASE_MS`): one reaching further is read as no run's.
 */
export const DEFAULT_LEASE_MS = MAX_LEASE_MS;

export function ledgerGuard(
  ledger: Ledger,
  scope: DeliveryScope,
  options: {
    readonly owner: string;
    readonly clock: Clock;
    readonly leaseMs?: number;
    /** Send again what was already sent (a person asked: `--force`). @default false */
    readonly force?: boolean;
  },
): DeliveryGuard {
  return {
    claim: (channel) =>
      claimDelivery(ledger, scope, channel, {
        owner: options.owner,
        now: options.clock(),
        leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
        force: options.force,
      }),
    finish: (channel, result) =>
      finishDelivery(ledger, scope, channel, options.owner, { ...result, now: options.clock() }),
  };
}
