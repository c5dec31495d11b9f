import { Command } from 'commander';
import { beijingYesterday, daysBetween, parseIsoDate } from '../../lambda/calendar/beijing-calendar.js';
import { quoted } from '../../lambda/config/deployment-config.js';
import {
  type BackfillProgress,
  type BackfillResult,
  backfillPlan,
  type PortraitWeekEnd,
  runBackfill,
  type StoppedBy,
  splitRange,
} from '../../lambda/pipeline/backfill.js';
import { printable } from '../../lambda/shared/printable.js';
import { fullWidthListProblem } from '../../lambda/shared/url-setting.js';
import { TOOL_VERSION } from '../../lambda/shared/version.js';
import { ARCHIVED_APIS, type ArchivedApi, archivedApi } from '../../lambda/wechat/datacube-apis.js';
import { CliError, type CliIo, EXIT_FAILURE, EXIT_OK } from '../cli-io.js';
import { archiveFrom } from '../report-options.js';
import { addWechatOptions, cliCallGate, clientFromOptions, type WechatOptions } from '../wechat-options.js';

/** A longer range is worked through in parts of at most this many days, the newest first. */
const DAYS_PER_PART = 366;

interface BackfillOptions extends WechatOptions {
  from: string;
  to?: string;
  archive?: string;
  apis?: string;
  concurrency?: string;
  portraitWeekEnds?: string;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function portraitWeekEndsFrom(value: string | undefined): PortraitWeekEnd {
  if (value === undefined) return 0;
  const name = value.trim().toLowerCase();
  if (name === 'daily') return 'daily';
  const day = WEEKDAYS.indexOf(name);
  if (day < 0)
    throw new CliError(`--portrait-week-ends must be a weekday (${WEEKDAYS.join(', ')}) or daily, not "${value}"`);
  return day;
}

/** A refusal that stopped the backfill's calls, once: what WeChat said with its fix, then what is left. */
const stoppedLine = (stop: StoppedBy) =>
  `${stop.error.replace(/\.?$/, '.')} ${stop.left} period(s) not archived: ${stop.scope === 'app' ? 'nothing more was called for this app' : `${stop.apis.join(', ')} ${stop.apis.length > 1 ? 'were' : 'was'} not called again`} after this refusal. Once it is fixed, run the same command (what is archived is skipped)`;

function apisFrom(value: string | undefined): ArchivedApi[] {
  if (!value) return [archivedApi('daily') as ArchivedApi];
  if (value === 'all') return [...ARCHIVED_APIS];
  const typed = fullWidthListProblem(value);
  if (typed) throw new CliError(`--apis ${typed}`);
  return value.split(',').map((name) => {
    const api = archivedApi(name.trim());
    if (!api)
      throw new CliError(`--apis: "${name}" is not one of ${quoted(['all', ...ARCHIVED_APIS.map((a) => a.cli)])}`);
    return api;
  });
}

/** Signals that end a run from its terminal: Ctrl-C, kill, the terminal closing. */
const ENDING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A bar on a terminal; elsewhere (CI, cron, a pipe) a plain line at every tenth of a part of 50
 * items or more, and, when the range is in parts, one at the end of every part. The bar hides the
 * cursor and turns line wrap off while it draws: both are given back however the process ends (done,
 * failed, Ctrl-C, kill, the terminal closing), never left for `reset` to fix.
 */
async function progressReporter(
  io: CliIo,
  total: number,
  label: string,
): Promise<{ update(p: BackfillProgress): void; stop(): void }> {
  if (io.terminal) {
    const { SingleBar, Presets } = await import('cli-progress');
    const bar = new SingleBar(
      {
        stream: io.terminal,
        format: `${label}[{bar}] {value}/{total} · {fetched} fetched, {skipped} already archived, {failed} failed · ETA {eta_formatted}`,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    const restore = () => bar.stop();
    const onSignal = (signal: NodeJS.Signals) => {
      restore();
      detach();
      // Ended as the signal would have ended it (exit status 128 + its number), the terminal restored.
      process.kill(process.pid, signal);
    };
    const detach = () => {
      for (const signal of ENDING_SIGNALS) process.off(signal, onSignal);
      process.off('exit', restore);
    };
    for (const signal of ENDING_SIGNALS) process.once(signal, onSignal);
    process.once('exit', restore);
    bar.start(total, 0, { fetched: 0, skipped: 0, failed: 0 });
    return {
      update: (p) => bar.update(p.done, { fetched: p.fetched, skipped: p.skipped, failed: p.failed }),
      stop: () => {
        restore();
        detach();
      },
    };
  }
  // A line at every tenth of a long part; in a range in parts, one at every part's end, however small.
  let shown = 0;
  let last: BackfillProgress | undefined;
  const line = (p: BackfillProgress) =>
    io.stderr.write(
      `backfill: ${label}${p.done}/${p.total} (${p.total ? Math.round((p.done * 100) / p.total) : 100}%): ${p.fetched} fetched, ${p.skipped} already archived, ${p.notYetAvailable} not yet available, ${p.failed} failed\n`,
    );
  return {
    update(p) {
      last = p;
      const tenth = p.total ? Math.floor((p.done * 10) / p.total) : 10;
      // A small part of a range in parts says only its end; a small range alone has the summary for that.
      const atEnd = p.done >= p.total && label !== '';
      if (tenth <= shown || (p.total < 50 && !atEnd)) return;
      shown = tenth;
      line(p);
    },
    stop() {
      // A part that ended early (a quota, an error) or had nothing to ask still says where it stopped.
      if (label && shown < 10) line(last ?? { done: 0, total, fetched: 0, skipped: 0, notYetAvailable: 0, failed: 0 });
    },
  };
}

/** Each part in turn, with its own progress, and their results as one. */
async function runParts(
  io: CliIo,
  parts: ReturnType<typeof splitRange>,
  run: (
    part: ReturnType<typeof splitRange>[number],
    onProgress: (p: BackfillProgress) => void,
  ) => Promise<BackfillResult>,
): Promise<BackfillResult> {
  const results: BackfillResult[] = [];
  for (const [i, part] of parts.entries()) {
    const label = parts.length > 1 ? `${i + 1}/${parts.length} ${part.from}…${part.to} ` : '';
    const progress = await progressReporter(io, part.items.length, label);
    results.push(await run(part, progress.update).finally(() => progress.stop()));
  }
  return combined(results);
}

/** The results of the parts of a long range, as one. */
function combined(results: readonly BackfillResult[]): BackfillResult {
  const sum = (pick: (r: BackfillResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const left = new Map<string, number>();
  for (const { api, left: n } of results.flatMap((r) => r.quotaReached)) left.set(api, (left.get(api) ?? 0) + n);
  return {
    done: sum((r) => r.done),
    total: sum((r) => r.total),
    fetched: sum((r) => r.fetched),
    skipped: sum((r) => r.skipped),
    notYetAvailable: sum((r) => r.notYetAvailable),
    failed: sum((r) => r.failed),
    replaced: results.flatMap((r) => r.replaced),
    outOfTime: sum((r) => r.outOfTime),
    failures: results.flatMap((r) => r.failures),
    quotaReached: [...left].map(([api, n]) => ({ api, left: n })),
    stopped: combinedStops(results.flatMap((r) => r.stopped)),
  };
}

/**
 * What the summary adds so its numbers add up: the answers not asked for, by why (a refused one, and
 * those not called after it, are among the failed already). Empty when every answer was asked for.
 */
function notCalledOf(result: BackfillResult): string[] {
  const quota = result.quotaReached.reduce((n, q) => n + q.left, 0);
  return [
    ...(quota ? [`${quota} left for tomorrow (daily quota)`] : []),
    ...(result.outOfTime ? [`${result.outOfTime} out of time (run the same command again)`] : []),
  ];
}

/** The stdout summary: answers by outcome with `--apis`, else the missing days archived; either with what was not asked for. */
function summaryLine(
  result: BackfillResult,
  byAnswer: boolean,
  range: { readonly from: string; readonly to: string; readonly span: number },
): string {
  const notCalled = notCalledOf(result);
  const { from, to, span } = range;
  const replaced = result.replaced.length
    ? [`${result.replaced.length} of them replacing a damaged body, named above`]
    : [];
  return byAnswer
    ? `Archived ${result.fetched} answer(s) of ${result.total} from ${from} to ${to} (${[...replaced, `${result.skipped} already archived`].join('; ')}, ${result.notYetAvailable} not yet available, ${result.failed} failed${notCalled.map((part) => `, ${part}`).join('')})\n`
    : `Archived ${result.fetched} missing day(s) of ${span} from ${from} to ${to}${[...replaced, ...notCalled].length ? ` (${[...replaced, ...notCalled].join(', ')})` : ''}\n`;
}

/** A refusal met in several parts (the gate keeps it for the whole run), said once with every period it left. */
function combinedStops(stops: readonly StoppedBy[]): StoppedBy[] {
  const byLine = new Map<string, StoppedBy>();
  for (const stop of stops) {
    const key = `${stop.scope}\n${stop.error}`;
    const seen = byLine.get(key);
    byLine.set(
      key,
      seen ? { ...seen, left: seen.left + stop.left, apis: [...new Set([...seen.apis, ...stop.apis])] } : stop,
    );
  }
  return [...byLine.values()];
}

export function backfillCommand(io: CliIo, setExit: (code: number) => void): Command {
  return addWechatOptions(
    new Command('backfill')
      .description(
        'archive what the archive does not have yet over a range of days (resumable: archived answers are skipped)',
      )
      .requiredOption('--from <YYYY-MM-DD>', 'first day')
      .option('--to <YYYY-MM-DD>', 'last day (default: yesterday in Asia/Shanghai)')
      .option('--archive <dir|s3://bucket/prefix>', 'where raw responses are kept')
      .option(
        '--apis <list>',
        `which APIs, comma-separated, or "all": ${ARCHIVED_APIS.map((a) => a.cli).join(', ')} (default: daily)`,
      )
      .option('--concurrency <n>', 'calls at once (WeChat limits calls per minute)', '4')
      .option(
        '--portrait-week-ends <day>',
        'the day the 7-day user portraits end on: sunday (default: the natural week), monday … saturday, or daily',
      ),
  ).action(async (options: BackfillOptions) => {
    const from = parseIsoDate(options.from, '--from');
    const to = options.to ? parseIsoDate(options.to, '--to') : beijingYesterday(io.clock());
    const span = daysBetween(from, to) + 1;
    if (span < 1) throw new CliError(`--from ${from} is after --to ${to}`);
    const concurrency = Number(options.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32)
      throw new CliError('--concurrency must be a whole number from 1 to 32');
    const apis = apisFrom(options.apis);
    const portraitWeekEnds = portraitWeekEndsFrom(options.portraitWeekEnds);
    // One gate for the whole pool and every part: a quota closes an API for every worker, a minute
    // limit pauses them all.
    const source = clientFromOptions(options, io, undefined, cliCallGate(io, 'the backfill'));
    const archive = archiveFrom(options, io);
    // The weeks and months of the whole range, then a long range worked through a year at a time,
    // the newest first (what the reports show is then archived first if WeChat's quota runs out).
    const plan = backfillPlan(apis, source.appid, from, to, { portraitWeekEnds });
    const parts = splitRange(plan, from, to, DAYS_PER_PART);
    if (parts.length > 1)
      io.stderr.write(
        `backfill: ${span} days, in ${parts.length} parts of at most ${DAYS_PER_PART} days, the newest first\n`,
      );
    const result = await runParts(io, parts, (part, onProgress) =>
      runBackfill({ source, archive, toolVersion: TOOL_VERSION, concurrency, onProgress }, part.items),
    );
    for (const { item, reason } of result.replaced)
      io.stderr.write(
        `wxa-report: ${printable(archive.locate(item.key))} was ${reason}: fetched again and replaced (the next "wxa-report compact" reads it)\n`,
      );
    for (const { item, error } of result.failures)
      io.stderr.write(`wxa-report: ${item.api.cli} ${item.key}: ${error}\n`);
    for (const stop of result.stopped) io.stderr.write(`wxa-report: ${stoppedLine(stop)}\n`);
    for (const { api, left } of result.quotaReached)
      io.stderr.write(
        `wxa-report: WeChat's daily quota for ${api} is used up (errcode 45009): ${left} period(s) left, not called again today; run the same command tomorrow to archive them (what is archived is skipped)\n`,
      );
    io.stdout.write(summaryLine(result, options.apis !== undefined, { from, to, span }));
    setExit(result.failed > 0 || result.quotaReached.length > 0 ? EXIT_FAILURE : EXIT_OK);
  });
}
