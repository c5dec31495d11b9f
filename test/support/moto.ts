import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const MOTO = resolve('.venv/bin/moto_server');
const PYTHON = resolve('.venv/bin/python');
// moto_server, with DynamoDB's conditional writes made atomic as the real service's are.
const SERVER = resolve('test/support/moto_server.py');

export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Fake credentials: moto accepts any, and the SDK must never find real ones during tests. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
export const MOTO_REGION = 'us-east-1';

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts moto in server mode on a free loopback port and resolves once it answers. The .venv is made
 * by the global set-up (scripts/setup-venv.sh).
 */
export async function startMoto(): Promise<MotoServer> {
  if (!existsSync(MOTO)) throw new Error('moto is not installed: run scripts/setup-venv.sh (the test set-up does)');
  const port = await freePort();
  const child: ChildProcess = spawn(PYTHON, [SERVER, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...{ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' } },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await new Promise<void>((ready, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Running on')) ready();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`moto_server exited with ${code}: ${output}`)));
  });
  return {
    endpoint,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
