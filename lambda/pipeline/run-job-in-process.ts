import pLimit from 'p-limit';
import { beijingYesterday } from '../calendar/beijing-calendar.js';
import { planUnits, type ScheduledJobEvent } from './plan-units.js';
import { runAppUnit, type UnitDependencies } from './run-app-unit.js';
import { type DigestDependencies, runDigest } from './run-digest.js';
import type { UnitOutcome } from './work-unit.js';

export interface InProcessJobDependencies extends UnitDependencies {
  /** The digest's channels, when the config has a digest. */
  readonly digestChannels?: DigestDependencies['channels'];
}

/** The default number of units in flight (the Lambda engine's maximum concurrency too); see the README. */
export const DEFAULT_CONCURRENCY = 10;

/**
 * A scheduled job in this process: the same planner, unit and digest use cases as the Lambda
 * dispatcher and workers, with a bounded pool in place of the queue. `wxa-report run` is this.
 */
export async function runJobInProcess(
  deps: InProcessJobDependencies,
  event: ScheduledJobEvent,
  concurrency = DEFAULT_CONCURRENCY,
  onOutcome?: (outcome: UnitOutcome) => void,
): Promise<UnitOutcome[]> {
  const plan = await planUnits({ ...deps, digest: deps.digestChannels !== undefined }, event);
  const report = (outcome: UnitOutcome) => {
    onOutcome?.(outcome);
    return outcome;
  };
  const outcomes: UnitOutcome[] = plan.invalid.map(({ name, job, period, problem }) =>
    report({
      app: name,
      job,
      period,
      status: 'failed',
      detail: `invalid registry entry: ${problem}`,
      retryable: false,
    }),
  );
  for (const done of plan.alreadyDone)
    outcomes.push(
      report({
        app: done.app,
        job: done.job,
        period: done.period,
        status: 'skipped',
        detail: done.status.startsWith('disabled') ? done.status : `already ${done.status}`,
      }),
    );
  const limit = pLimit(concurrency);
  const appUnits = plan.units.filter((u) => u.job !== 'digest');
  outcomes.push(
    ...(await Promise.all(
      appUnits.map((unit) =>
        limit(async () =>
          report(
            await runAppUnit(deps, { job: unit.job as 'daily' | 'monthly', period: unit.period, app: unit.app ?? '' }),
          ),
        ),
      ),
    )),
  );
  // After the apps, the digest: when all of the day's apps are settled, or (retry) from the cut-off on.
  if (deps.digestChannels && event.job !== 'monthly' && !event.apps) {
    const date =
      event.job === 'daily' ? (event.date ?? beijingYesterday(deps.clock())) : beijingYesterday(deps.clock());
    const digest = await runDigest({ ...deps, channels: deps.digestChannels }, date);
    const { report: _report, ...outcome } = digest;
    if (outcome.status !== 'skipped' || event.job === 'daily') outcomes.push(report(outcome));
  }
  return outcomes;
}
