import { runCli } from '../../cli/run-cli.js';
import { fixedClock } from './simulator.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in this process with a fixed clock and the given environment and working folder. */
export async function runCliInProcess(
  args: readonly string[],
  options: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    clock?: () => Date;
    /** How waits pass (a virtual clock's), e.g. a pause for WeChat's per-minute limit. */
    sleep?: (ms: number) => Promise<void>;
    /** stderr as a terminal (progress bars draw on it). @default none: not a terminal */
    terminal?: NodeJS.WriteStream;
  } = {},
  prompt?: (question: string, options: { secret: boolean }) => Promise<string>,
): Promise<CliRun> {
  const out: Buffer[] = [];
  let err = '';
  const code = await runCli(args, {
    stdout: { write: (c: string | Uint8Array) => out.push(Buffer.from(c)) },
    stderr: { write: (c: string) => (err += c) },
    env: options.env ?? {},
    clock: options.clock ?? fixedClock,
    sleep: options.sleep,
    cwd: options.cwd ?? process.cwd(),
    terminal: options.terminal,
    prompt,
  });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: err };
}
