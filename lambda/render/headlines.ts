import type { DailyReport } from '../report/daily-report.js';
import { digestMessages } from '../report/digest-i18n.js';
import type { DigestReport } from '../report/digest-report.js';
import { formatChangeWithArrow, formatCount, formatRate } from '../report/format.js';
import { type Locale, messages } from '../report/i18n.js';
import type { MonthlyReport } from '../report/monthly-report.js';
import type { NoDataNotice } from '../report/report-message.js';

/** The daily headline: app, date, visitors and their day-over-day change (email subject, chat fallback). */
export function dailyHeadline(report: DailyReport, locale: Locale): string {
  const t = messages(locale);
  const visitors = report.metrics.visit_uv;
  return t.dailySubject(
    report.appName,
    t.longDate(report.date),
    visitors.value === null ? t.notAvailable : formatCount(visitors.value),
    formatChangeWithArrow(visitors.dayOverDay, t.notAvailable),
  );
}

/** The monthly headline: app, month, active users and their change, new-user retention. */
export function monthlyHeadline(report: MonthlyReport, locale: Locale): string {
  const t = messages(locale);
  const na = t.notAvailable;
  return t.monthly.subject(
    report.appName,
    t.monthly.monthName(report.month),
    report.activeUsers.value === null ? na : formatCount(report.activeUsers.value),
    formatChangeWithArrow(report.activeUsers.change, na),
    report.cohort.newUserRetention === null ? na : formatRate(report.cohort.newUserRetention, na),
  );
}

/** The headline of a "no data" notice. */
export function noDataHeadline(notice: NoDataNotice, locale: Locale): string {
  const t = messages(locale);
  const period = notice.job === 'daily' ? t.longDate(notice.period) : t.monthly.monthName(notice.period);
  return t.noDataNotice.subject(notice.appName, period);
}

/** The digest headline: the day, how many apps, total visitors and their change. */
export function digestHeadline(report: DigestReport, locale: Locale): string {
  const t = messages(locale);
  return digestMessages(locale).subject(
    t.longDate(report.date),
    report.appCount,
    formatCount(report.total.visitors),
    formatChangeWithArrow(report.total.dayOverDay, t.notAvailable),
  );
}
