import type { DailyReport } from '../report/daily-report.js';
import { digestMessages } from '../report/digest-i18n.js';
import type { DigestProblem, DigestReport, ProblemGroup } from '../report/digest-report.js';
import { formatChangeWithArrow, formatCount, formatMetric, formatRate } from '../report/format.js';
import { type Locale, messages } from '../report/i18n.js';
import type { MonthlyReport } from '../report/monthly-report.js';
import type { NoDataNotice } from '../report/report-message.js';
import { flaggedMetrics, type ReportStatus } from '../report/report-status.js';

/**
 * The daily headline (email subject and preheader, chat titles and notifications): app, date,
 * visitors and their day-over-day change; on a day with unusual metrics, ⚠ and the first of them
 * (visitors when they are among them) with its gap from the usual.
 */
export function dailyHeadline(report: DailyReport, locale: Locale): string {
  const t = messages(locale);
  const [first, ...others] = flaggedMetrics(report);
  if (first) {
    const m = first.metric;
    return t.alarmSubject(
      report.appName,
      t.shortDate(report.date),
      t.metricNames[m],
      formatMetric(m, report.metrics[m].value, t.notAvailable),
      `${Math.round(Math.abs(first.anomaly.deviation) * 100)}%`,
      first.anomaly.status,
      others.length,
    );
  }
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
  const d = digestMessages(locale);
  if (!report.ranked.length && report.appCount) return d.subjectNoneReported(t.longDate(report.date), report.appCount);
  return d.subject(
    t.longDate(report.date),
    report.appCount,
    formatCount(report.total.visitors),
    formatChangeWithArrow(report.total.dayOverDay, t.notAvailable),
    report.problems.length,
  );
}

/** The status in words, with ⚠ when it is not normal: "● 正常", "⚠ 警报". */
export function statusLabel(status: ReportStatus, words: Readonly<Record<ReportStatus, string>>): string {
  return `${status === 'normal' ? '●' : '⚠'} ${words[status]}`;
}

/** One app without a report, on one line: its display name, why, and what to do, in the digest's language. */
export function problemText(problem: DigestProblem, locale: Locale): string {
  const d = digestMessages(locale);
  const { what, todo } = problemWords(problem, locale);
  // WeChat's errcode helps whoever fixes a failure; on a report that is merely late it is noise.
  return d.problemLine(problem.appName, what, todo, problem.kind === 'failed' ? problem.errcode : undefined);
}

/** Many apps without a report that share a reason, on one line: how many, a few names, what to do. */
export function problemGroupText(group: ProblemGroup, locale: Locale): string {
  const { what, todo } = digestMessages(locale).reasons[group.reason];
  return digestMessages(locale).problemGroupLine(what, group.count, group.examples, todo);
}

/** The environment variable or SSM parameter a missing-secret detail names. */
export function missingSecretIn(detail: string): { readonly kind: 'env' | 'ssm'; readonly name: string } | undefined {
  const ssm = /SSM parameter (\S+) is missing/.exec(detail)?.[1];
  if (ssm) return { kind: 'ssm', name: ssm };
  const env = /\b([A-Z][A-Z0-9_]+) is not set/.exec(detail)?.[1];
  return env ? { kind: 'env', name: env } : undefined;
}

/** The reason's words, made specific by the detail: the secret to set, the field that is wrong. */
function problemWords(problem: DigestProblem, locale: Locale): { readonly what: string; readonly todo: string } {
  const d = digestMessages(locale);
  const words = d.reasons[problem.reason];
  if (problem.reason === 'missing-secret') {
    const where = missingSecretIn(problem.detail);
    return where ? { what: words.what, todo: d.setSecret(where) } : words;
  }
  if ((problem.reason === 'invalid-config' || problem.reason === 'invalid-entry') && problem.detail) {
    if (/not in the app registry/.test(problem.detail)) return words;
    const fault = d.fault(problem.detail);
    return { what: locale === 'en' ? `${words.what} (${fault})` : `${words.what}（${fault}）`, todo: words.todo };
  }
  return words;
}
