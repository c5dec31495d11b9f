import { Command } from 'commander';
import { beijingYesterday, parseIsoDate } from '../../lambda/calendar/beijing-calendar.js';
import { type DailyReportResult, runDailyReport } from '../../lambda/pipeline/run-daily-report.js';
import { dailyReportJson } from '../../lambda/report/daily-report.js';
import { formatChangeWithArrow, formatCount } from '../../lambda/report/format.js';
import type { Logger } from '../../lambda/shared/logger.js';
import { TOOL_VERSION } from '../../lambda/shared/version.js';
import { CliError, type CliIo, EXIT_NOT_YET_AVAILABLE, EXIT_OK } from '../cli-io.js';
import { addReportOptions, archiveFrom, channelsFrom, localeFrom, type ReportOptions } from '../report-options.js';
import { describeRun, localReportRun, notSentLines } from '../report-run.js';
import { envScrubber, stderrLogger } from '../stderr-logger.js';
import { cliCallGate, clientFromOptions } from '../wechat-options.js';

/**
 * Runs the daily report from parsed options; shared by `daily` and `demo`. Exactly once per channel
 * through the local ledger unless `exactlyOnce` is false (the demo shows its reports every time).
 */
export async function runDailyFromOptions(
  options: ReportOptions & { date?: string },
  io: CliIo,
  logger?: Logger,
  exactlyOnce = true,
): Promise<DailyReportResult> {
  const date = options.date ? parseIsoDate(options.date, '--date') : beijingYesterday(io.clock());
  const locale = localeFrom(options);
  const source = clientFromOptions(options, io, logger, cliCallGate(io, 'the report'));
  const archive = archiveFrom(options, io);
  const channels = channelsFrom(options, io, locale);
  const { guard, history } = localReportRun(
    options,
    io,
    { job: 'daily', period: date, appid: source.appid },
    exactlyOnce,
    logger,
  );
  return runDailyReport(
    { source, archive, channels, toolVersion: TOOL_VERSION, logger, guard, history },
    { date, appName: options.appName },
  );
}

export function describeDaily(result: Extract<DailyReportResult, { status: 'sent' }>): string {
  const { report } = result;
  const visitors = report.metrics.visit_uv;
  return [
    `Daily report for ${report.appName} on ${report.date}`,
    `  Visitors  ${visitors.value === null ? 'n/a' : formatCount(visitors.value)}  ${formatChangeWithArrow(visitors.dayOverDay, 'n/a')} day over day, ${formatChangeWithArrow(visitors.weekOverWeek, 'n/a')} week over week`,
    ...describeRun(result),
  ].join('\n');
}

export function dailyCommand(io: CliIo, setExit: (code: number) => void): Command {
  return addReportOptions(
    new Command('daily')
      .description('fetch one day (and, once, the history it shows), archive it, and send the day-over-day report once')
      .option('--date <YYYY-MM-DD>', 'the report day (default: yesterday in Asia/Shanghai)'),
  ).action(async (options: ReportOptions & { date?: string }) => {
    const result = await runDailyFromOptions(
      options,
      io,
      stderrLogger(io.stderr, envScrubber(io.env), options.verbose),
    );
    if (result.status === 'not-yet-available') {
      throw new CliError(
        `WeChat has not published ${result.date} yet (${result.reason}); nothing was archived or sent, try again later`,
        EXIT_NOT_YET_AVAILABLE,
      );
    }
    if (options.json) io.stderr.write(notSentLines(result.deliveries));
    io.stdout.write(`${options.json ? JSON.stringify(dailyReportJson(result.report)) : describeDaily(result)}\n`);
    setExit(EXIT_OK);
  });
}
