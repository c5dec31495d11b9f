import { join, relative } from 'node:path';
import { Command } from 'commander';
import { SecretScrubber } from '../../lambda/shared/redact.js';
import { DEMO_APPS } from '../../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../../lambda/simulator/wechat-simulator.js';
import { CliError, type CliIo, EXIT_OK } from '../cli-io.js';
import { DEFAULT_ARCHIVE, DEFAULT_OUTBOX } from '../report-options.js';
import { stderrLogger } from '../stderr-logger.js';
import { describeDaily, runDailyFromOptions } from './daily.js';
import { describeMonthly, runMonthlyFromOptions } from './monthly.js';

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

        const common = {
          apiBase: sim.url,
          appName: app.name,
          archive: archiveDir,
          outbox: outboxDir,
          lang: options.lang,
          colours: options.colours,
        };
        // Both reports every time it runs (no exactly-once here); a first run fetches their history.
        const daily = await runDailyFromOptions(common, demoIo, logger, false);
        const monthly = await runMonthlyFromOptions(common, demoIo, logger, false);
        if (daily.status !== 'sent') throw new CliError(`the simulator had no data for ${daily.date}: ${daily.reason}`);
        if (monthly.status !== 'sent')
          throw new CliError(`the simulator had no data for ${monthly.month}: ${monthly.reason}`);

        const backfilled = daily.archived.length - 1 + monthly.archived.length - 1;
        const rel = (p: string) => relative(io.cwd, p) || '.';
        const htmlFiles = [...daily.deliveries, ...monthly.deliveries].map((d) =>
          rel(d.detail.replace(/\.eml$/, '.html')),
        );
        io.stdout.write(
          [
            `wxa-reporter demo: simulator at ${sim.url}, Mini Program "${app.name}" (${app.appid})`,
            backfilled
              ? `  First run: fetched ${backfilled} earlier day(s) and month(s) the reports show, once`
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
