import { Command } from 'commander';
import {
  beijingYesterday,
  lastCompleteMonth,
  parseIsoDate,
  parseYearMonth,
} from '../../lambda/calendar/beijing-calendar.js';
import type { DatacubeOutcome } from '../../lambda/wechat/datacube-client.js';
import { CliError, type CliIo, EXIT_NOT_YET_AVAILABLE, EXIT_OK } from '../cli-io.js';
import { addWechatOptions, clientFromOptions, type WechatOptions } from '../wechat-options.js';

function printRaw(outcome: DatacubeOutcome<unknown>, io: CliIo, what: string): number {
  if (outcome.status === 'not-yet-available') {
    throw new CliError(
      `${outcome.api}: ${what} is not yet available (${outcome.reason}); try again later`,
      EXIT_NOT_YET_AVAILABLE,
    );
  }
  io.stdout.write(outcome.raw);
  return EXIT_OK;
}

/** `wxa-report fetch daily|monthly`: the raw datacube answer on stdout, byte for byte. */
export function fetchCommand(io: CliIo, setExit: (code: number) => void): Command {
  const fetch = new Command('fetch').description('print one raw datacube response, exactly as WeChat sent it');

  addWechatOptions(
    fetch
      .command('daily')
      .description('getDailyVisitTrend for one day')
      .option('--date <YYYY-MM-DD>', 'the day (default: yesterday in Asia/Shanghai)'),
  ).action(async (options: WechatOptions & { date?: string }) => {
    const date = options.date ? parseIsoDate(options.date, '--date') : beijingYesterday(io.clock());
    const outcome = await clientFromOptions(options, io).getDailyVisitTrend(date);
    setExit(printRaw(outcome, io, date));
  });

  addWechatOptions(
    fetch
      .command('monthly')
      .description('getMonthlyRetain for one natural month')
      .option('--month <YYYY-MM>', 'the month (default: the last complete month in Asia/Shanghai)'),
  ).action(async (options: WechatOptions & { month?: string }) => {
    const month = options.month ? parseYearMonth(options.month, '--month') : lastCompleteMonth(io.clock());
    const outcome = await clientFromOptions(options, io).getMonthlyRetain(month);
    setExit(printRaw(outcome, io, month));
  });

  return fetch;
}
