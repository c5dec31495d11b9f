import { Command, CommanderError } from 'commander';
import type { SecretScrubber } from '../lambda/shared/redact.js';
import { TOOL_VERSION } from '../lambda/shared/version.js';
import type { WechatSimulator } from '../lambda/simulator/wechat-simulator.js';
import { CliError, type CliIo, EXIT_FAILURE, EXIT_OK } from './cli-io.js';
import { backfillCommand } from './commands/backfill.js';
import { dailyCommand } from './commands/daily.js';
import { demoCommand } from './commands/demo.js';
import { fetchCommand } from './commands/fetch.js';
import { monthlyCommand } from './commands/monthly.js';
import { runCommand } from './commands/run.js';
import { setupCommand } from './commands/setup.js';
import { simulateCommand } from './commands/simulate.js';
import { envScrubber } from './stderr-logger.js';

export interface RunCliHooks {
  /** Called once `simulate` is listening; the default waits for SIGINT/SIGTERM, then closes it. */
  readonly onSimulatorStarted?: (sim: WechatSimulator) => Promise<void>;
}

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
  program.addCommand(dailyCommand(io, setExit));
  program.addCommand(monthlyCommand(io, setExit));
  program.addCommand(backfillCommand(io, setExit));
  program.addCommand(demoCommand(io, setExit));
  program.addCommand(fetchCommand(io, setExit));
  program.addCommand(runCommand(io, setExit));
  program.addCommand(setupCommand(io, setExit));
  program.addCommand(simulateCommand(io, hooks.onSimulatorStarted ?? waitForSignal));
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
    const message = error instanceof Error ? error.message : String(error);
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
