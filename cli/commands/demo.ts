import { join, relative } from 'node:path';
import { Command } from 'commander';
import { LocalArchive } from '../../lambda/archive/local/local-archive.js';
import { beijingYesterday } from '../../lambda/calendar/beijing-calendar.js';
import { loadDailyHistory } from '../../lambda/pipeline/daily-history.js';
import { trendDates } from '../../lambda/report/daily-report.js';
import { SecretScrubber } from '../../lambda/shared/redact.js';
import { TOOL_VERSION } from '../../lambda/shared/version.js';
import { DEMO_APPS } from '../../lambda/simulator/simulated-data.js';
import { WechatSimulator } from '../../lambda/simulator/wechat-simulator.js';
import { createDatacubeClient } from '../../lambda/wechat/create-datacube-client.js';
import { CliError, type CliIo, EXIT_OK } from '../cli-io.js';
import { DEFAULT_ARCHIVE, DEFAULT_OUTBOX } from '../report-options.js';
import { stderrLogger } from '../stderr-logger.js';
import { describeDaily, runDailyFromOptions } from './daily.js';

/**
 * `wxa-report demo` (what `npm start` runs): the whole pipeline offline, against the simulator,
 * into ./wxa-data. The first run also backfills the trend window so the chart has 14 days.
 */
export function demoCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('demo')
    .description('run the daily report end to end against the built-in simulator, into ./wxa-data')
    .option('--lang <zh-CN|en>', 'report language', 'zh-CN')
    .action(async (options: { lang: string }) => {
      const app = DEMO_APPS[0];
      if (!app) throw new CliError('no demo app');
      const sim = await WechatSimulator.start({ clock: io.clock });
      try {
        const env = { ...io.env, WECHAT_APPID: app.appid, WECHAT_APPSECRET: app.secret };
        const demoIo: CliIo = { ...io, env };
        const scrubber = new SecretScrubber();
        scrubber.add(app.secret);
        const logger = stderrLogger(io.stderr, scrubber);
        const archiveDir = join(io.cwd, DEFAULT_ARCHIVE);
        const outboxDir = join(io.cwd, DEFAULT_OUTBOX);
        const date = beijingYesterday(io.clock());

        const { fetched } = await loadDailyHistory({
          source: createDatacubeClient({ appid: app.appid, secret: app.secret, apiBase: sim.url, clock: io.clock }),
          archive: new LocalArchive(archiveDir),
          dates: trendDates(date).slice(0, -1),
          fetchIfMissing: new Set(trendDates(date).slice(0, -1)),
          toolVersion: TOOL_VERSION,
          logger,
        });
        const result = await runDailyFromOptions(
          { apiBase: sim.url, appName: app.name, archive: archiveDir, outbox: outboxDir, lang: options.lang, date },
          demoIo,
          logger,
        );
        if (result.status !== 'sent') throw new CliError(`the simulator had no data for ${date}: ${result.reason}`);
        const rel = (p: string) => relative(io.cwd, p) || '.';
        const html = result.deliveries.map((d) => d.detail.replace(/\.eml$/, '.html'));
        io.stdout.write(
          [
            `wxa-reporter demo: simulator at ${sim.url}, Mini Program "${app.name}" (${app.appid})`,
            fetched.length
              ? `  Backfilled ${fetched.length} earlier day(s) for the 14-day trend`
              : '  Trend days read from the archive',
            '',
            describeDaily(result).replaceAll(io.cwd + '/', ''),
            ...html.map((h) => `  Open in a browser  ${rel(h)}`),
            '',
            `Archive: ${rel(archiveDir)}/raw/…  (the same layout as in S3; run again and only the report day is fetched)`,
            '',
          ].join('\n'),
        );
        setExit(EXIT_OK);
      } finally {
        await sim.close();
      }
    });
}
