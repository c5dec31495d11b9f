import { roundRatio } from './change.js';
import { inferReason, isProblemReason, type ProblemReason } from './problem-reason.js';

/** An app's headline figures for the day, kept (in the ledger) for the agency digest. */
export interface AppDaySummary {
  readonly appName: string;
  readonly appid: string;
  readonly visitors: number | null;
  readonly previousDay: number | null;
  readonly dayOverDay: number | null;
}

/** One app's line in the agency digest, as the ledger knows it at send time. */
export interface DigestEntry {
  readonly name: string;
  /** `missing`: the app is registered but no run has recorded anything for the day. */
  readonly status: 'pending' | 'sent' | 'no-data' | 'failed' | 'missing' | 'invalid';
  readonly detail?: string;
  readonly summary?: AppDaySummary;
  /** The app's display name, for the apps without figures (the ranked ones have it in `summary`). @default name */
  readonly appName?: string;
  /** Why there is no report, as recorded with the unit; inferred from status and detail when absent. */
  readonly reason?: ProblemReason;
  /** WeChat's errcode, when a WeChat refusal is the reason. */
  readonly errcode?: number;
}

export interface DigestAppLine {
  readonly name: string;
  readonly appName: string;
  readonly appid?: string;
  readonly visitors: number | null;
  readonly previousDay: number | null;
  readonly dayOverDay: number | null;
}

export interface DigestProblem {
  readonly name: string;
  /** The display name. */
  readonly appName: string;
  readonly kind: 'not-yet-available' | 'no-data' | 'failed';
  /** Why, as a code the digest says in its language (with what to do). */
  readonly reason: ProblemReason;
  readonly errcode?: number;
  /** The technical detail the ledger holds (English), for the JSON and the logs. */
  readonly detail: string;
}

/** The portfolio view of one day over every app. */
export interface DigestReport {
  readonly date: string;
  /** Apps with figures, most visitors first. */
  readonly ranked: readonly DigestAppLine[];
  readonly total: {
    readonly visitors: number;
    readonly previousDay: number | null;
    readonly dayOverDay: number | null;
    /** How many apps the change compares: those with figures on both days (like with like). */
    readonly comparedApps: number;
  };
  /** Largest relative gains and drops (at most MOVERS each), apps with a comparison only. */
  readonly moversUp: readonly DigestAppLine[];
  readonly moversDown: readonly DigestAppLine[];
  readonly problems: readonly DigestProblem[];
  readonly appCount: number;
}

export const MOVERS = 3;

/** Past this many apps without a report, a message lists them one line per reason instead of one per app. */
export const PROBLEMS_LISTED = 12;
/** How many names a reason's line gives as examples. */
export const GROUP_EXAMPLES = 3;

/** The apps without a report that share a reason: how many, and the first few by name. */
export interface ProblemGroup {
  readonly reason: ProblemReason;
  readonly kind: DigestProblem['kind'];
  readonly count: number;
  /** The display names of the first GROUP_EXAMPLES apps. */
  readonly examples: readonly string[];
}

const URGENCY = { failed: 0, 'no-data': 1, 'not-yet-available': 2 } as const;

/**
 * The apps without a report, one group per reason: the most urgent kind first (a person must act),
 * then the larger groups. Every app is counted in its group; only the first few are named.
 */
export function problemGroups(problems: readonly DigestProblem[]): ProblemGroup[] {
  const groups = new Map<ProblemReason, { kind: DigestProblem['kind']; count: number; examples: string[] }>();
  for (const problem of problems) {
    const group = groups.get(problem.reason) ?? { kind: problem.kind, count: 0, examples: [] };
    group.count++;
    if (URGENCY[problem.kind] < URGENCY[group.kind]) group.kind = problem.kind;
    if (group.examples.length < GROUP_EXAMPLES) group.examples.push(problem.appName);
    groups.set(problem.reason, group);
  }
  return [...groups]
    .map(([reason, g]) => ({ reason, ...g }))
    .sort((a, b) => URGENCY[a.kind] - URGENCY[b.kind] || b.count - a.count || a.reason.localeCompare(b.reason));
}

/** Whether a message lists the apps without a report by reason (many) or one by one (few). */
export const groupsProblems = (report: Pick<DigestReport, 'problems'>) => report.problems.length > PROBLEMS_LISTED;

/** Why an app has no figures, with the reason recorded with its unit or inferred from its status. */
function problemOf(status: Exclude<DigestEntry['status'], 'sent'>, entry: DigestEntry): DigestProblem {
  const kind =
    status === 'no-data' ? 'no-data' : status === 'failed' || status === 'invalid' ? 'failed' : 'not-yet-available';
  // A reason written by a newer version than this one, or damaged, is read as if it were not there.
  const inferred = isProblemReason(entry.reason) ? { reason: entry.reason } : inferReason(status, entry.detail);
  const errcode = entry.errcode ?? ('errcode' in inferred ? inferred.errcode : undefined);
  return {
    name: entry.name,
    appName: entry.appName || entry.name,
    kind,
    reason: inferred.reason,
    ...(errcode === undefined ? {} : { errcode }),
    detail: entry.detail ?? '',
  };
}

/** Builds the digest: a pure function of the day's ledger entries. */
export function buildDigestReport(date: string, entries: readonly DigestEntry[]): DigestReport {
  const ranked: DigestAppLine[] = [];
  const problems: DigestProblem[] = [];
  for (const entry of entries) {
    if (entry.status === 'sent' && entry.summary) {
      const s = entry.summary;
      ranked.push({
        name: entry.name,
        appName: s.appName,
        appid: s.appid,
        visitors: s.visitors,
        previousDay: s.previousDay,
        dayOverDay: s.dayOverDay,
      });
    } else if (entry.status !== 'sent') problems.push(problemOf(entry.status, entry));
  }
  ranked.sort((a, b) => (b.visitors ?? -1) - (a.visitors ?? -1) || a.name.localeCompare(b.name));
  const visitors = ranked.reduce((sum, line) => sum + (line.visitors ?? 0), 0);
  // The total's change compares like with like: only apps with both days.
  const comparable = ranked.filter((l) => l.visitors !== null && l.previousDay !== null);
  const now = comparable.reduce((sum, l) => sum + (l.visitors ?? 0), 0);
  const before = comparable.reduce((sum, l) => sum + (l.previousDay ?? 0), 0);
  const withChange = ranked.filter((l) => l.dayOverDay !== null);
  const byChange = [...withChange].sort((a, b) => (b.dayOverDay ?? 0) - (a.dayOverDay ?? 0));
  // Failures first (a person must act), then no data, then what is merely late.
  problems.sort((a, b) => URGENCY[a.kind] - URGENCY[b.kind] || a.appName.localeCompare(b.appName));
  return {
    date,
    ranked,
    total: {
      visitors,
      previousDay: comparable.length ? before : null,
      dayOverDay: comparable.length && before > 0 ? (now - before) / before : null,
      comparedApps: comparable.length,
    },
    moversUp: byChange.filter((l) => (l.dayOverDay ?? 0) > 0).slice(0, MOVERS),
    moversDown: byChange
      .filter((l) => (l.dayOverDay ?? 0) < 0)
      .reverse()
      .slice(0, MOVERS),
    problems,
    appCount: entries.length,
  };
}

/**
 * The digest as JSON (the json webhook's `data`): the report with changes rounded to 4 decimals, the
 * ranking cut to its first `ranked` lines and the apps without a report to their first `problems`
 * (most urgent first); `rankedOmitted` and `problemsOmitted` say how many were left out, and
 * `problemCounts` counts every app without a report by reason, however many are listed.
 */
export function digestReportJson(
  report: DigestReport,
  ranked = report.ranked.length,
  problems = report.problems.length,
): object {
  const line = (l: DigestAppLine) => ({ ...l, dayOverDay: roundRatio(l.dayOverDay) });
  return {
    ...report,
    total: { ...report.total, dayOverDay: roundRatio(report.total.dayOverDay) },
    ranked: report.ranked.slice(0, ranked).map(line),
    rankedOmitted: report.ranked.length - Math.min(ranked, report.ranked.length),
    problems: report.problems.slice(0, problems),
    problemsOmitted: report.problems.length - Math.min(problems, report.problems.length),
    problemCounts: Object.fromEntries(problemGroups(report.problems).map((g) => [g.reason, g.count])),
    moversUp: report.moversUp.map(line),
    moversDown: report.moversDown.map(line),
  };
}
