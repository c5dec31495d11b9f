import { Command } from 'commander';
import { beijingYesterday, daysBetween, parseIsoDate } from '../../lambda/calendar/beijing-calendar.js';
import { quoted } from '../../lambda/config/deployment-config.js';
import {
  type BackfillProgress,
  backfillPlan,
  type PortraitWeekEnd,
  runBackfill,
  type StoppedBy,
} from '../../lambda/pipeline/backfill.js';
import { TOOL_VERSION } from '../../lambda/shared/version.js';
import { ARCHIVED_APIS, type ArchivedApi, archivedApi } from '../../lambda/wechat/datacube-apis.js';
import { CliError, type CliIo, EXIT_FAILURE, EXIT_OK } from '../cli-io.js';
import { archiveFrom } from '../report-options.js';
import { addWechatOptions, cliCallGate, clientFromOptions, type WechatOptions } from '../wechat-options.js';

const MAX_BACKFILL_DAYS = 366;

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
  return value.split(',').map((name) => {
    const api = archivedApi(name.trim());
    if (!api)
      throw new CliError(`--apis: "${name}" is not one of ${quoted(['all', ...ARCHIVED_APIS.map((a) => a.cli)])}`);
    return api;
  });
}

/** A bar on a terminal; elsewhere (CI, cron, a pipe) a plain line at every tenth. */
async function progressReporter(
  io: CliIo,
  total: number,
): Promise<{ update(p: BackfillProgress): void; stop(): void }> {
  if (io.terminal) {
    const { SingleBar, Presets } = await import('cli-progress');
    const bar = new SingleBar(
      {
        stream: io.terminal,
        format:
          'backfill [{bar}] {value}/{total} · {fetched} fetched, {skipped} already archived, {failed} failed · ETA {eta_formatted}',
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { fetched: 0, skipped: 0, failed: 0 });
    return {
      update: (p) => bar.update(p.done, { fetched: p.fetched, skipped: p.skipped, failed: p.failed }),
      stop: () => bar.stop(),
    };
  }
  let shown = 0;
  return {
    update(p) {
      const tenth = Math.floor((p.done * 10) / p.total);
      if (p.total < 50 || tenth <= shown) return;
      shown = tenth;
      io.stderr.write(
        `backfill: ${p.done}/${p.total} (${Math.round((p.done * 100) / p.total)}%): ${p.fetched} fetched, ${p.skipped} already archived, ${p.notYetAvailable} not yet available, ${p.failed} failed\n`,
      );
    },
    stop() {},
  };
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
    if (span > MAX_BACKFILL_DAYS) throw new CliError(`at most ${MAX_BACKFILL_DAYS} days at a time (asked for ${span})`);
    const concurrency = Number(options.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32)
      throw new CliError('--concurrency must be a whole number from 1 to 32');
    const apis = apisFrom(options.apis);
    const portraitWeekEnds = portraitWeekEndsFrom(options.portraitWeekEnds);
    // One gate for the whole pool: a quota closes an API for every worker, a minute limit pauses them all.
    const gate = cliCallGate(io, 'the backfill');
    const source = clientFromOptions(options, io, undefined, gate);
    const items = backfillPlan(apis, source.appid, from, to, { portraitWeekEnds });
    const progress = await progressReporter(io, items.length);
    const result = await runBackfill(
      {
        source,
        archive: archiveFrom(options, io),
        toolVersion: TOOL_VERSION,
        concurrency,
        onProgress: progress.update,
      },
      items,
    ).finally(() => progress.stop());
    for (const { item, error } of result.failures)
      io.stderr.write(`wxa-report: ${item.api.cli} ${item.key}: ${error}\n`);
    for (const stop of result.stopped) io.stderr.write(`wxa-report: ${stoppedLine(stop)}\n`);
    for (const { api, left } of result.quotaReached)
      io.stderr.write(
        `wxa-report: WeChat's daily quota for ${api} is used up (errcode 45009): ${left} period(s) left, not called again today; run the same command tomorrow to archive them (what is archived is skipped)\n`,
      );
    io.stdout.write(
      options.apis
        ? `Archived ${result.fetched} answer(s) of ${result.total} from ${from} to ${to} (${result.skipped} already archived, ${result.notYetAvailable} not yet available, ${result.failed} failed)\n`
        : `Archived ${result.fetched} missing day(s) of ${span} from ${from} to ${to}\n`,
    );
    setExit(result.failed > 0 || result.quotaReached.length > 0 ? EXIT_FAILURE : EXIT_OK);
  });
}
