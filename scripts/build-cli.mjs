import { chmodSync, copyFileSync, rmSync } from 'node:fs';

// Bundles the CLI into dist/cli.mjs, with dist/wxa-report.mjs (the `bin`) the launcher in front of
// it, so `npx wxa-report` works right after `npm ci` (this runs as the `prepare` script) and so does
// `wxa-report` on the PATH on any Node (bin/wxa-report-launcher.mjs). Dependencies stay external:
// they are in node_modules.
import { build } from 'esbuild';

// Stale chunks of an earlier build would pile up otherwise.
rmSync('dist', { recursive: true, force: true });

// Split per command: `wxa-report --help` loads the entry and commander only, and each command
// loads its own chunk when it runs.
await build({
  entryPoints: { cli: 'bin/wxa-report.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  packages: 'external',
  sourcemap: 'linked',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});

copyFileSync('bin/wxa-report-launcher.mjs', 'dist/wxa-report.mjs');
// The file npm links as the `wxa-report` bin must stay executable: npm makes it so only when it links
// the package (npm ci, a first npx), and this rebuild (npm start, npm test, npm run build) writes it anew.
chmodSync('dist/wxa-report.mjs', 0o755);
