import type { Logger } from '../lambda/shared/logger.js';
import type { SecretScrubber } from '../lambda/shared/redact.js';

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
