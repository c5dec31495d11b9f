import type { Archive } from '../archive/archive.js';
import { type Clock, hourIn } from '../calendar/beijing-calendar.js';
import { type AppConfig, type DeploymentConfig, needsAppSecret } from '../config/deployment-config.js';
import type { Delivery, ReportChannel } from '../notify/report-channel.js';
import { type AppRegistry, invalidEntryReason } from '../registry/app-registry.js';
import type { DailyReport } from '../report/daily-report.js';
import type { ProblemReason } from '../report/problem-reason.js';
import type { AppSecrets, SecretSource } from '../secrets/secret-source.js';
import { classifyFailure } from '../shared/classify-failure.js';
import type { Logger } from '../shared/logger.js';
import { redactSecrets } from '../shared/redact.js';
import type { AppDaySummary, JobKind, JobRecord, JobStatus, Ledger } from '../state/ledger.js';
import type { ArchivedApi } from '../wechat/datacube-apis.js';
import { WechatApiError } from '../wechat/errors.js';
import { type DatacubeSource, runBackfill, scheduledItems } from './backfill.js';
import type { DailyVisitSource } from './daily-history.js';
import { deliverToAll } from './deliver.js';
import { ledgerGuard } from './delivery-guard.js';
import { problemReasonOf } from './problem-reason-of.js';
import { runDailyReport } from './run-daily-report.js';
import { type MonthlyRetainSource, runMonthlyReport } from './run-monthly-report.js';
import type { UnitOutcome } from './work-unit.js';

/** Everything one unit of work needs; the Lambda worker and `wxa-report run` build the same. */
export interface UnitDependencies {
  readonly registry: AppRegistry;
  readonly ledger: Ledger;
  readonly archive: Archive;
  readonly secrets: SecretSource;
  readonly wechat: (app: AppConfig, secrets: AppSecrets) => DailyVisitSource & MonthlyRetainSource & DatacubeSource;
  /** Built only when a report is ready to go, so a run that sends nothing loads no renderer. */
  readonly channels: (app: AppConfig, secrets: AppSecrets) => Promise<ReportChannel[]>;
  readonly schedule: Pick<DeploymentConfig['schedule'], 'timeZone' | 'cutoffHour'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly toolVersion: string;
  /** Names this run in delivery claims (a Lambda request id, a process id). */
  readonly owner: string;
  /** @default DEFAULT_LEASE_MS */
  readonly leaseMs?: number;
  /** The other APIs archived with each report (daily ones daily, weekly on Mondays, monthly monthly). @default none */
  readonly archiveApis?: readonly ArchivedApi[];
  /** How long a report may fetch the history it lacks (a first report). @default HISTORY_BUDGET_MS */
  readonly historyBudgetMs?: number;
}

const FINAL: ReadonlySet<JobStatus> = new Set(['sent', 'no-data', 'failed']);
export const isFinal = (record: JobRecord | undefined) => record !== undefined && FINAL.has(record.status);

/**
 * One app's report for one period, exactly once per channel. A period already done is skipped; one
 * WeChat has not published stays `pending` for the retry schedule until the cut-off, then gets a
 * "no data" notice; a channel that failed stays `pending` and is retried alone later (the channels
 * already sent are skipped through the ledger). Failures are outcomes, never thrown, wherever they
 * happen (the registry and the ledger included): one app cannot stop another, and each failure is
 * classified (`classifyFailure`): transient ones stay `pending` for a retry, the others are `failed`.
 */
export async function runAppUnit(
  deps: UnitDependencies,
  unit: { readonly job: JobKind; readonly period: string; readonly app: string },
): Promise<UnitOutcome> {
  try {
    return await runUnitSteps(deps, unit);
  } catch (error) {
    // A channel that failed, WeChat busy, S3 or DynamoDB answering 503: retried (the engine backs off
    // within minutes, then the retry schedule takes over until the cut-off), even after the cut-off:
    // that is about waiting for data, not about a 503. Bad credentials, a refused permission, a
    // missing bucket, a damaged record, an interrupted send: a person must act, so the failure is
    // final and alarmed. The engine logs it, once.
    const failure = classifyFailure(error);
    const detail = redactSecrets(failure.line);
    const why = problemReasonOf(error);
    await deps.ledger
      .putJob(unit.job, unit.period, unit.app, {
        status: failure.retryable ? 'pending' : 'failed',
        updatedAt: deps.clock().toISOString(),
        detail,
        reason: why.reason,
        ...(why.errcode === undefined ? {} : { errcode: why.errcode }),
      })
      .catch((ledgerError: unknown) =>
        deps.logger.warn('could not record the failure', { app: unit.app, error: (ledgerError as Error).message }),
      );
    return {
      app: unit.app,
      job: unit.job,
      period: unit.period,
      status: 'failed',
      detail,
      retryable: failure.retryable,
      ...(error instanceof WechatApiError ? { errcode: error.errcode } : {}),
    };
  }
}

async function runUnitSteps(
  deps: UnitDependencies,
  unit: { readonly job: JobKind; readonly period: string; readonly app: string },
): Promise<UnitOutcome> {
  const { job, period } = unit;
  const outcome = (status: UnitOutcome['status'], detail: string, retryable?: boolean): UnitOutcome => ({
    app: unit.app,
    job,
    period,
    status,
    detail,
    ...(retryable === undefined ? {} : { retryable }),
  });
  const record = (
    status: JobStatus,
    detail?: string,
    summary?: AppDaySummary,
    why?: { readonly reason: ProblemReason; readonly errcode?: number },
  ) =>
    deps.ledger.putJob(job, period, unit.app, {
      status,
      updatedAt: deps.clock().toISOString(),
      ...(detail ? { detail } : {}),
      ...(summary ? { summary } : {}),
      ...(why ? { reason: why.reason } : {}),
      ...(why?.errcode === undefined ? {} : { errcode: why.errcode }),
    });

  /** Records how the channels ended: done, or pending while another run still holds one. */
  const settle = async (
    deliveries: readonly Delivery[],
    done: 'sent' | 'no-data',
    summary?: AppDaySummary,
    reason?: string,
  ) => {
    const busy = deliveries.filter((d) => d.skipped === 'in-progress').map((d) => d.channel);
    if (busy.length) {
      // Another run holds these channels; it records its own result, and the retry schedule confirms.
      await record('pending', `being sent by another run: ${busy.join(', ')}`, undefined, { reason: 'in-progress' });
      return outcome('in-progress', `another run is sending on ${busy.join(', ')}`);
    }
    await record(done, reason, summary, done === 'no-data' ? { reason: 'no-data' } : undefined);
    const sent = deliveries.filter((d) => !d.skipped).map((d) => d.channel);
    if (done === 'no-data') return outcome('no-data-notice', reason ?? '');
    return outcome(sent.length ? 'sent' : 'skipped', sent.length ? sent.join(', ') : 'every channel was already sent');
  };

  const entry = await deps.registry.get(unit.app);
  if (!entry) {
    await record('failed', 'not in the app registry (removed since the run was planned?)', undefined, {
      reason: 'invalid-entry',
    });
    return outcome('failed', 'not in the app registry', false);
  }
  if ('problem' in entry) {
    const detail = `invalid registry entry: ${entry.problem}`;
    await record('failed', detail, undefined, { reason: invalidEntryReason(entry) });
    return outcome('failed', detail, false);
  }
  const app = entry.app;
  if (app.disabled) return outcome('skipped', `disabled: ${app.disabled}`);
  const existing = await deps.ledger.getJob(job, period, unit.app);
  if (existing?.status === 'sent' || existing?.status === 'no-data')
    return outcome('skipped', `already ${existing.status}`);

  const pastCutoff = hourIn(deps.clock(), deps.schedule.timeZone) >= deps.schedule.cutoffHour;
  const appName = app.displayName ?? app.name;
  const secrets = await deps.secrets.app(app.name, { needsSecret: needsAppSecret(app), appid: app.appid });
  const source = deps.wechat(app, secrets);
  const channels = await deps.channels(app, secrets);
  const guard = ledgerGuard(deps.ledger, { job, period, app: unit.app }, deps);
  const common = {
    source,
    archive: deps.archive,
    channels,
    toolVersion: deps.toolVersion,
    logger: deps.logger,
    guard,
    // What WeChat has no data for is remembered in the ledger, so a first report asks it once.
    history: { memory: deps.ledger, clock: deps.clock, budgetMs: deps.historyBudgetMs },
  };
  const result =
    job === 'daily'
      ? await runDailyReport(common, { date: period, appName })
      : await runMonthlyReport(common, { month: period, appName });

  if (result.status === 'sent') {
    const summary = 'date' in result.report ? daySummary(result.report, appName) : undefined;
    const settled = await settle(result.deliveries, 'sent', summary);
    const missed = await archiveExtras(deps, source, job, period);
    return missed ? { ...settled, detail: `${settled.detail}; ${missed}` } : settled;
  }
  if (!pastCutoff) {
    await record('pending', result.reason, undefined, { reason: 'not-published' });
    return outcome('not-yet-available', result.reason);
  }
  const notice = { job, appid: secrets.appid, appName, period, reason: result.reason };
  const noticed = await deliverToAll(channels, { kind: 'no-data', notice }, [], deps.logger, guard);
  return settle(noticed, 'no-data', undefined, result.reason);
}

/**
 * The day's (week's, month's) other APIs, after the report went out. They never fail the report:
 * what could not be archived is said in the outcome and logged, and `backfill --apis` fills it in.
 */
async function archiveExtras(
  deps: UnitDependencies,
  source: DatacubeSource,
  job: JobKind,
  period: string,
): Promise<string | undefined> {
  if (!deps.archiveApis?.length) return undefined;
  const items = scheduledItems(deps.archiveApis, source.appid, job, period);
  const result = await runBackfill({ source, archive: deps.archive, toolVersion: deps.toolVersion }, items);
  for (const { item, error } of result.failures)
    deps.logger.warn('could not archive', { api: item.api.cli, location: deps.archive.locate(item.key), error });
  // A refusal that stopped several APIs is logged once; a quota's APIs are left for the next run.
  for (const stop of result.stopped) deps.logger.warn('could not archive', { apis: stop.apis, error: stop.error });
  const missing = [
    ...result.failures.map((f) => f.item.api.cli),
    ...result.stopped.flatMap((s) => s.apis),
    ...items.filter((i) => result.quotaReached.some((q) => q.api === i.api.endpoint.name)).map((i) => i.api.cli),
  ];
  return missing.length ? `not archived: ${[...new Set(missing)].join(', ')}` : undefined;
}

function daySummary(report: DailyReport, appName: string): AppDaySummary {
  const visitors = report.metrics.visit_uv;
  return {
    appName,
    appid: report.appid,
    visitors: visitors.value,
    previousDay: visitors.previousDay,
    dayOverDay: visitors.dayOverDay,
  };
}
