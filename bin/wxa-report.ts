import { runCli } from '../cli/run-cli.js';

// The CLI's composition root: the only place that hands it the real process.
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  clock: () => new Date(),
  cwd: process.cwd(),
});
process.exitCode = code;
