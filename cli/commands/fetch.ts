import { Command } from 'commander';
import {
  beijingYesterday,
  lastCompleteMonth,
  parseIsoDate,
  parseYearMonth,
} from '../../lambda/calendar/beijing-calendar.js';
import {
  DATACUBE_APIS,
  lastCompleteWeek,
  type PeriodKind,
  type PortraitWindow,
} from '../../lambda/wechat/datacube-apis.js';
import type { DatacubeOutcome } from '../../lambda/wechat/datacube-client.js';
import type { DatacubeEndpoint } from '../../lambda/wechat/datacube-endpoints.js';
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

/** `wxa-report fetch daily|monthly|<api>`: the raw datacube answer on stdout, byte for byte. */
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

  for (const api of DATACUBE_APIS) {
    const command = fetch.command(api.cli).description(`${api.name}: ${PERIOD_HELP[api.kind]}`);
    if (api.kind === 'week')
      command.option('--week <YYYY-MM-DD>', 'the Monday of a natural week (default: the last whole week)');
    else if (api.kind === 'month') command.option('--month <YYYY-MM>', 'the month (default: the last complete month)');
    else
      command.option(
        '--date <YYYY-MM-DD>',
        'the day, or the last day of the window (default: yesterday in Asia/Shanghai)',
      );
    if (api.kind === 'portrait') command.option('--days <1|7|30>', 'the window: the last 1, 7 or 30 days', '7');
    addWechatOptions(command).action(async (options: WechatOptions & PeriodOptions) => {
      const period = periodFrom(api.kind, options, io.clock());
      const outcome = await clientFromOptions(options, io).call(api as DatacubeEndpoint<unknown, unknown>, period);
      setExit(printRaw(outcome, io, describePeriod(period)));
    });
  }

  // An unknown name lists the names (commander alone says "unknown command" and perhaps one guess).
  fetch.on('command:*', (operands: string[]) => {
    throw new CliError(
      `fetch has no API "${operands[0]}"; the names are ${fetch.commands.map((c) => c.name()).join(', ')} (see wxa-report fetch --help)`,
    );
  });

  return fetch;
}

interface PeriodOptions {
  date?: string;
  week?: string;
  month?: string;
  days?: string;
}

const PERIOD_HELP: Record<PeriodKind, string> = {
  day: 'one day',
  week: 'one natural week, Monday to Sunday',
  month: 'one natural month',
  portrait: 'the last 1, 7 or 30 days',
};

/** The period a command line names, with each API's default; the rules themselves are the client's. */
export function periodFrom(kind: PeriodKind, options: PeriodOptions, now: Date): unknown {
  if (kind === 'week') return options.week ? parseIsoDate(options.week, '--week') : lastCompleteWeek(now);
  if (kind === 'month') return options.month ? parseYearMonth(options.month, '--month') : lastCompleteMonth(now);
  const date = options.date ? parseIsoDate(options.date, '--date') : beijingYesterday(now);
  if (kind === 'day') return date;
  const days = Number(options.days ?? '7');
  if (days !== 1 && days !== 7 && days !== 30) throw new CliError(`--days must be 1, 7 or 30, not "${options.days}"`);
  return { end: date, days } satisfies PortraitWindow;
}

const describePeriod = (period: unknown) =>
  typeof period === 'string'
    ? period
    : `the ${(period as PortraitWindow).days} days to ${(period as PortraitWindow).end}`;
