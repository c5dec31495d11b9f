import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { parseIsoDate } from '../../lambda/calendar/beijing-calendar.js';
import {
  type AppConfig,
  type DeploymentConfig,
  DeploymentConfigError,
  parseRunConfigPerApp,
} from '../../lambda/config/deployment-config.js';
import type { Audience } from '../../lambda/notify/build-channels.js';
import type { EmailSender } from '../../lambda/notify/email-sender.js';
import { resolveSmtpServer, type SmtpSettings } from '../../lambda/notify/smtp/smtp-settings.js';
import type { WebhookKind } from '../../lambda/notify/webhook/webhook-platform.js';
import type { ScheduledJobEvent } from '../../lambda/pipeline/plan-units.js';
import {
  DEFAULT_CONCURRENCY,
  type InProcessJobDependencies,
  runJobInProcess,
} from '../../lambda/pipeline/run-job-in-process.js';
import type { UnitOutcome } from '../../lambda/pipeline/work-unit.js';
import { StaticAppRegistry } from '../../lambda/registry/app-registry.js';
import { EnvSecretSource, envNames } from '../../lambda/secrets/env/env-secret-source.js';
import type { AppSecrets } from '../../lambda/secrets/secret-source.js';
import { explainFailure } from '../../lambda/shared/classify-failure.js';
import type { Logger } from '../../lambda/shared/logger.js';
import type { SecretScrubber } from '../../lambda/shared/redact.js';
import { TOOL_VERSION } from '../../lambda/shared/version.js';
import { FileLedger } from '../../lambda/state/local/file-ledger.js';
import type { ComponentApi } from '../../lambda/wechat/component/component-api.js';
import { createDatacubeClient, tokenModeFor } from '../../lambda/wechat/create-datacube-client.js';
import { archivedApis } from '../../lambda/wechat/datacube-apis.js';
import { CliError, type CliIo, EXIT_FAILURE, EXIT_NOT_YET_AVAILABLE, EXIT_OK } from '../cli-io.js';
import { archiveFrom, DEFAULT_ARCHIVE, DEFAULT_OUTBOX } from '../report-options.js';
import { localOwner, stateDirFor } from '../report-run.js';
import { envScrubber, stderrLogger } from '../stderr-logger.js';
import { API_BASE_HELP, apiBasesFrom, cliCallGate, componentFromEnv } from '../wechat-options.js';

interface RunOptions {
  config: string;
  date?: string;
  month?: string;
  archive?: string;
  outbox?: string;
  state?: string;
  concurrency?: string;
  apiBase?: string;
  json?: boolean;
  verbose?: boolean;
}

const WAITING: ReadonlySet<UnitOutcome['status']> = new Set(['not-yet-available', 'in-progress']);

/** 1 when anything failed, 75 when something is not available yet (and nothing failed), else 0. */
export function exitCodeOf(outcomes: readonly UnitOutcome[]): number {
  if (outcomes.some((o) => o.status === 'failed')) return EXIT_FAILURE;
  if (outcomes.some((o) => WAITING.has(o.status))) return EXIT_NOT_YET_AVAILABLE;
  return EXIT_OK;
}

const unitName = (o: UnitOutcome) => (o.job === 'digest' ? `digest ${o.period}` : `${o.app} ${o.job} ${o.period}`);

async function readConfig(path: string) {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such file: give the path of your config (see "Run every app without AWS" in the README for one to start from)'
        : code === 'EISDIR'
          ? 'it is a folder: give the path of the JSON file'
          : code === 'EACCES' || code === 'EPERM'
            ? 'this user may not read it: check its permissions'
            : (error as Error).message;
    throw new CliError(`cannot read --config ${path}: ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--config ${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return parseRunConfigPerApp(json, path);
  } catch (error) {
    if (error instanceof DeploymentConfigError) throw new CliError(error.message);
    throw error;
  }
}

function eventFrom(job: string, options: RunOptions): ScheduledJobEvent {
  if (job !== 'daily' && job !== 'monthly' && job !== 'retry')
    throw new CliError(`the job must be daily, monthly or retry, not "${job}"`);
  if (options.date && job !== 'daily') throw new CliError('--date goes with the daily job');
  if (options.month && job !== 'monthly') throw new CliError('--month goes with the monthly job');
  if (options.month && !/^\d{4}-(0[1-9]|1[0-2])$/.test(options.month))
    throw new CliError(`--month "${options.month}" is not a month YYYY-MM`);
  return {
    job,
    ...(options.date ? { date: parseIsoDate(options.date, '--date') } : {}),
    ...(options.month ? { month: options.month } : {}),
  };
}

function concurrencyFrom(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200)
    throw new CliError('--concurrency must be a whole number from 1 to 200');
  return n;
}

/** The email sender of a run, made once and only when a report goes out: SMTP when SMTP_URL is set, else the outbox. */
function lazyEmailSender(smtp: SmtpSettings | undefined, outbox: string): () => Promise<EmailSender> {
  let sender: Promise<EmailSender> | undefined;
  return () => {
    sender ??= (async (): Promise<EmailSender> => {
      if (smtp) {
        const { SmtpEmailSender } = await import('../../lambda/notify/smtp/smtp-email-sender.js');
        return new SmtpEmailSender(smtp);
      }
      const { OutboxEmailSender } = await import('../../lambda/notify/outbox/outbox-email-sender.js');
      return new OutboxEmailSender(outbox);
    })();
    return sender;
  };
}

/** SMTP_URL (and SMTP_PASSWORD), checked before anything runs: a bad shared setting stops the run. */
function smtpSettingsFrom(io: CliIo, options: RunOptions): SmtpSettings | undefined {
  const url = io.env.SMTP_URL;
  if (!url) return undefined;
  if (options.outbox) throw new CliError('give either SMTP_URL or --outbox, not both');
  const settings: SmtpSettings = {
    url,
    password: io.env.SMTP_PASSWORD,
    setting: 'SMTP_URL',
    passwordAlternative: 'or leave the password out of SMTP_URL and give it in SMTP_PASSWORD',
  };
  try {
    resolveSmtpServer(settings);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  return settings;
}

/** The composition root of `run`: the environment and flags become the use cases' dependencies. */
function runDependencies(
  parsed: { config: DeploymentConfig; apps: readonly unknown[] },
  options: RunOptions,
  io: CliIo,
  scrubber: SecretScrubber,
): InProcessJobDependencies {
  const { config } = parsed;
  const configPath = resolve(io.cwd, options.config);
  if (config.email?.transport === 'ses')
    throw new CliError('email.transport "ses" works in the deployment only; use "smtp" with SMTP_URL, or --outbox');
  const lines = stderrLogger(io.stderr, scrubber, options.verbose);
  // Every failure ends as one outcome line on stderr; the use cases' error logs would say it twice.
  const logger = { ...lines, error: lines.info };
  const secrets = new EnvSecretSource(io.env);
  const archiveLocation = options.archive ?? join(io.cwd, DEFAULT_ARCHIVE);
  const apiBase = apiBasesFrom(options.apiBase, io, config.apiBase);
  // WeChat's limits for the whole run, every app's calls through it (its state is per AppID).
  const appNames = new Map<string, string>();
  const gate = cliCallGate(io, 'the run', (appid) => appNames.get(appid));
  const emailSender = lazyEmailSender(smtpSettingsFrom(io, options), options.outbox ?? join(io.cwd, DEFAULT_OUTBOX));
  const channelsFor = async (
    audience: Audience,
    webhookSecrets: AppSecrets['webhooks'],
    whereToStore: (kind: WebhookKind) => string,
    whereListed: string,
  ) => {
    const { buildChannels } = await import('../../lambda/notify/build-channels.js');
    return buildChannels(audience, {
      emailSender,
      from: config.email?.from ?? 'wxa-reporter <wxa-reporter@localhost>',
      defaultLanguage: config.language,
      defaultColours: config.colours,
      webhookSecrets,
      whereToStore,
      whereListed,
      clock: io.clock,
    });
  };
  const digest = config.digest;
  let component: ComponentApi | undefined;
  // Apps reached through the platform share its component token and authorizer list for the run.
  const platform = () => {
    component ??= componentFromEnv(io, apiBase);
    return component;
  };
  return {
    registry: StaticAppRegistry.fromRaw(parsed.apps, { hasEmail: config.email !== undefined }),
    ledger: new FileLedger(stateDirFor(options.state, archiveLocation, io.cwd), lines),
    archive: archiveFrom({ archive: archiveLocation }, io),
    secrets,
    wechat: (app: AppConfig, appSecrets: AppSecrets) => {
      scrubber.add(appSecrets.secret);
      appNames.set(appSecrets.appid, app.name);
      return createDatacubeClient({
        appid: appSecrets.appid,
        secret: appSecrets.secret,
        tokenMode: tokenModeFor(app, appSecrets.appid, platform),
        apiBase,
        gate,
        clock: io.clock,
        logger,
      });
    },
    channels: (app, appSecrets) =>
      channelsFor(
        app,
        appSecrets.webhooks,
        (kind) => envNames.webhookUrl(app.name, kind),
        `the app's webhooks in ${configPath}`,
      ),
    digestChannels: digest
      ? () =>
          channelsFor(digest, secrets.digestWebhooks(), envNames.digestWebhookUrl, `digest.webhooks in ${configPath}`)
      : undefined,
    schedule: config.schedule,
    clock: io.clock,
    logger,
    toolVersion: TOOL_VERSION,
    owner: localOwner(),
    archiveApis: archivedApis(config.archive.apis),
  };
}

function printOutcomes(
  outcomes: readonly UnitOutcome[],
  event: ScheduledJobEvent,
  json: boolean | undefined,
  io: CliIo,
  scrubber: SecretScrubber,
  compaction?: Compacted,
): void {
  if (json) {
    const safe = outcomes.map((o) => ({ ...o, detail: scrubber.scrub(o.detail) }));
    io.stdout.write(
      `${JSON.stringify({ job: event.job, outcomes: safe, ...(compaction ? { compaction: compaction.json } : {}) })}\n`,
    );
    return;
  }
  for (const o of outcomes)
    io.stdout.write(`${o.status.padEnd(17)} ${unitName(o).padEnd(40)} ${scrubber.scrub(o.detail)}\n`);
  if (outcomes.length === 0) io.stdout.write('nothing to do\n');
  if (compaction?.line) io.stdout.write(`${compaction.line}\n`);
}

/** What the compaction after a job did: a line, its JSON, and whether something needs a person. */
interface Compacted {
  /** The summary for stdout; none when it failed (said on stderr). */
  readonly line?: string;
  readonly json: Record<string, unknown>;
  readonly failed: boolean;
}

/**
 * The compaction a config asks for after its job (`archive.compact`): what the job archived goes into
 * the curated layer. Its failure, and each raw object it leaves out (a body that cannot be an answer,
 * a folder that is not a partition), is said on its own line and fails the run (exit 1); another
 * compaction already running is not a failure (it, or the next run, takes the new answers).
 */
async function compactAfterJob(io: CliIo, location: string, logger: Logger): Promise<Compacted> {
  const { compactFromCli, compactionSummary, archiveAt, leftOutLines } = await import('../compaction.js');
  const { shellWord } = await import('../../lambda/curated/left-out.js');
  const started = performance.now();
  try {
    const result = await compactFromCli(io, location, {}, logger);
    // In run's own form (`wxa-report: <what> …: <what to do>`), one line each: the reports went out;
    // these need a person, so the run exits 1.
    for (const line of leftOutLines(result, archiveAt(location, io)))
      io.stderr.write(`wxa-report: compaction left out ${line}\n`);
    return {
      line: compactionSummary(result, (performance.now() - started) / 1000),
      json: {
        months: result.months.map(({ table, month, read, replaced, rows }) => ({ table, month, read, replaced, rows })),
        files: result.files,
        // Every raw object left out (bodies that cannot be answers, folders that are not partitions).
        unreadable: [...result.unreadable, ...result.strays].map((u) => u.key),
      },
      failed: result.unreadable.length + result.strays.length > 0,
    };
  } catch (error) {
    const busy = error instanceof CliError && error.exitCode === EXIT_NOT_YET_AVAILABLE;
    const reason = explainFailure(error).replace(/\s*\n\s*/g, ' ');
    io.stderr.write(
      busy
        ? `wxa-report: not compacted now: ${reason}\n`
        : `wxa-report: compaction failed: ${reason}; the reports are not affected: run "wxa-report compact --archive ${shellWord(archiveAt(location, io))}" once fixed\n`,
    );
    return { json: { error: reason }, failed: !busy };
  }
}

/**
 * `wxa-report run`: a scheduled job without AWS (cron on a VM, a container). The same planner,
 * unit and digest use cases as the Lambda dispatcher and workers; the ledger is files beside the
 * archive, so exactly-once holds across runs and across processes running at once.
 */
export function runCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('run')
    .description('run the daily, monthly or retry job over every app of a config file, each report sent once')
    .argument('<job>', 'daily | monthly | retry')
    .requiredOption('--config <file>', 'the apps, email and digest (JSON; secrets come from the environment)')
    .option('--date <YYYY-MM-DD>', 'daily: the report day (default: yesterday in Asia/Shanghai)')
    .option('--month <YYYY-MM>', 'monthly: the month (default: the last complete month)')
    .option('--archive <dir|s3://bucket/prefix>', `where raw responses are kept (default: ./${DEFAULT_ARCHIVE})`)
    .option(
      '--outbox <dir>',
      `write emails here instead of sending (default when SMTP_URL is unset: ./${DEFAULT_OUTBOX})`,
    )
    .option('--state <dir>', 'the delivery ledger (default: state/ beside a local archive, else ./wxa-data/state)')
    .option('--concurrency <n>', `apps worked on at once (default ${DEFAULT_CONCURRENCY})`)
    .option('--api-base <urls>', API_BASE_HELP)
    .option('--json', 'print {"job","outcomes":[…]} as JSON instead of lines')
    .option('--verbose', 'also log each step on stderr')
    .addHelpText(
      'after',
      `
Secrets, from the environment only:
  ${envNames.secret('<NAME>')}                 the AppSecret of app <NAME> (upper-cased, "-" and "." as "_")
  ${envNames.webhookUrl('<NAME>', 'wecom').replace('WECOM', '<KIND>')}         a webhook URL of that app (KIND: WECOM, FEISHU, LARK, DINGTALK, SLACK, JSON)
  ${envNames.webhookSecret('<NAME>', 'wecom').replace('WECOM', '<KIND>')}  its signing secret
  WXA_DIGEST_WEBHOOK_<KIND>[_SECRET]             the digest's webhooks
  SMTP_URL                                       smtp://user:pass@host:587 or smtps://…:465 (else emails go to the outbox)
  SMTP_PASSWORD                                  the password, when SMTP_URL names only the user
Exit: 0 all done, 75 some periods not yet available (nothing failed), 1 something failed, or (with
"archive": {"compact": true}) the compaction failed or left out a raw body or folder it names.`,
    )
    .action(async (job: string, options: RunOptions) => {
      const event = eventFrom(job, options);
      const concurrency = concurrencyFrom(options.concurrency);
      const parsed = await readConfig(resolve(io.cwd, options.config));
      const scrubber = envScrubber(io.env);
      const deps = runDependencies(parsed, options, io, scrubber);
      const outcomes = await runJobInProcess(deps, event, concurrency, (outcome) => {
        if (outcome.status === 'failed')
          io.stderr.write(
            `wxa-report: ${unitName(outcome)} failed: ${scrubber.scrub(outcome.detail).replace(/\s*\n\s*/g, ' ')}\n`,
          );
      });
      const compaction = parsed.config.archive.compact
        ? await compactAfterJob(
            io,
            options.archive ?? join(io.cwd, DEFAULT_ARCHIVE),
            stderrLogger(io.stderr, scrubber, options.verbose),
          )
        : undefined;
      printOutcomes(outcomes, event, options.json, io, scrubber, compaction);
      setExit(compaction?.failed ? EXIT_FAILURE : exitCodeOf(outcomes));
    });
}
