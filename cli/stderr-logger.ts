import type { Logger } from '../lambda/shared/logger.js';
import { SecretScrubber } from '../lambda/shared/redact.js';

/** Warnings and errors as single lines on stderr (info and debug with --verbose), secrets scrubbed. */
export function stderrLogger(stderr: { write(s: string): unknown }, scrubber: SecretScrubber, verbose = false): Logger {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const detail = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
    stderr.write(`wxa-report: ${level}: ${scrubber.scrub(message + detail)}\n`);
  };
  const quiet = () => {};
  return {
    debug: verbose ? line('debug') : quiet,
    info: verbose ? line('info') : quiet,
    warn: line('warning'),
    error: line('error'),
  };
}

/** A scrubber loaded with every secret-looking value of the environment. */
export function envScrubber(env: Readonly<Record<string, string | undefined>>): SecretScrubber {
  const scrubber = new SecretScrubber();
  for (const [name, value] of Object.entries(env)) {
    if (/SECRET|PASSWORD|TOKEN|TICKET|^SMTP_URL$|WEBHOOK/.test(name)) scrubber.add(value);
  }
  return scrubber;
}
