import { execFileSync } from 'node:child_process';

/**
 * Once per test run: builds the CLI bundle (tests that spawn `dist/wxa-report.mjs` run the real
 * artifact) and makes sure .venv has moto and cfn-lint (a no-op when it already has them).
 */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' });
  execFileSync('bash', ['scripts/setup-venv.sh'], { stdio: 'inherit' });
}
