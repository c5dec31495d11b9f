import { join, relative } from 'node:path';
import { Command } from 'commander';
import { archiveKeys } from '../../lambda/archive/archive.js';
import { LocalArchive } from '../../lambda/archive/local/local-archive.js';
import { addMonths, beijingYesterday, daysOfMonth, lastCompleteMonth } from '../../lambda/calendar/beijing-calendar.js';
import { fetchAndArchive } from '../../lambda/pipeline/archived-datacube.js';
import { loadDailyHistory } from '../../lambda/pipeline/daily-history.js';
import { trendDates } from '../../lambda/report/daily-report.js';
import { HISTORY_MONTHS } from '../../lambda/report/monthly-report.js';
import type { Logger } from '../../lambda/shared/logger.js';
import { SecretScrubber } from '../../lambda/shared/redact.js';
import { TOOL_VERSION } from '../../lambda/shared/version.js';
import { DEMO_APPS } from '../../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../../lambda/simulator/wechat-simulator.js';
import { createDatacubeClient } from '../../lambda/wechat/create-datacube-client.js';
import type { DatacubeClient } from '../../lambda/wechat/datacube-client.js';
import { CliError, type CliIo, EXIT_OK } from '../cli-io.js';
import { DEFAULT_ARCHIVE, DEFAULT_OUTBOX } from '../report-options.js';
import { stderrLogger } from '../stderr-logger.js';
import { describeDaily, runDailyFromOptions } from './daily.js';
import { describeMonthly, runMonthlyFromOptions } from './monthly.js';

/**
 * The history a first run lacks: the 14-day trend window, the days of last month, and the months of
 * the six-month chart. Only what the archive does not have is fetched, so later runs fetch nothing here.
 */
async function backfillForDemo(
  client: DatacubeClient,
  archive: LocalArchive,
  now: Date,
  logger: Logger,
): Promise<number> {
  const yesterday = beijingYesterday(now);
  const month = lastCompleteMonth(now);
  const dates = [...new Set([...trendDates(yesterday).slice(0, -1), ...daysOfMonth(month)])];
  const { fetched } = await loadDailyHistory({
    source: client,
    archive,
    dates,
    fetchIfMissing: new Set(dates),
    toolVersion: TOOL_VERSION,
    logger,
  });
  let months = 0;
  for (let i = 2; i < HISTORY_MONTHS; i++) {
    const m = addMonths(month, -i);
    const key = archiveKeys.monthlyRetain(client.appid, m);
    if (await archive.get(key)) continue;
    await fetchAndArchive(() => client.getMonthlyRetain(m), archive, key, client.appid, TOOL_VERSION);
    months += 1;
  }
  return fetched.length + months;
}

/**
 * `wxa-report demo` (what `npm start` runs): both reports end to end, offline, against the simulator,
 * into ./wxa-data.
 */
export function demoCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('demo')
    .description('run the daily and monthly reports end to end against the built-in simulator, into ./wxa-data')
    .option('--lang <zh-CN|en>', 'report language', 'zh-CN')
    .option('--colours <convention>', 'which colour says up and which down: blue-orange, red-up, green-up')
    .action(async (options: { lang: string; colours?: string }) => {
      const app = DEMO_APPS[0];
      if (!app) throw new CliError('no demo app');
      const sim = await WechatSimulator.start({ clock: io.clock });
      try {
        const demoIo: CliIo = { ...io, env: { ...io.env, WECHAT_APPID: app.appid, WECHAT_APPSECRET: app.secret } };
        const scrubber = new SecretScrubber();
        scrubber.add(app.secret);
        const logger = stderrLogger(io.stderr, scrubber);
        const archiveDir = join(io.cwd, DEFAULT_ARCHIVE);
        const outboxDir = join(io.cwd, DEFAULT_OUTBOX);
        const client = createDatacubeClient({
          appid: app.appid,
          secret: app.secret,
          apiBase: sim.url,
          clock: io.clock,
        });
        const backfilled = await backfillForDemo(client, new LocalArchive(archiveDir), io.clock(), logger);

        const common = {
          apiBase: sim.url,
          appName: app.name,
          archive: archiveDir,
          outbox: outboxDir,
          lang: options.lang,
          colours: options.colours,
        };
        const daily = await runDailyFromOptions(common, demoIo, logger);
        const monthly = await runMonthlyFromOptions(common, demoIo, logger);
        if (daily.status !== 'sent') throw new CliError(`the simulator had no data for ${daily.date}: ${daily.reason}`);
        if (monthly.status !== 'sent')
          throw new CliError(`the simulator had no data for ${monthly.month}: ${monthly.reason}`);

        const rel = (p: string) => relative(io.cwd, p) || '.';
        const htmlFiles = [...daily.deliveries, ...monthly.deliveries].map((d) =>
          rel(d.detail.replace(/\.eml$/, '.html')),
        );
        io.stdout.write(
          [
            `wxa-reporter demo: simulator at ${sim.url}, Mini Program "${app.name}" (${app.appid})`,
            backfilled
              ? `  First run: backfilled ${backfilled} earlier day(s) and month(s) for the trends`
              : '  History read from the archive: only the report periods were fetched',
            '',
            describeDaily(daily).replaceAll(`${io.cwd}/`, ''),
            '',
            describeMonthly(monthly).replaceAll(`${io.cwd}/`, ''),
            '',
            'Open in a browser:',
            ...htmlFiles.map((h) => `  ${h}`),
            '',
            `Archive: ${rel(archiveDir)}/raw/…  (the same layout as in S3)`,
            '',
          ].join('\n'),
        );
        setExit(EXIT_OK);
      } finally {
        await sim.close();
      }
    });
}
