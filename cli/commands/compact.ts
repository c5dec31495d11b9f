import { resolve } from 'node:path';
import { Command } from 'commander';
import { parseIsoDate } from '../../lambda/calendar/beijing-calendar.js';
import { archiveRoot } from '../archive-folder.js';
import { CliError, type CliIo, EXIT_FAILURE, EXIT_OK } from '../cli-io.js';
import { archiveAt, compactFromCli, compactionSummary, leftOutLines } from '../compaction.js';
import { DEFAULT_ARCHIVE } from '../report-options.js';
import { envScrubber, stderrLogger } from '../stderr-logger.js';

interface CompactOptions {
  archive?: string;
  from?: string;
  to?: string;
  rebuild?: boolean;
}

/**
 * `wxa-report compact`: the curated layer (Parquet, one file per table and month) brought up to
 * date with the raw archive, locally or in S3, with DuckDB. Incremental: only raw answers not in a
 * file yet (or replaced since) are read; a run with nothing new changes nothing.
 */
export function compactCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('compact')
    .description('bring the curated Parquet layer up to date with the raw archive (what is new only), with DuckDB')
    .option('--archive <dir|s3://bucket/prefix>', `the archive (default: ./${DEFAULT_ARCHIVE})`)
    .option('--from <YYYY-MM-DD>', 'only periods from this day on (default: all)')
    .option('--to <YYYY-MM-DD>', 'only periods up to this day (default: all)')
    .option('--rebuild', 'read every raw answer of the periods again, whatever the curated layer holds')
    .addHelpText(
      'after',
      '\nExit: 0 done (or nothing new), 75 another compaction of the archive is running (try later), 130 stopped by Ctrl-C or kill (the lock given back; run it again to go on), 1 something failed or a raw object was left out (named).',
    )
    .action(async (options: CompactOptions) => {
      const from = options.from ? parseIsoDate(options.from, '--from') : undefined;
      const to = options.to ? parseIsoDate(options.to, '--to') : undefined;
      if (from && to && from > to) throw new CliError(`--from ${from} is after --to ${to}`);
      const location =
        options.archive?.startsWith('s3://') === true
          ? options.archive
          : await archiveRoot(resolve(io.cwd, options.archive ?? DEFAULT_ARCHIVE), options.archive === undefined);
      const logger = stderrLogger(io.stderr, envScrubber(io.env));
      const started = performance.now();
      const result = await compactFromCli(io, location, { from, to, rebuild: options.rebuild, progress: true }, logger);
      for (const line of leftOutLines(result, archiveAt(location, io))) io.stderr.write(`wxa-report: ${line}\n`);
      io.stdout.write(`${compactionSummary(result, (performance.now() - started) / 1000, options.rebuild)}\n`);
      setExit(result.unreadable.length + result.strays.length ? EXIT_FAILURE : EXIT_OK);
    });
}
