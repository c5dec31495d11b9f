import { execFileSync } from 'node:child_process';

/**
 * Once per test run: builds the CLI bundle (tests that spawn `dist/wxa-report.mjs` run the real
 * artifact), makes sure .venv has moto and cfn-lint, and that Debian's Chromium and the fonts a
 * phone has are there for the browser test (each a no-op when already in place).
 */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' });
  execFileSync('bash', ['scripts/setup-venv.sh'], { stdio: 'inherit' });
  execFileSync('bash', ['scripts/setup-chromium.sh'], { stdio: 'inherit' });
  execFileSync('bash', ['scripts/setup-pty.sh'], { stdio: 'inherit' });
}
