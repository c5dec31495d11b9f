import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = resolve('dist/wxa-report.mjs');

/**
 * The test set-up rebuilt the bundle, exactly as `npm start`, `npm test` and `npm run build` do after
 * `npm ci`: the file npm links as the `wxa-report` bin must still run.
 */
describe('the built CLI after a rebuild', () => {
  it('is executable, runs by itself, and `npx wxa-report --version` works', async () => {
    const pkg = (await import('../../../package.json', { with: { type: 'json' } })).default as { version: string };

    const { mode } = await stat(BIN);
    const direct = await run(BIN, ['--version']);
    const npx = await run('npx', ['--no-install', 'wxa-report', '--version'], { cwd: resolve('.') });

    expect(mode & 0o111).toBe(0o111);
    expect(direct.stdout).toBe(`${pkg.version}\n`);
    expect(npx.stdout).toBe(`${pkg.version}\n`);
  }, 60_000);
});
