import type { Logger } from '../lambda/shared/logger.js';
import { printable } from '../lambda/shared/printable.js';
import { SecretScrubber } from '../lambda/shared/redact.js';

/**
 * Log lines on stderr, secrets scrubbed. Without --verbose only warnings, each one human line (the
 * fields as words); a failure is said once, by the command's own last line, so the use cases' error
 * logs show only with --verbose, where every level prints with its fields as JSON.
 */
export function stderrLogger(stderr: { write(s: string): unknown }, scrubber: SecretScrubber, verbose = false): Logger {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const entries = Object.entries(fields ?? {}).filter(([, value]) => value !== undefined);
    const detail =
      entries.length === 0 ? '' : verbose ? ` ${JSON.stringify(fields)}` : ` (${entries.map(words).join('; ')})`;
    stderr.write(`wxa-report: ${level}: ${printable(scrubber.scrub(message + detail).replace(/\s*\n\s*/g, ' '))}\n`);
  };
  const quiet = () => {};
  return {
    debug: verbose ? line('debug') : quiet,
    info: verbose ? line('info') : quiet,
    warn: line('warning'),
    error: verbose ? line('error') : quiet,
  };
}

const words = ([key, value]: [string, unknown]) =>
  `${key} ${typeof value === 'object' && value !== null && !(value instanceof Error) ? JSON.stringify(value) : String(value)}`;

/** A scrubber loaded with every secret-looking value of the environment. */
export function envScrubber(env: Readonly<Record<string, string | undefined>>): SecretScrubber {
  const scrubber = new SecretScrubber();
  for (const [name, value] of Object.entries(env)) {
    if (/SECRET|PASSWORD|TOKEN|TICKET|^SMTP_URL$|WEBHOOK/.test(name)) scrubber.add(value);
  }
  return scrubber;
}
