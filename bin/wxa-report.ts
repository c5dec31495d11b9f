import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { runCli } from '../cli/run-cli.js';

/** Asks on the terminal; a secret is typed without echo. */
async function prompt(question: string, options: { secret: boolean }): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = rl.question(`${question}: `);
    muted = options.secret;
    return await answer;
  } finally {
    rl.close();
    if (options.secret) process.stderr.write('\n');
  }
}

// The CLI's composition root: the only place that hands it the real process.
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  clock: () => new Date(),
  cwd: process.cwd(),
  prompt: process.stdin.isTTY ? prompt : undefined,
  terminal: process.stderr.isTTY ? process.stderr : undefined,
});
process.exitCode = code;
