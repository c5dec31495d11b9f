import pLimit from 'p-limit';
import type { Archive } from '../archive/archive.js';
import {
  addDays,
  daysBetween,
  type IsoDate,
  lastDayOfMonth,
  weekday,
  type YearMonth,
} from '../calendar/beijing-calendar.js';
import { bodyProblem } from '../curated/damaged-body.js';
import { explainFailure } from '../shared/classify-failure.js';
import { printable } from '../shared/printable.js';
import { SQL_TABLES } from '../sql/tables.js';
import {
  type CallGate,
  type GateCallOptions,
  isDailyQuota,
  isDeadline,
  type RefusalScope,
  refusalScope,
} from '../wechat/call-gate.js';
import { type ArchivedApi, archiveKey, type PortraitWindow } from '../wechat/datacube-apis.js';
import type { DatacubeOutcome } from '../wechat/datacube-client.js';
import type { DatacubeEndpoint } from '../wechat/datacube-endpoints.js';
import { WechatApiError } from '../wechat/errors.js';
import { type FetchedAndArchived, fetchAndArchive } from './archived-datacube.js';

/** One answer to have in the archive. */
export interface BackfillItem {
  readonly api: ArchivedApi;
  readonly period: unknown;
  readonly key: string;
  /**
   * Fetch without looking in the archive first: the caller has looked (a report's history), or what
   * is archived is incomplete (a month without its key 1 yet). @default false
   */
  readonly always?: boolean;
}

/** What a backfill needs of WeChat: any endpoint, for an app (through the run's call gate). */
export interface DatacubeSource {
  readonly appid: string;
  /** WeChat's limits for the run the source works in: which refusals stopped its calls. @default none known */
  readonly gate?: Pick<CallGate, 'refusalOf'>;
  call<Period, Value>(
    endpoint: DatacubeEndpoint<Period, Value>,
    period: Period,
    options?: GateCallOptions,
  ): Promise<DatacubeOutcome<Value>>;
}

/**
 * Which days the 7-day portrait windows end on: a weekday (0 Sunday … 6 Saturday; WeChat accepts a
 * window ending on any day) or every day.
 */
export type PortraitWeekEnd = number | 'daily';

export interface BackfillPlanOptions {
  /** @default 0: Sunday, the natural week the weekly APIs cover */
  readonly portraitWeekEnds?: PortraitWeekEnd;
}

/**
 * The periods of each API inside [from, to]: every day; every natural week (Monday to Sunday) and
 * natural month wholly inside; user portraits of 1 day for every day, 7 days to every Sunday (or the
 * weekday asked, or every day) and 30 days to every month's last day.
 */
export function backfillPlan(
  apis: readonly ArchivedApi[],
  appid: string,
  from: IsoDate,
  to: IsoDate,
  options: BackfillPlanOptions = {},
): BackfillItem[] {
  const weekEnds = options.portraitWeekEnds ?? 0;
  const endsWeek = (d: IsoDate) => weekEnds === 'daily' || weekday(d) === weekEnds;
  const days = Array.from({ length: Math.max(0, daysBetween(from, to) + 1) }, (_, i) => addDays(from, i));
  const mondays = days.filter((d) => weekday(d) === 1 && addDays(d, 6) <= to);
  const months = [...new Set(days.map((d) => d.slice(0, 7)))].filter(
    (m) => `${m}-01` >= from && lastDayOfMonth(m) <= to,
  ) as YearMonth[];
  const periodsOf = (api: ArchivedApi): unknown[] => {
    if (api.kind === 'day') return days;
    if (api.kind === 'week') return mondays;
    if (api.kind === 'month') return months;
    const windows: PortraitWindow[] = [
      ...days.map((end) => ({ end, days: 1 as const })),
      ...days.filter((d) => endsWeek(d) && addDays(d, -6) >= from).map((end) => ({ end, days: 7 as const })),
      ...months.map((m) => ({ end: lastDayOfMonth(m), days: 30 as const })),
    ];
    return windows;
  };
  return apis.flatMap((api) => periodsOf(api).map((period) => ({ api, period, key: archiveKey(api, appid, period) })));
}

/** The day an item's period starts on (a week's Monday, a month's first, a portrait window's first day). */
function startOf(item: BackfillItem): IsoDate {
  if (item.api.kind === 'day' || item.api.kind === 'week') return item.period as IsoDate;
  if (item.api.kind === 'month') return `${item.period as YearMonth}-01`;
  const window = item.period as PortraitWindow;
  return addDays(window.end, 1 - window.days);
}

/**
 * A plan over [from, to] in consecutive parts of at most `days` days, the newest first, each item in
 * the part its period starts in (a week or month across a boundary is never cut: it was planned over
 * the whole range).
 */
export function splitRange(
  items: readonly BackfillItem[],
  from: IsoDate,
  to: IsoDate,
  days: number,
): { from: IsoDate; to: IsoDate; items: BackfillItem[] }[] {
  const parts: { from: IsoDate; to: IsoDate; items: BackfillItem[] }[] = [];
  for (let end = to; end >= from; end = addDays(end, -days)) {
    const start = addDays(end, 1 - days) < from ? from : addDays(end, 1 - days);
    parts.push({ from: start, to: end, items: [] });
  }
  for (const item of items) {
    const start = startOf(item);
    const part = parts.find((p) => start >= p.from) ?? parts[parts.length - 1];
    part?.items.push(item);
  }
  return parts;
}

export interface BackfillProgress {
  readonly done: number;
  readonly total: number;
  readonly fetched: number;
  readonly skipped: number;
  readonly notYetAvailable: number;
  readonly failed: number;
}

export interface BackfillResult extends BackfillProgress {
  /**
   * Of the fetched, the answers that replaced an archived body that could not be an answer (empty,
   * not JSON, WeChat's error, a field of the wrong type: see damagedBody), with why it could not.
   */
  readonly replaced: readonly { readonly item: BackfillItem; readonly reason: string }[];
  readonly failures: readonly { readonly item: BackfillItem; readonly error: string }[];
  /** Items not asked because the time given (`deadline`) ran out: the next run asks them. */
  readonly outOfTime: number;
  /**
   * APIs whose daily quota ran out (errcode 45009), with how many of their periods were left for the
   * same command to archive tomorrow; those periods are not among the failures.
   */
  readonly quotaReached: readonly { readonly api: string; readonly left: number }[];
  /**
   * Refusals no other call could change (a wrong AppSecret, a token rejected after the forced
   * refresh, an API the account may not call): the source's call gate stopped what they reach, and
   * each is said once (`error`: one line with the fix; one refusal of several APIs names them all),
   * with how many periods it left unarchived (`left`, counted in `failed`, not among `failures`) and
   * of which APIs (`apis`, their `fetch` names).
   */
  readonly stopped: readonly StoppedBy[];
}

export interface StoppedBy {
  readonly error: string;
  /** `app`: every API of the app was stopped; `api`: the APIs the refusal names. */
  readonly scope: RefusalScope;
  readonly left: number;
  readonly apis: readonly string[];
}

/**
 * The same refusal met by several items, said once: by its line, or for WeChat's own refusal of
 * several APIs (48001 for each), by its errcode and fix, naming the APIs.
 */
class Refusals {
  private readonly byKey = new Map<string, { wechatApis: Set<string>; tail: string; stop: StoppedBy }>();

  add(error: unknown, scope: RefusalScope, item: BackfillItem): void {
    const line = explainFailure(error);
    const named = error instanceof WechatApiError && line.startsWith(`${error.api} `);
    const tail = named ? line.slice(error.api.length) : line;
    const key = `${scope}${named ? tail : `\n${line}`}`;
    const entry = this.byKey.get(key) ?? {
      wechatApis: new Set<string>(),
      tail,
      stop: { error: line, scope, left: 0, apis: [] },
    };
    if (named) entry.wechatApis.add(error.api);
    entry.stop = {
      error: named ? `${[...entry.wechatApis].join(', ')}${tail}` : line,
      scope,
      left: entry.stop.left + 1,
      apis: entry.stop.apis.includes(item.api.cli) ? entry.stop.apis : [...entry.stop.apis, item.api.cli],
    };
    this.byKey.set(key, entry);
  }

  get all(): StoppedBy[] {
    return [...this.byKey.values()].map((e) => e.stop);
  }
}

/**
 * Fetches and archives every item the archive does not have yet (so a stopped backfill resumes
 * where it was), a few at a time. WeChat's limits are the source's call gate's: once an API's daily
 * quota runs out its remaining periods are left for tomorrow (counted, not failed) and it is not
 * called again; a minute limit pauses every worker; a refusal no other call can change stops what
 * it reaches (the API, or the whole app) and is said once. Any other failing item is recorded and the
 * rest go on.
 */
export async function runBackfill(
  deps: {
    readonly source: DatacubeSource;
    readonly archive: Archive;
    readonly toolVersion: string;
    /** @default 4 */
    readonly concurrency?: number;
    readonly onProgress?: (progress: BackfillProgress) => void;
    /**
     * No call is sent, nor a minute's pause waited for, past this instant (the time a report may
     * give its history): the items left are counted in `outOfTime`. @default none
     */
    readonly deadline?: Date;
    /** Each answer fetched: the value archived, or WeChat's "no data" for the item. */
    readonly onAnswer?: (item: BackfillItem, answer: FetchedAndArchived<unknown>) => void;
  },
  items: readonly BackfillItem[],
): Promise<BackfillResult> {
  const counts = { done: 0, total: items.length, fetched: 0, skipped: 0, notYetAvailable: 0, failed: 0 };
  const failures: { item: BackfillItem; error: string }[] = [];
  const replaced: { item: BackfillItem; reason: string }[] = [];
  const left = new Map<string, number>();
  let outOfTime = 0;
  const refusals = new Refusals();
  const limit = pLimit(deps.concurrency ?? 4);
  const options = deps.deadline ? { deadline: deps.deadline } : undefined;
  const tally = (item: BackfillItem, outcome: Awaited<ReturnType<typeof archiveItem>>) => {
    if (outcome === 'skipped') counts.skipped += 1;
    else {
      if ('location' in outcome.result) counts.fetched += 1;
      else counts.notYetAvailable += 1;
      if (outcome.replaced) replaced.push({ item, reason: outcome.replaced });
      deps.onAnswer?.(item, outcome.result);
    }
  };
  await Promise.all(
    items.map((item) =>
      limit(async () => {
        try {
          tally(item, await archiveItem(deps, item, options));
        } catch (error) {
          const scope = stoppedScope(deps.source, item, error) ?? refusalScope(error);
          if (isDailyQuota(error)) left.set(error.api, (left.get(error.api) ?? 0) + 1);
          else if (isDeadline(error)) outOfTime += 1;
          else if (scope) {
            counts.failed += 1;
            refusals.add(error, scope, item);
          } else {
            counts.failed += 1;
            failures.push({ item, error: explainFailure(error) });
          }
        }
        counts.done += 1;
        deps.onProgress?.({ ...counts });
      }),
    ),
  );
  return {
    ...counts,
    replaced,
    failures,
    outOfTime,
    quotaReached: [...left].map(([api, n]) => ({ api, left: n })),
    stopped: refusals.all,
  };
}

/**
 * One item: skipped when the archive holds an answer for it, else fetched and archived. The body is
 * read whole anyway (S3: one GET, as a HEAD would cost): one that cannot be an answer is not
 * "archived" but fetched again and replaced (`replaced`: why it could not be one).
 */
async function archiveItem(
  deps: { readonly source: DatacubeSource; readonly archive: Archive; readonly toolVersion: string },
  item: BackfillItem,
  options: GateCallOptions | undefined,
): Promise<'skipped' | { result: FetchedAndArchived<unknown>; replaced?: string }> {
  const stored = item.always ? undefined : await deps.archive.get(item.key);
  const damaged = stored && damagedBody(item, stored);
  if (stored && !damaged) return 'skipped';
  const endpoint = item.api.endpoint as DatacubeEndpoint<unknown, unknown>;
  let raw: Buffer | undefined;
  const result = await fetchAndArchive(
    async () => {
      const outcome = await deps.source.call(endpoint, item.period, options);
      if (outcome.status !== 'not-yet-available') raw = outcome.raw;
      return outcome;
    },
    deps.archive,
    item.key,
    deps.source.appid,
    deps.toolVersion,
  );
  // Replaced only when the bytes changed (WeChat's answer, not the same damaged bytes again).
  return damaged && raw && stored && !raw.equals(stored) ? { result, replaced: damaged } : { result };
}

/**
 * Why an archived body cannot be the item's answer, or undefined when it can: what the compaction
 * and `query` leave out (bodyProblem), or what the API's own parser refuses (a field of the wrong
 * type), as a report reading it back would.
 */
export function damagedBody(item: Pick<BackfillItem, 'api' | 'period'>, body: Buffer): string | undefined {
  const text = body.toString('utf8');
  const table = SQL_TABLES.find((t) => t.folder === item.api.folder);
  const problem = table && bodyProblem(table, text);
  if (problem) return problem;
  try {
    item.api.endpoint.parse(JSON.parse(text), item.period as never);
    return undefined;
  } catch (error) {
    return `not an answer of this API (${printable((error as Error).message, { max: 200 })})`;
  }
}

/** A refusal the source's gate stopped calls with though the error alone does not say so (a token service's 401). */
function stoppedScope(source: DatacubeSource, item: BackfillItem, error: unknown): RefusalScope | undefined {
  const stopped = source.gate?.refusalOf(source.appid, item.api.endpoint.name);
  return stopped && stopped.refusal === error ? stopped.scope : undefined;
}

/**
 * What the scheduled jobs archive besides their report: after the daily report of day D, the day
 * APIs for D and the 1-day portrait; when D is a Sunday (the daily job on Monday), also the week
 * that ended with D and the 7-day portrait; after the monthly report of M, the month APIs and the
 * 30-day portrait to M's last day.
 */
export function scheduledItems(
  apis: readonly ArchivedApi[],
  appid: string,
  job: 'daily' | 'monthly',
  period: string,
): BackfillItem[] {
  const item = (api: ArchivedApi, p: unknown): BackfillItem => ({ api, period: p, key: archiveKey(api, appid, p) });
  if (job === 'monthly') {
    return apis.flatMap((api) => {
      if (api.kind === 'month') return [item(api, period)];
      if (api.kind === 'portrait') return [item(api, { end: lastDayOfMonth(period), days: 30 })];
      return [];
    });
  }
  const sunday = weekday(period) === 0;
  return apis.flatMap((api) => {
    if (api.kind === 'day') return [item(api, period)];
    if (api.kind === 'week') return sunday ? [item(api, addDays(period, -6))] : [];
    if (api.kind === 'portrait')
      return [item(api, { end: period, days: 1 }), ...(sunday ? [item(api, { end: period, days: 7 })] : [])];
    return [];
  });
}
