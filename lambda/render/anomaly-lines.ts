import { weekday } from '../calendar/beijing-calendar.js';
import { DAILY_METRICS } from '../domain/daily-visit-trend.js';
import { dailyExtrasMessages } from '../report/daily-extras-i18n.js';
import type { DailyReport } from '../report/daily-report.js';
import { type Locale, messages } from '../report/i18n.js';

/**
 * One line per unusual metric ("访问人数比过去 6 个周一的常态低 23%"), or one line saying all is
 * usual, or that there is not enough history to judge. Shared by the email, the chats and `--json`
 * readers' eyes alike.
 */
export function anomalyLines(report: DailyReport, locale: Locale): { lines: string[]; unusual: boolean } {
  const t = messages(locale);
  const x = dailyExtrasMessages(locale);
  const day = weekday(report.date);
  const reference = report.anomalies.visit_uv;
  if (reference.status === 'insufficient-history')
    return { lines: [x.insufficient(reference.weeks, day)], unusual: false };
  const lines = DAILY_METRICS.flatMap((metric) => {
    const a = report.anomalies[metric];
    if ((a.status !== 'high' && a.status !== 'low') || a.deviation === null) return [];
    return [x.anomaly(t.metricNames[metric], `${Math.round(Math.abs(a.deviation) * 100)}%`, a.weeks, day, a.status)];
  });
  return lines.length ? { lines, unusual: true } : { lines: [x.allUsual(reference.weeks, day)], unusual: false };
}
