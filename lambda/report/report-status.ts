import { DAILY_METRICS, type DailyMetric } from '../domain/daily-visit-trend.js';
import type { Anomaly } from './anomaly.js';
import type { DailyReport } from './daily-report.js';
import type { DigestReport } from './digest-report.js';

/**
 * How a report reads at a glance: `normal` (nothing unusual), `watch` (something is unusually high —
 * a campaign, or bots — or a report is still missing), `alert` (something fell below its usual
 * range, or an app failed). Shown as the status colour and said in words; ⚠ in the subject.
 */
export type ReportStatus = 'normal' | 'watch' | 'alert';

export interface FlaggedMetric {
  readonly metric: DailyMetric;
  readonly anomaly: Anomaly & { readonly status: 'high' | 'low'; readonly deviation: number };
}

/** The unusual metrics of the day: visitors first (the headline), then the largest gap first. */
export function flaggedMetrics(report: DailyReport): FlaggedMetric[] {
  const flagged = DAILY_METRICS.flatMap((metric) => {
    const anomaly = report.anomalies[metric];
    return (anomaly.status === 'high' || anomaly.status === 'low') && anomaly.deviation !== null
      ? [{ metric, anomaly: anomaly as FlaggedMetric['anomaly'] }]
      : [];
  });
  const rank = (f: FlaggedMetric) =>
    f.metric === 'visit_uv' ? Number.POSITIVE_INFINITY : Math.abs(f.anomaly.deviation);
  return flagged.sort((a, b) => rank(b) - rank(a));
}

/** Alert when anything fell below its usual range, watch when something only rose above it. */
export function dailyStatus(report: DailyReport): ReportStatus {
  const flagged = flaggedMetrics(report);
  if (flagged.some((f) => f.anomaly.status === 'low')) return 'alert';
  return flagged.length ? 'watch' : 'normal';
}

/** Alert when an app failed (a person must act), watch when reports are missing for now, else normal. */
export function digestStatus(report: DigestReport): ReportStatus {
  if (report.problems.some((p) => p.kind === 'failed')) return 'alert';
  return report.problems.length ? 'watch' : 'normal';
}
