import * as z from 'zod/mini';
import {
  beijingYesterday,
  type Clock,
  hourIn,
  isValidIsoDate,
  lastCompleteMonth,
} from '../calendar/beijing-calendar.js';
import { type DeploymentConfig, knownFields } from '../config/deployment-config.js';
import { type AppRegistry, invalidEntryReason, type RegistryEntry } from '../registry/app-registry.js';
import type { Logger } from '../shared/logger.js';
import { DIGEST_SCOPE, type JobKind, type Ledger } from '../state/ledger.js';
import type { WorkUnit } from './work-unit.js';

/** The Scheduler's input (and what `aws lambda invoke` or `wxa-report run` take to run a job by hand). */
export interface ScheduledJobEvent {
  readonly job: 'daily' | 'monthly' | 'retry';
  /** Override the day of a daily job (YYYY-MM-DD). @default yesterday in Asia/Shanghai */
  readonly date?: string;
  /** Override the month of a monthly job (YYYY-MM). @default the last complete month */
  readonly month?: string;
  /** Only these apps (by registry name). @default every app */
  readonly apps?: readonly string[];
}

/** A misspelt field (`"app"` for `"apps"`) is named: dropping it would run every app. */
export const scheduledJobEventSchema = knownFields({
  job: z.enum(['daily', 'monthly', 'retry']),
  date: z.optional(z.string().check(z.refine(isValidIsoDate, 'must be a date YYYY-MM-DD'))),
  month: z.optional(z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM'))),
  apps: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
});

export interface PlanDependencies {
  readonly registry: AppRegistry;
  readonly ledger: Ledger;
  readonly schedule: Pick<DeploymentConfig['schedule'], 'timeZone' | 'cutoffHour'>;
  /** Whether the deployment sends an agency digest. */
  readonly digest: boolean;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface Plan {
  readonly units: readonly WorkUnit[];
  /** Registry entries that cannot run, each naming the field; recorded as failed, never blocking the rest. */
  readonly invalid: readonly {
    readonly name: string;
    readonly job: JobKind;
    readonly period: string;
    readonly problem: string;
  }[];
  /** Apps left out because the ledger has their period done already. */
  readonly alreadyDone: readonly {
    readonly app: string;
    readonly job: JobKind;
    readonly period: string;
    readonly status: string;
  }[];
}

export class UnknownAppError extends Error {
  override name = 'UnknownAppError';
}

/**
 * The dispatcher's use case: which units of work a scheduled job means. Daily and monthly jobs: one
 * unit per registered app (paged through the registry) not already done. Retry: the units the ledger
 * holds as pending for yesterday and last month, and from the cut-off on the day's digest if unsent.
 */
export async function planUnits(deps: PlanDependencies, event: ScheduledJobEvent): Promise<Plan> {
  const only = event.apps ? new Set(event.apps) : undefined;
  return event.job === 'retry' ? planRetry(deps, only) : planPeriod(deps, event, event.job, only);
}

async function planRetry(deps: PlanDependencies, only: ReadonlySet<string> | undefined): Promise<Plan> {
  const now = deps.clock();
  const yesterday = beijingYesterday(now);
  const units: WorkUnit[] = [];
  for (const [job, period] of [
    ['daily', yesterday],
    ['monthly', lastCompleteMonth(now)],
  ] as [JobKind, string][]) {
    // A damaged record may be a pending unit: its unit runs, and fails naming the record (a
    // FailedUnits record, `run`'s exit status), rather than waiting unseen for a retry never coming.
    const damaged: string[] = [];
    const records = await deps.ledger.listJobs(job, period, (app) => damaged.push(app));
    for (const [app, record] of records) {
      if (record.status === 'pending' && (!only || only.has(app))) units.push({ job, period, app });
    }
    for (const app of damaged) if (!only || only.has(app)) units.push({ job, period, app });
  }
  const pastCutoff = hourIn(now, deps.schedule.timeZone) >= deps.schedule.cutoffHour;
  if (deps.digest && pastCutoff && !only) {
    const digest = await deps.ledger.getJob('digest', yesterday, DIGEST_SCOPE);
    if (digest?.status !== 'sent') units.push({ job: 'digest', period: yesterday });
  }
  return { units, invalid: [], alreadyDone: [] };
}

async function planPeriod(
  deps: PlanDependencies,
  event: ScheduledJobEvent,
  job: JobKind,
  only: ReadonlySet<string> | undefined,
): Promise<Plan> {
  const now = deps.clock();
  const units: WorkUnit[] = [];
  const invalid: { name: string; job: JobKind; period: string; problem: string }[] = [];
  const alreadyDone: { app: string; job: JobKind; period: string; status: string }[] = [];
  const period = job === 'daily' ? (event.date ?? beijingYesterday(now)) : (event.month ?? lastCompleteMonth(now));
  const records = await deps.ledger.listJobs(job, period);
  const seen = new Set<string>();
  for await (const entry of deps.registry.list()) {
    if (only && !only.has(entry.name)) continue;
    seen.add(entry.name);
    const status = records.get(entry.name)?.status;
    if ('problem' in entry) {
      invalid.push({ name: entry.name, job, period, problem: entry.problem });
      await recordInvalid(deps, job, period, entry);
    } else if (entry.app.disabled) {
      alreadyDone.push({ app: entry.name, job, period, status: `disabled: ${entry.app.disabled}` });
    } else if (status === 'sent' || status === 'no-data') {
      alreadyDone.push({ app: entry.name, job, period, status });
    } else {
      units.push({ job, period, app: entry.name });
    }
  }
  const unknown = [...(only ?? [])].filter((name) => !seen.has(name));
  if (unknown.length) throw new UnknownAppError(`unknown app(s): ${unknown.join(', ')} (see "wxa-report apps list")`);
  return { units, invalid, alreadyDone };
}

/** Recorded so the digest lists it; a name the ledger cannot hold is reported all the same. */
async function recordInvalid(
  deps: PlanDependencies,
  job: JobKind,
  period: string,
  entry: Extract<RegistryEntry, { readonly problem: string }>,
): Promise<void> {
  await deps.ledger
    .putJob(job, period, entry.name, {
      status: 'failed',
      updatedAt: deps.clock().toISOString(),
      detail: `invalid registry entry: ${entry.problem}`,
      reason: invalidEntryReason(entry),
    })
    .catch((error: unknown) =>
      deps.logger.warn('could not record an invalid entry', { app: entry.name, error: (error as Error).message }),
    );
}
