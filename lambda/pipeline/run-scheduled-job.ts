import { z } from 'zod';
import type { Archive } from '../archive/archive.js';
import {
  beijingYesterday,
  type Clock,
  hourIn,
  isValidIsoDate,
  lastCompleteMonth,
} from '../calendar/beijing-calendar.js';
import type { AppConfig, DeploymentConfig } from '../config/deployment-config.js';
import type { ReportChannel } from '../notify/report-channel.js';
import type { AppSecrets, SecretSource } from '../secrets/secret-source.js';
import type { Logger } from '../shared/logger.js';
import type { JobKind, RunLedger } from '../state/run-ledger.js';
import { isTransient, WechatApiError } from '../wechat/errors.js';
import type { DailyVisitSource } from './daily-history.js';
import { deliverToAll } from './deliver.js';
import { runDailyReport } from './run-daily-report.js';
import { type MonthlyRetainSource, runMonthlyReport } from './run-monthly-report.js';

/** The Scheduler's input (and what `aws lambda invoke` takes to run a job by hand). */
export interface ScheduledJobEvent {
  readonly job: 'daily' | 'monthly' | 'retry';
  /** Override the day of a daily job (YYYY-MM-DD). @default yesterday in Asia/Shanghai */
  readonly date?: string;
  /** Override the month of a monthly job (YYYY-MM). @default the last complete month */
  readonly month?: string;
  /** Only these apps (by config name). @default every app */
  readonly apps?: readonly string[];
}

export type AppJobStatus = 'sent' | 'not-yet-available' | 'no-data-notice' | 'skipped' | 'failed';

export interface AppJobOutcome {
  readonly app: string;
  readonly job: JobKind;
  readonly period: string;
  readonly status: AppJobStatus;
  readonly detail: string;
}

/** The event as the handler receives it: from the Scheduler, or typed by hand. */
export const scheduledJobEventSchema = z.object({
  job: z.enum(['daily', 'monthly', 'retry']),
  date: z.string().refine(isValidIsoDate, 'must be a date YYYY-MM-DD').optional(),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM')
    .optional(),
  apps: z.array(z.string().min(1)).min(1).optional(),
});

/** Told about each outcome, so the handler can turn them into metrics. */
export interface JobObserver {
  outcome(outcome: AppJobOutcome, error?: unknown): void;
}

export interface ScheduledJobDependencies {
  readonly config: DeploymentConfig;
  readonly archive: Archive;
  readonly ledger: RunLedger;
  readonly secrets: SecretSource;
  readonly wechat: (secrets: AppSecrets, app: AppConfig) => DailyVisitSource & MonthlyRetainSource;
  readonly channels: (app: AppConfig, secrets: AppSecrets) => Promise<ReportChannel[]>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly toolVersion: string;
  readonly observer?: JobObserver;
}

/** Some apps failed; the others were done. The Lambda fails so the invocation is retried and alarmed. */
export class ScheduledJobError extends Error {
  override name = 'ScheduledJobError';
  constructor(readonly outcomes: readonly AppJobOutcome[]) {
    const failed = outcomes.filter((o) => o.status === 'failed');
    super(
      `${failed.length} of ${outcomes.length} report(s) failed: ${failed.map((o) => `${o.app} ${o.job} ${o.period}: ${o.detail}`).join('; ')}`,
    );
  }
}

/**
 * Runs a scheduled job for every configured app. The ledger makes it idempotent: a report already
 * sent is never sent twice, whether Lambda retries the invocation or the retry schedule fires. A
 * run that finds no data marks the period pending; the retry schedule picks pending periods up, and
 * from the cut-off hour on a still-empty period gets a "no data" notice instead of silence.
 */
export async function runScheduledJob(
  deps: ScheduledJobDependencies,
  event: ScheduledJobEvent,
): Promise<AppJobOutcome[]> {
  const now = deps.clock();
  const apps = deps.config.apps.filter((a) => !event.apps || event.apps.includes(a.name));
  if (event.apps) {
    const unknown = event.apps.filter((name) => !deps.config.apps.some((a) => a.name === name));
    if (unknown.length) throw new Error(`unknown app(s) in the event: ${unknown.join(', ')}`);
  }
  const jobs: { job: JobKind; period: string }[] =
    event.job === 'daily'
      ? [{ job: 'daily', period: event.date ?? beijingYesterday(now) }]
      : event.job === 'monthly'
        ? [{ job: 'monthly', period: event.month ?? lastCompleteMonth(now) }]
        : [
            { job: 'daily', period: beijingYesterday(now) },
            { job: 'monthly', period: lastCompleteMonth(now) },
          ];
  const pastCutoff = hourIn(now, deps.config.schedule.timeZone) >= deps.config.schedule.cutoffHour;

  const outcomes: AppJobOutcome[] = [];
  for (const app of apps) {
    for (const { job, period } of jobs) {
      const outcome = await runOne(deps, app, job, period, event.job === 'retry', pastCutoff).catch(
        async (error: unknown) => {
          deps.logger.error('report failed', { app: app.name, job, period, error: (error as Error).message });
          await keepForRetry(deps, app, job, period, error);
          const failed: AppJobOutcome = {
            app: app.name,
            job,
            period,
            status: 'failed',
            detail: (error as Error).message,
          };
          deps.observer?.outcome(failed, error);
          return failed;
        },
      );
      if (outcome.status !== 'failed') deps.observer?.outcome(outcome);
      outcomes.push(outcome);
    }
  }
  if (outcomes.some((o) => o.status === 'failed')) throw new ScheduledJobError(outcomes);
  return outcomes;
}

async function runOne(
  deps: ScheduledJobDependencies,
  app: AppConfig,
  job: JobKind,
  period: string,
  isRetry: boolean,
  pastCutoff: boolean,
): Promise<AppJobOutcome> {
  const secrets = await deps.secrets.app(app.name, { needsSecret: !app.tokenService });
  const done = (status: AppJobStatus, detail: string): AppJobOutcome => ({
    app: app.name,
    job,
    period,
    status,
    detail,
  });
  const record = await deps.ledger.get(job, secrets.appid, period);
  if (record?.status === 'sent' || record?.status === 'no-data') return done('skipped', `already ${record.status}`);
  if (isRetry && record?.status !== 'pending') return done('skipped', 'nothing pending');

  const source = deps.wechat(secrets, app);
  const channels = await deps.channels(app, secrets);
  const common = { source, archive: deps.archive, channels, toolVersion: deps.toolVersion, logger: deps.logger };
  const appName = app.displayName ?? app.name;
  const result =
    job === 'daily'
      ? await runDailyReport(common, { date: period, appName })
      : await runMonthlyReport(common, { month: period, appName });
  const stamp = () => deps.clock().toISOString();

  if (result.status === 'sent') {
    await deps.ledger.set(job, secrets.appid, period, { status: 'sent', updatedAt: stamp() });
    return done('sent', result.deliveries.map((d) => d.channel).join(', '));
  }
  if (!pastCutoff) {
    await deps.ledger.set(job, secrets.appid, period, { status: 'pending', updatedAt: stamp(), detail: result.reason });
    return done('not-yet-available', result.reason);
  }
  const notice = { job, appid: secrets.appid, appName, period, reason: result.reason };
  await deliverToAll(channels, { kind: 'no-data', notice }, [], deps.logger);
  await deps.ledger.set(job, secrets.appid, period, { status: 'no-data', updatedAt: stamp(), detail: result.reason });
  return done('no-data-notice', result.reason);
}

/**
 * WeChat busy or unreachable: mark the period pending so the retry schedule tries again within the
 * hour, rather than losing the day's report to a short outage. Other failures (bad credentials,
 * a channel refusing) need a person and are left to the alarms.
 */
async function keepForRetry(
  deps: ScheduledJobDependencies,
  app: AppConfig,
  job: JobKind,
  period: string,
  error: unknown,
) {
  if (!isTransient(error)) return;
  try {
    const { appid } = await deps.secrets.app(app.name, { needsSecret: !app.tokenService });
    const record = await deps.ledger.get(job, appid, period);
    if (record?.status === 'sent' || record?.status === 'no-data') return;
    await deps.ledger.set(job, appid, period, {
      status: 'pending',
      updatedAt: deps.clock().toISOString(),
      detail: (error as Error).message,
    });
  } catch (ledgerError) {
    deps.logger.warn('could not mark the period for a retry', {
      app: app.name,
      job,
      period,
      error: (ledgerError as Error).message,
    });
  }
}

/** The WeChat errcode behind a failure, for metrics. */
export function errcodeOf(error: unknown): number | undefined {
  return error instanceof WechatApiError ? error.errcode : undefined;
}
