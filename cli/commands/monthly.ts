import { Command } from 'commander';
import { lastCompleteMonth, parseYearMonth } from '../../lambda/calendar/beijing-calendar.js';
import { type MonthlyReportResult, runMonthlyReport } from '../../lambda/pipeline/run-monthly-report.js';
import { formatChangeWithArrow, formatCount, formatRate } from '../../lambda/report/format.js';
import { monthlyReportJson } from '../../lambda/report/monthly-report.js';
import type { Logger } from '../../lambda/shared/logger.js';
import { TOOL_VERSION } from '../../lambda/shared/version.js';
import { CliError, type CliIo, EXIT_NOT_YET_AVAILABLE, EXIT_OK } from '../cli-io.js';
import { addReportOptions, archiveFrom, channelsFrom, localeFrom, type ReportOptions } from '../report-options.js';
import { describeRun, localReportRun, notSentLines } from '../report-run.js';
import { envScrubber, stderrLogger } from '../stderr-logger.js';
import { cliCallGate, clientFromOptions } from '../wechat-options.js';

/** Runs the monthly report from parsed options; shared by `monthly` and `demo` (see runDailyFromOptions). */
export async function runMonthlyFromOptions(
  options: ReportOptions & { month?: string },
  io: CliIo,
  logger?: Logger,
  exactlyOnce = true,
): Promise<MonthlyReportResult> {
  const month = options.month ? parseYearMonth(options.month, '--month') : lastCompleteMonth(io.clock());
  const locale = localeFrom(options);
  const source = clientFromOptions(options, io, logger, cliCallGate(io, 'the report'));
  const archive = archiveFrom(options, io);
  const channels = channelsFrom(options, io, locale);
  const { guard, history } = localReportRun(
    options,
    io,
    { job: 'monthly', period: month, appid: source.appid },
    exactlyOnce,
    logger,
  );
  return runMonthlyReport(
    { source, archive, channels, toolVersion: TOOL_VERSION, logger, guard, history },
    { month, appName: options.appName },
  );
}

export function describeMonthly(result: Extract<MonthlyReportResult, { status: 'sent' }>): string {
  const { report } = result;
  const count = (v: number | null) => (v === null ? 'n/a' : formatCount(v));
  return [
    `Monthly report for ${report.appName}, ${report.month}`,
    `  Active users  ${count(report.activeUsers.value)}  ${formatChangeWithArrow(report.activeUsers.change, 'n/a')} month over month`,
    `  New users     ${count(report.newUsers.value)}  ${formatChangeWithArrow(report.newUsers.change, 'n/a')} month over month`,
    `  Cohort ${report.cohort.month}: new-user retention ${formatRate(report.cohort.newUserRetention, 'n/a')}, active-user retention ${formatRate(report.cohort.activeUserRetention, 'n/a')}`,
    ...describeRun(result),
  ].join('\n');
}

export function monthlyCommand(io: CliIo, setExit: (code: number) => void): Command {
  return addReportOptions(
    new Command('monthly')
      .description(
        'fetch a month (and, once, the months and days it shows), archive them, and send the retention report once',
      )
      .option('--month <YYYY-MM>', 'the report month (default: the last complete month in Asia/Shanghai)'),
  ).action(async (options: ReportOptions & { month?: string }) => {
    const result = await runMonthlyFromOptions(
      options,
      io,
      stderrLogger(io.stderr, envScrubber(io.env), options.verbose),
    );
    if (result.status === 'not-yet-available') {
      throw new CliError(
        `WeChat has not published ${result.month} yet (${result.reason}); nothing was archived or sent, try again later`,
        EXIT_NOT_YET_AVAILABLE,
      );
    }
    if (options.json) io.stderr.write(notSentLines(result.deliveries));
    io.stdout.write(`${options.json ? JSON.stringify(monthlyReportJson(result.report)) : describeMonthly(result)}\n`);
    setExit(EXIT_OK);
  });
}
