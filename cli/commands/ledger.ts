import { join } from 'node:path';
import { Command } from 'commander';
import { DynamoDbLedger } from '../../lambda/state/dynamodb/dynamodb-ledger.js';
import { DIGEST_SCOPE, decideClaim, type Ledger, LedgerError, type UnitJob } from '../../lambda/state/ledger.js';
import { FileLedger } from '../../lambda/state/local/file-ledger.js';
import { documentClientFor } from '../aws-clients.js';
import { CliError, type CliIo, EXIT_FAILURE, EXIT_OK } from '../cli-io.js';
import { envScrubber, stderrLogger } from '../stderr-logger.js';

interface LedgerOptions {
  state?: string;
  table?: string;
  job: string;
  period: string;
}

function ledgerFrom(options: LedgerOptions, io: CliIo): Ledger {
  const table = options.table ?? io.env.WXA_LEDGER_TABLE;
  if (table && options.state) throw new CliError('give either --table or --state, not both');
  // A damaged record is left out of a listing with a warning naming it.
  const logger = stderrLogger(io.stderr, envScrubber(io.env));
  if (table) return new DynamoDbLedger(documentClientFor(io), table, io.clock, logger);
  return new FileLedger(options.state ?? join(io.cwd, 'wxa-data', 'state'), logger);
}

function jobOf(value: string): UnitJob {
  if (value !== 'daily' && value !== 'monthly' && value !== 'digest')
    throw new CliError('--job must be daily, monthly or digest');
  return value;
}

const where = (command: Command) =>
  command
    .requiredOption('--job <daily|monthly|digest>', 'the job')
    .requiredOption('--period <YYYY-MM-DD|YYYY-MM>', 'its day or month')
    .option('--state <dir>', 'a local ledger (wxa-report run; default ./wxa-data/state)')
    .option('--table <name>', 'the deployment ledger: the LedgerTable output (env WXA_LEDGER_TABLE)');

/**
 * `wxa-report ledger`: what the ledger says of a day, and the one way to send a channel again whose
 * earlier send was interrupted ("unconfirmed"): a person checks it did not arrive, then releases it.
 */
export function ledgerCommand(io: CliIo, setExit: (code: number) => void): Command {
  const ledger = new Command('ledger').description('look at the delivery ledger, or release an unconfirmed delivery');
  ledger.addCommand(
    where(new Command('show').description("every app's state for one job and period"))
      .option('--json', 'as JSON')
      .action(async (options: LedgerOptions & { json?: boolean }) => {
        // Each damaged record is named on stderr as it is left out (a warning, shown without --verbose).
        let leftOut = 0;
        const records = await ledgerFrom(options, io).listJobs(jobOf(options.job), options.period, () => {
          leftOut += 1;
        });
        const rows = [...records].map(([app, record]) => ({ app, ...record }));
        io.stdout.write(
          options.json
            ? `${JSON.stringify(rows)}\n`
            : `${rows.map((r) => `${r.status.padEnd(8)} ${r.app.padEnd(24)} ${r.detail ?? ''}`).join('\n')}\n`,
        );
        // The listing is incomplete: a script reading it must not take a missing app for "not run".
        setExit(leftOut > 0 ? EXIT_FAILURE : EXIT_OK);
      }),
  );
  ledger.addCommand(
    where(
      new Command('release')
        .description('let an unconfirmed (or failed) delivery be sent again by the next run or retry')
        .option('--app <name>', 'the app (not for the digest)')
        .requiredOption('--channel <key>', 'email, wecom, feishu, lark, dingtalk, slack or json'),
    ).action(async (options: LedgerOptions & { app?: string; channel: string }) => {
      const job = jobOf(options.job);
      const app = job === 'digest' ? DIGEST_SCOPE : options.app;
      if (!app) throw new CliError('--app is required for daily and monthly');
      const store = ledgerFrom(options, io);
      const scope = { job, period: options.period, app };
      try {
        const record = await store.getDelivery(scope, options.channel);
        if (!record) throw new CliError(`nothing recorded for ${options.channel} of ${app} ${job} ${options.period}`);
        // A live claim is another run sending right now; a claim whose lease ran out, or a state no
        // run writes, is as good as unconfirmed: a person may release it.
        const decision = decideClaim(record, io.clock());
        if (record.status === 'sent' || decision === 'busy')
          throw new CliError(
            `${options.channel} is ${record.status}: only an unconfirmed or failed delivery can be released`,
          );
        const now = io.clock().toISOString();
        const released = await store.swapDelivery(scope, options.channel, record, {
          status: 'failed',
          updatedAt: now,
          detail: `released by hand (was ${record.status})`,
        });
        if (!released) throw new CliError('the record changed meanwhile: look again with "wxa-report ledger show"');
        // The retry schedule (or "run retry") picks up pending units.
        if (job !== 'digest')
          await store.putJob(job, options.period, app, {
            status: 'pending',
            updatedAt: now,
            detail: 'released by hand',
          });
      } catch (error) {
        if (error instanceof LedgerError) throw new CliError(error.message);
        throw error;
      }
      io.stdout.write(
        `Released ${options.channel} of ${app} ${job} ${options.period}: the next run or retry sends it\n`,
      );
      setExit(EXIT_OK);
    }),
  );
  return ledger;
}
