import { weekday } from '../calendar/beijing-calendar.js';
import { dailyExtrasMessages } from '../report/daily-extras-i18n.js';
import type { DailyReport } from '../report/daily-report.js';
import { type Locale, messages } from '../report/i18n.js';
import { dailyStatus, flaggedMetrics, type ReportStatus } from '../report/report-status.js';

/**
 * One line per unusual metric ("访问人数比过去 6 个周一的常态低 23%"), visitors first, or one line
 * saying all is usual, or that there is not enough history to judge; with the day's status. Shared
 * by the email and the chats.
 */
export function anomalyLines(
  report: DailyReport,
  locale: Locale,
): { lines: string[]; unusual: boolean; status: ReportStatus } {
  const t = messages(locale);
  const x = dailyExtrasMessages(locale);
  const day = weekday(report.date);
  const reference = report.anomalies.visit_uv;
  const status = dailyStatus(report);
  if (reference.status === 'insufficient-history')
    return { lines: [x.insufficient(reference.weeks, day)], unusual: false, status };
  const lines = flaggedMetrics(report).map(({ metric, anomaly }) =>
    x.anomaly(
      t.metricNames[metric],
      `${Math.round(Math.abs(anomaly.deviation) * 100)}%`,
      anomaly.weeks,
      day,
      anomaly.status,
    ),
  );
  return lines.length
    ? { lines, unusual: true, status }
    : { lines: [x.allUsual(reference.weeks, day)], unusual: false, status };
}
