import type { Clock } from '../lambda/calendar/beijing-calendar.js';

/** Everything the CLI touches of the outside world, so tests can run it in-process. */
export interface CliIo {
  readonly stdout: { write(chunk: string | Uint8Array): unknown };
  readonly stderr: { write(chunk: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  /** How a wait (WeChat's per-minute limit) passes. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly cwd: string;
  /** stderr when it is a terminal (for progress bars); absent otherwise. */
  readonly terminal?: NodeJS.WriteStream;
  /** Asks the user for a value (hidden when `secret`); absent when there is no terminal. */
  readonly prompt?: (question: string, options: { secret: boolean }) => Promise<string>;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** EX_TEMPFAIL from sysexits.h: WeChat has not published the data yet, try again later. */
export const EXIT_NOT_YET_AVAILABLE = 75;
/** 128 + SIGINT: stopped by Ctrl-C (or kill), as a shell reports it. */
export const EXIT_INTERRUPTED = 130;

/** A failure the user must act on; its message is the single line printed on stderr. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILURE,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
