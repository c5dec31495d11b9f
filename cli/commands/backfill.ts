import { Command } from 'commander';
import { addDays, beijingYesterday, daysBetween, parseIsoDate } from '../../lambda/calendar/beijing-calendar.js';
import { loadDailyHistory } from '../../lambda/pipeline/daily-history.js';
import { TOOL_VERSION } from '../../lambda/shared/version.js';
import { CliError, type CliIo, EXIT_OK } from '../cli-io.js';
import { archiveFrom } from '../report-options.js';
import { envScrubber, stderrLogger } from '../stderr-logger.js';
import { addWechatOptions, clientFromOptions, type WechatOptions } from '../wechat-options.js';

const MAX_BACKFILL_DAYS = 366;

export function backfillCommand(io: CliIo, setExit: (code: number) => void): Command {
  return addWechatOptions(
    new Command('backfill')
      .description('archive every day of a range that the archive does not have yet (one call per missing day)')
      .requiredOption('--from <YYYY-MM-DD>', 'first day')
      .option('--to <YYYY-MM-DD>', 'last day (default: yesterday in Asia/Shanghai)')
      .option('--archive <dir|s3://bucket/prefix>', 'where raw responses are kept'),
  ).action(async (options: WechatOptions & { from: string; to?: string; archive?: string }) => {
    const from = parseIsoDate(options.from, '--from');
    const to = options.to ? parseIsoDate(options.to, '--to') : beijingYesterday(io.clock());
    const span = daysBetween(from, to) + 1;
    if (span < 1) throw new CliError(`--from ${from} is after --to ${to}`);
    if (span > MAX_BACKFILL_DAYS) throw new CliError(`at most ${MAX_BACKFILL_DAYS} days at a time (asked for ${span})`);
    const dates = Array.from({ length: span }, (_, i) => addDays(from, i));
    const { fetched } = await loadDailyHistory({
      source: clientFromOptions(options, io),
      archive: archiveFrom(options, io),
      dates,
      fetchIfMissing: new Set(dates),
      toolVersion: TOOL_VERSION,
      logger: stderrLogger(io.stderr, envScrubber(io.env)),
    });
    io.stdout.write(`Archived ${fetched.length} missing day(s) of ${span} from ${from} to ${to}\n`);
    setExit(EXIT_OK);
  });
}
