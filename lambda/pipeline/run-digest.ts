import { type Clock, hourIn } from '../calendar/beijing-calendar.js';
import type { DeploymentConfig } from '../config/deployment-config.js';
import type { ReportChannel } from '../notify/report-channel.js';
import { type AppRegistry, invalidEntryReason, type RegistryEntry } from '../registry/app-registry.js';
import { buildDigestReport, type DigestEntry, type DigestReport } from '../report/digest-report.js';
import { classifyFailure } from '../shared/classify-failure.js';
import type { Logger } from '../shared/logger.js';
import { DIGEST_SCOPE, type JobRecord, type Ledger } from '../state/ledger.js';
import { deliverToAll } from './deliver.js';
import { ledgerGuard } from './delivery-guard.js';
import { isFinal } from './run-app-unit.js';
import type { UnitOutcome } from './work-unit.js';

export interface DigestDependencies {
  readonly registry: AppRegistry;
  readonly ledger: Ledger;
  /** The digest's channels (its recipients and webhooks); built only when it is sent. */
  readonly channels: () => Promise<ReportChannel[]>;
  readonly schedule: Pick<DeploymentConfig['schedule'], 'timeZone' | 'cutoffHour'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly owner: string;
  readonly leaseMs?: number;
}

/** Every registered app with what the ledger knows of its day; and whether all of them are settled. */
export async function digestEntries(
  registry: AppRegistry,
  ledger: Ledger,
  date: string,
): Promise<{ entries: DigestEntry[]; settled: boolean }> {
  const records = await ledger.listJobs('daily', date);
  const entries: DigestEntry[] = [];
  let settled = true;
  for await (const entry of registry.list()) {
    // Disabled apps are not reported on (a Mini Program without the data permission): not in the digest either.
    if ('app' in entry && entry.app.disabled) continue;
    const record = records.get(entry.name);
    if (!isFinal(record)) settled = false;
    entries.push(digestEntry(entry, record));
  }
  return { entries, settled };
}

/** One app's line: what its unit recorded; else why it was not run (an invalid entry) or that no run has yet. */
function digestEntry(entry: RegistryEntry, record: JobRecord | undefined): DigestEntry {
  // An invalid entry is still named by the display name it gives, when it gives a usable one.
  const appName = 'app' in entry ? (entry.app.displayName ?? entry.name) : (entry.displayName ?? entry.name);
  if (record)
    return {
      name: entry.name,
      appName,
      status: record.status,
      detail: record.detail,
      summary: record.summary,
      ...(record.reason ? { reason: record.reason } : {}),
      ...(record.errcode === undefined ? {} : { errcode: record.errcode }),
    };
  if ('problem' in entry)
    return { name: entry.name, appName, status: 'invalid', detail: entry.problem, reason: invalidEntryReason(entry) };
  return { name: entry.name, appName, status: 'missing', detail: 'no run has reported on it yet', reason: 'not-run' };
}

const digestOutcome = (date: string, status: UnitOutcome['status'], detail: string, retryable?: boolean) => ({
  app: 'digest',
  job: 'digest' as const,
  period: date,
  status,
  detail,
  ...(retryable === undefined ? {} : { retryable }),
});

/**
 * The day's agency digest, once: when every app's daily report is settled (sent, no data, or failed
 * for good), or from the cut-off hour on with what is there. A failure anywhere (the ledger, the
 * registry, a channel) is an outcome, classified, never thrown; the engine logs it once.
 */
export async function runDigest(
  deps: DigestDependencies,
  date: string,
): Promise<UnitOutcome & { report?: DigestReport }> {
  try {
    return await digestSteps(deps, date);
  } catch (error) {
    const failure = classifyFailure(error);
    return digestOutcome(date, 'failed', failure.line, failure.retryable);
  }
}

async function digestSteps(deps: DigestDependencies, date: string): Promise<UnitOutcome & { report?: DigestReport }> {
  const outcome = (status: UnitOutcome['status'], detail: string) => digestOutcome(date, status, detail);
  const done = await deps.ledger.getJob('digest', date, DIGEST_SCOPE);
  if (done?.status === 'sent') return outcome('skipped', 'already sent');
  const pastCutoff = hourIn(deps.clock(), deps.schedule.timeZone) >= deps.schedule.cutoffHour;
  const { entries, settled } = await digestEntries(deps.registry, deps.ledger, date);
  if (!settled && !pastCutoff) {
    const waiting = entries.filter((e) => e.status === 'pending' || e.status === 'missing').length;
    return outcome('not-ready', `${waiting} app(s) not settled yet; it goes out when they are, or at the cut-off`);
  }
  const report = buildDigestReport(date, entries);
  const channels = await deps.channels();
  const guard = ledgerGuard(deps.ledger, { job: 'digest', period: date, app: DIGEST_SCOPE }, deps);
  const deliveries = await deliverToAll(channels, { kind: 'digest', report }, [], deps.logger, guard);
  const busy = deliveries.filter((d) => d.skipped === 'in-progress');
  if (busy.length) return outcome('in-progress', `another run is sending on ${busy.map((d) => d.channel).join(', ')}`);
  await deps.ledger.putJob('digest', date, DIGEST_SCOPE, { status: 'sent', updatedAt: deps.clock().toISOString() });
  const sent = deliveries.filter((d) => !d.skipped).map((d) => d.channel);
  return {
    ...outcome(sent.length ? 'sent' : 'skipped', sent.join(', ') || 'every channel was already sent'),
    report,
  };
}
