import { execFile } from 'node:child_process';
import { copyFile, readdir } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOOL_VERSION } from '../../../lambda/shared/version.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * `wxa-report` on the PATH as the README installs it: `npm run install-global` from the checkout,
 * here into a temporary prefix (npm's `prefix` setting, as a user's global folder), then the
 * installed binary run as a user runs it: on the Node their PATH has, not the checkout's.
 */
const run = promisify(execFile);
const CHECKOUT = resolve('.');
/** What an older Node says it is, for the launcher's check (the machine's Node runs it). */
const AS_NODE_20 = `data:text/javascript,Object.defineProperty(process.versions,'node',{value:'20.20.2'})`;

let prefix: Awaited<ReturnType<typeof tempDir>>;
let cwd: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  [prefix, cwd] = await Promise.all([tempDir('wxa-prefix-'), tempDir('wxa-home-')]);
});
afterEach(() => Promise.all([prefix.remove(), cwd.remove()]));

/** The user's PATH: the global bin first, and none of the checkout's node_modules/.bin (its Node 24). */
const userPath = () =>
  [
    join(prefix.path, 'bin'),
    ...(process.env.PATH ?? '').split(delimiter).filter((p) => !p.includes('node_modules')),
  ].join(delimiter);
const install = () =>
  run('npm', ['run', 'install-global'], {
    cwd: CHECKOUT,
    env: { ...process.env, npm_config_prefix: prefix.path },
  });

describe('wxa-report on the PATH', () => {
  it('is one command from the checkout, and the installed binary runs the demo on the Node of the PATH', async () => {
    // Act
    await install();
    const env = { ...process.env, PATH: userPath() };
    const version = await run('wxa-report', ['--version'], { cwd: cwd.path, env });
    const demo = await run('wxa-report', ['demo', '--lang', 'en'], { cwd: cwd.path, env });

    // Assess
    expect(await readdir(join(prefix.path, 'bin'))).toEqual(['wxa-report']);
    expect(version.stdout).toBe(`${TOOL_VERSION}\n`);
    expect(demo.stdout).toContain('Daily report for 喵喵商城');
    expect(demo.stdout).toContain('Monthly report for 喵喵商城');
    expect(demo.stderr).toBe('');
    expect(await readdir(join(cwd.path, 'wxa-data', 'outbox'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^daily-wx[0-9a-f]{16}-\d{4}-\d{2}-\d{2}\.en\.html$/)]),
    );
  }, 120_000);

  it('on a Node older than 24, hands the command to the Node 24 of the checkout, with its exit status', async () => {
    await install();
    const bin = join(prefix.path, 'bin', 'wxa-report');

    const demo = await run(process.execPath, ['--import', AS_NODE_20, bin, 'demo'], { cwd: cwd.path });
    const usage = await run(process.execPath, ['--import', AS_NODE_20, bin, 'daily', '--date', 'yesterday'], {
      cwd: cwd.path,
    }).catch((error: { code: number; stderr: string }) => error);

    expect(demo.stdout).toContain('Daily report for 喵喵商城');
    expect(usage).toMatchObject({ code: 1, stderr: expect.stringMatching(/^wxa-report: --date/) });
  }, 120_000);

  it('on a Node older than 24 without a Node 24 beside it, says in one line what to install', async () => {
    // The launcher alone, as a copy of the package without the checkout's node_modules would have it.
    const lone = join(cwd.path, 'wxa-report.mjs');
    await copyFile(join(CHECKOUT, 'dist', 'wxa-report.mjs'), lone);

    const refused = await run(process.execPath, ['--import', AS_NODE_20, lone, '--version']).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect((refused as { stderr: string }).stderr).toBe(
      'wxa-report: needs Node.js 24 or later, and this is Node.js 20.20.2: install Node.js 24 (https://nodejs.org, or nvm install 24), or install wxa-report from its checkout (npm ci, then npm run install-global), which brings its own Node.js 24\n',
    );
  });
});
