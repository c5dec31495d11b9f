import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { describeIssues } from '../config/deployment-config.js';
import { planUnits, type ScheduledJobEvent, scheduledJobEventSchema } from '../pipeline/plan-units.js';
import { classifyFailure } from '../shared/classify-failure.js';
import { redactedError } from '../shared/redact.js';
import { config, failures, ledger, registry, workQueue } from './deployment.js';
import { logger, metrics } from './observability.js';

export interface DispatchResult {
  readonly job: ScheduledJobEvent['job'];
  readonly queued: number;
  readonly alreadyDone: number;
  readonly invalid: readonly { readonly name: string; readonly problem: string }[];
}

/**
 * The dispatcher: what the schedules invoke. It pages through the registry and the ledger and puts
 * one message per (app, job, period) on the work queue; it never runs a report itself, so its time
 * does not grow with slow apps (5,000 apps: 500 SendMessageBatch calls).
 */
export async function handler(input: unknown): Promise<DispatchResult> {
  const parsed = scheduledJobEventSchema.safeParse(input);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues).join('; ');
    throw new Error(
      `the event must be {"job": "daily" | "monthly" | "retry", "date"?: "YYYY-MM-DD", "month"?: "YYYY-MM", "apps"?: [names]}: ${problems}`,
    );
  }
  const event: ScheduledJobEvent = parsed.data;
  try {
    const plan = await planUnits(
      {
        registry,
        ledger,
        schedule: config.schedule,
        digest: config.digest !== undefined,
        clock: () => new Date(),
        logger,
      },
      event,
    );
    await workQueue.enqueue(plan.units);
    // An invalid entry never stops the others, but it is a failure someone must fix: recorded and alarmed.
    for (const { name, job, period, problem } of plan.invalid) {
      logger.error('invalid registry entry, not run', { app: name, problem });
      await failures.record({
        app: name,
        job,
        period,
        reason: `invalid registry entry: ${problem}`,
        kind: 'needs-person',
        attempts: 0,
        failedAt: new Date().toISOString(),
      });
    }
    metrics.addMetric('UnitsQueued', MetricUnit.Count, plan.units.length);
    metrics.addMetric('InvalidApps', MetricUnit.Count, plan.invalid.length);
    const result = {
      job: event.job,
      queued: plan.units.length,
      alreadyDone: plan.alreadyDone.length,
      invalid: plan.invalid.map(({ name, problem }) => ({ name, problem })),
    };
    logger.info('dispatched', { ...result });
    return result;
  } catch (error) {
    // Nothing (or not everything) was queued: Lambda retries the invocation, then its DLQ alarms.
    const failure = classifyFailure(error);
    logger.error('dispatch failed', { job: event.job, reason: failure.line, kind: failure.kind });
    throw redactedError(Object.assign(new Error(failure.line), { name: (error as Error).name }));
  } finally {
    metrics.publishStoredMetrics();
  }
}
