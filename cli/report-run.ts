import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Delivery } from '../lambda/notify/report-channel.js';
import type { DeliveryGuard } from '../lambda/pipeline/delivery-guard.js';
import { ledgerGuard } from '../lambda/pipeline/delivery-guard.js';
import type { HistoryOptions } from '../lambda/pipeline/report-history.js';
import type { Logger } from '../lambda/shared/logger.js';
import type { JobKind } from '../lambda/state/ledger.js';
import { FileLedger } from '../lambda/state/local/file-ledger.js';
import type { CliIo } from './cli-io.js';
import { DEFAULT_ARCHIVE } from './report-options.js';

/**
 * The ledger's folder of a local run: `state/` beside a local archive (`wxa-data/state` for the
 * default `wxa-data/archive`), `./wxa-data/state` when the archive is in S3; `--state` wins.
 */
export function stateDirFor(state: string | undefined, archive: string | undefined, cwd: string): string {
  if (state) return resolve(cwd, state);
  const location = archive ?? join(cwd, DEFAULT_ARCHIVE);
  return location.startsWith('s3://') ? join(cwd, 'wxa-data', 'state') : join(dirname(resolve(cwd, location)), 'state');
}

/** Names a local run in delivery claims, as `run` does. */
export const localOwner = () => `${hostname()}:${process.pid}:${randomUUID()}`;

/**
 * What `daily` and `monthly` add to a report run for one app: the local ledger beside the archive,
 * so each report goes out once per channel (`--force` sends it again), and the memory of what
 * WeChat has no data for, so a first report's history is asked once. `exactlyOnce: false` (the demo)
 * keeps the memory and sends every time.
 */
export function localReportRun(
  options: { readonly state?: string; readonly archive?: string; readonly force?: boolean },
  io: CliIo,
  scope: { readonly job: JobKind; readonly period: string; readonly appid: string },
  exactlyOnce: boolean,
  logger?: Logger,
): { guard?: DeliveryGuard; history: HistoryOptions } {
  const ledger = new FileLedger(stateDirFor(options.state, options.archive, io.cwd), logger);
  const guard = exactlyOnce
    ? ledgerGuard(
        ledger,
        { job: scope.job, period: scope.period, app: scope.appid },
        { owner: localOwner(), clock: io.clock, force: options.force },
      )
    : undefined;
  return { guard, history: { memory: ledger, clock: io.clock } };
}

/** The summary lines of what was archived, and sent or not (what history is missing is a warning of its own). */
export function describeRun(result: {
  readonly archived: readonly string[];
  readonly deliveries: readonly Delivery[];
}): string[] {
  const [first, ...rest] = result.archived;
  return [
    ...(first ? [`  Archived  ${first}`] : []),
    ...(rest.length > 2
      ? [`  Also archived  ${rest.length} earlier periods the report shows (its history, fetched once)`]
      : rest.map((location) => `  Also archived  ${location}`)),
    ...result.deliveries.map((d) =>
      d.skipped === 'already-sent'
        ? `  Not sent (${d.channel})  ${d.detail}; --force sends it again`
        : d.skipped
          ? `  Not sent (${d.channel})  ${d.detail}`
          : `  Sent (${d.channel})  ${d.detail}`,
    ),
  ];
}

/** For --json, where stdout holds only the figures: each channel not sent, on stderr. */
export function notSentLines(deliveries: readonly Delivery[]): string {
  return deliveries
    .filter((d) => d.skipped)
    .map(
      (d) =>
        `wxa-report: ${d.channel} not sent: ${d.detail}${d.skipped === 'already-sent' ? '; --force sends it again' : ''}\n`,
    )
    .join('');
}
