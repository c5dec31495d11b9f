import { Command, CommanderError } from 'commander';
import { explainFailure } from '../lambda/shared/classify-failure.js';
import type { SecretScrubber } from '../lambda/shared/redact.js';
import { TOOL_VERSION } from '../lambda/shared/version.js';
import type { WechatSimulator } from '../lambda/simulator/wechat-simulator.js';
import { CliError, type CliIo, EXIT_FAILURE, EXIT_OK } from './cli-io.js';
import { envScrubber } from './stderr-logger.js';

export interface RunCliHooks {
  /** Called once `simulate` is listening; the default waits for SIGINT/SIGTERM, then closes it. */
  readonly onSimulatorStarted?: (sim: WechatSimulator) => Promise<void>;
}

type CommandFactory = (io: CliIo, setExit: (code: number) => void, hooks: RunCliHooks) => Promise<Command>;

const COMMANDS: readonly { name: string; description: string; load: CommandFactory }[] = [
  {
    name: 'daily',
    description: 'fetch one day (and, once, the history it shows), archive it, and send the day-over-day report once',
    load: async (io, setExit) => (await import('./commands/daily.js')).dailyCommand(io, setExit),
  },
  {
    name: 'monthly',
    description:
      'fetch a month (and, once, the months and days it shows), archive them, and send the retention report once',
    load: async (io, setExit) => (await import('./commands/monthly.js')).monthlyCommand(io, setExit),
  },
  {
    name: 'backfill',
    description:
      'archive every day of a range that the archive does not have yet (one call per missing day; a long range a year at a time)',
    load: async (io, setExit) => (await import('./commands/backfill.js')).backfillCommand(io, setExit),
  },
  {
    name: 'demo',
    description: 'run the daily and monthly reports end to end against the built-in simulator, into ./wxa-data',
    load: async (io, setExit) => (await import('./commands/demo.js')).demoCommand(io, setExit),
  },
  {
    name: 'fetch',
    description: 'print one raw datacube response, exactly as WeChat sent it',
    load: async (io, setExit) => (await import('./commands/fetch.js')).fetchCommand(io, setExit),
  },
  {
    name: 'run',
    description: 'run the daily, monthly or retry job over every app of a config file, each report sent once',
    load: async (io, setExit) => (await import('./commands/run.js')).runCommand(io, setExit),
  },
  {
    name: 'authorizers',
    description: 'every Mini Program that authorized the third-party platform: appid, name, data permission',
    load: async (io, setExit) => (await import('./commands/authorizers.js')).authorizersCommand(io, setExit),
  },
  {
    name: 'query',
    description: 'SQL over the local archive (DuckDB), with the same tables and columns as Athena',
    load: async (io, setExit) => (await import('./commands/query.js')).queryCommand(io, setExit),
  },
  {
    name: 'compact',
    description: 'bring the curated Parquet layer up to date with the raw archive (what is new only), with DuckDB',
    load: async (io, setExit) => (await import('./commands/compact.js')).compactCommand(io, setExit),
  },
  {
    name: 'apps',
    description: 'add, list, show or remove the Mini Programs of a deployment (registry and SSM secrets)',
    load: async (io, setExit) => (await import('./commands/apps.js')).appsCommand(io, setExit),
  },
  {
    name: 'ledger',
    description: 'look at the delivery ledger, or release an unconfirmed delivery',
    load: async (io, setExit) => (await import('./commands/ledger.js')).ledgerCommand(io, setExit),
  },
  {
    name: 'setup',
    description: "store a Mini Program's credentials (and webhooks, SMTP) in SSM Parameter Store",
    load: async (io, setExit) => (await import('./commands/setup.js')).setupCommand(io, setExit),
  },
  {
    name: 'simulate',
    description: 'run the built-in WeChat API simulator on loopback (for trying things out and for tests)',
    load: async (io, _setExit, hooks) =>
      (await import('./commands/simulate.js')).simulateCommand(io, hooks.onSimulatorStarted ?? waitForSignal),
  },
];

/** Runs one CLI invocation and resolves to its exit code. Never calls process.exit itself. */
export async function runCli(argv: readonly string[], io: CliIo, hooks: RunCliHooks = {}): Promise<number> {
  let exitCode = EXIT_OK;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command('wxa-report')
    .description('WeChat Mini Program reports and raw-data archive')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)');
  // Only the command being run is loaded (each pulls in SDK clients, renderers, nodemailer…); the
  // others are listed by name and description, which is all `wxa-report --help` shows.
  const asked = argv.find((arg) => !arg.startsWith('-'));
  for (const entry of COMMANDS) {
    if (entry.name === asked) {
      const command = await entry.load(io, setExit, hooks);
      program.addCommand(command.description(entry.description));
    } else {
      program.addCommand(new Command(entry.name).description(entry.description));
    }
  }
  // addCommand() does not pass settings down: give every subcommand the injected output and the
  // exit override, so usage errors reach io.stderr and never call process.exit.
  const inherit = (parent: Command) => {
    for (const command of parent.commands) {
      command.copyInheritedSettings(parent);
      inherit(command);
    }
  };
  inherit(program);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_FAILURE;
    const scrubber = secretsOf(argv, io.env);
    // What happened and what to do (or that it was temporary), from the one classification.
    const message = error instanceof CliError ? error.message : explainFailure(error);
    io.stderr.write(`wxa-report: ${scrubber.scrub(message).replace(/\s*\n\s*/g, ' ')}\n`);
    return error instanceof CliError ? error.exitCode : EXIT_FAILURE;
  }
}

async function waitForSignal(sim: WechatSimulator): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
}

/** Every secret this invocation was given, so none is ever echoed back in an error line. */
function secretsOf(argv: readonly string[], env: CliIo['env']): SecretScrubber {
  const scrubber = envScrubber(env);
  argv.forEach((arg, i) => {
    if (['--webhook', '--webhook-secret', '--smtp-url'].includes(argv[i - 1] ?? '')) {
      scrubber.add(arg);
      scrubber.add(arg.slice(arg.indexOf('=') + 1));
    }
  });
  return scrubber;
}
