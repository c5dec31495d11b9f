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
}

export interface DigestAppLine {
  readonly name: string;
  readonly appName: string;
  readonly visitors: number | null;
  readonly previousDay: number | null;
  readonly dayOverDay: number | null;
}

export interface DigestProblem {
  readonly name: string;
  readonly kind: 'not-yet-available' | 'no-data' | 'failed';
  readonly reason: string;
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
  };
  /** Largest relative gains and drops (at most MOVERS each), apps with a comparison only. */
  readonly moversUp: readonly DigestAppLine[];
  readonly moversDown: readonly DigestAppLine[];
  readonly problems: readonly DigestProblem[];
  readonly appCount: number;
}

export const MOVERS = 3;

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
        visitors: s.visitors,
        previousDay: s.previousDay,
        dayOverDay: s.dayOverDay,
      });
    } else if (entry.status === 'no-data') {
      problems.push({ name: entry.name, kind: 'no-data', reason: entry.detail ?? '' });
    } else if (entry.status === 'failed' || entry.status === 'invalid') {
      problems.push({ name: entry.name, kind: 'failed', reason: entry.detail ?? '' });
    } else if (entry.status !== 'sent') {
      problems.push({ name: entry.name, kind: 'not-yet-available', reason: entry.detail ?? '' });
    }
  }
  ranked.sort((a, b) => (b.visitors ?? -1) - (a.visitors ?? -1) || a.name.localeCompare(b.name));
  const visitors = ranked.reduce((sum, line) => sum + (line.visitors ?? 0), 0);
  // The total's change compares like with like: only apps with both days.
  const comparable = ranked.filter((l) => l.visitors !== null && l.previousDay !== null);
  const now = comparable.reduce((sum, l) => sum + (l.visitors ?? 0), 0);
  const before = comparable.reduce((sum, l) => sum + (l.previousDay ?? 0), 0);
  const withChange = ranked.filter((l) => l.dayOverDay !== null);
  const byChange = [...withChange].sort((a, b) => (b.dayOverDay ?? 0) - (a.dayOverDay ?? 0));
  problems.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  return {
    date,
    ranked,
    total: {
      visitors,
      previousDay: comparable.length ? before : null,
      dayOverDay: comparable.length && before > 0 ? (now - before) / before : null,
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
