import { weekday } from '../calendar/beijing-calendar.js';
import { DAILY_METRICS } from '../domain/daily-visit-trend.js';
import { dailyExtrasMessages } from '../report/daily-extras-i18n.js';
import { anomalyDates, type DailyReport } from '../report/daily-report.js';
import { historyGapLines } from '../report/history-gaps.js';
import { type Locale, messages } from '../report/i18n.js';
import { dailyStatus, flaggedMetrics, type ReportStatus } from '../report/report-status.js';

/**
 * One line per unusual metric ("访问人数比过去 6 个周一的常态低 23%"), visitors first, or one line
 * saying all is usual, or why nothing is judged (too little history at WeChat, or not all of it
 * fetched this time); a line naming any metric the day's answer left out (not judged); with the
 * day's status, and `notes` saying what history is missing and why. Shared by the email and the chats.
 */
export function anomalyLines(
  report: DailyReport,
  locale: Locale,
): { lines: string[]; unusual: boolean; status: ReportStatus; notes: string[] } {
  const t = messages(locale);
  const x = dailyExtrasMessages(locale);
  const day = weekday(report.date);
  const reference = report.anomalies.visit_uv;
  const status = dailyStatus(report);
  const notes = historyGapLines(report.gaps, locale);
  if (reference.status === 'insufficient-history') {
    const missing = new Set(report.gaps.missing);
    const fetchedTooFew = anomalyDates(report.date).some((d) => missing.has(d));
    return {
      lines: [fetchedTooFew ? x.notJudged(reference.weeks, day) : x.insufficient(reference.weeks, day)],
      unusual: false,
      status,
      notes,
    };
  }
  const lines = flaggedMetrics(report).map(({ metric, anomaly }) =>
    x.anomaly(
      t.metricNames[metric],
      `${Math.round(Math.abs(anomaly.deviation) * 100)}%`,
      anomaly.weeks,
      day,
      anomaly.status,
    ),
  );
  // A metric WeChat left out that day (stay_time_uv is optional) is said, never counted as usual.
  const absent = DAILY_METRICS.filter((metric) => report.anomalies[metric].status === 'no-value');
  const notJudged = absent.length ? [x.notInAnswer(absent.map((metric) => t.metricNames[metric]))] : [];
  return lines.length
    ? { lines: [...lines, ...notJudged], unusual: true, status, notes }
    : { lines: [x.allUsual(reference.weeks, day, absent.length > 0), ...notJudged], unusual: false, status, notes };
}
