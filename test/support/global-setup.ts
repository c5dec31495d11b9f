import { execFileSync } from 'node:child_process';

/** Builds the CLI bundle once, so the tests that spawn `dist/wxa-report.mjs` run the real artifact. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' });
}
