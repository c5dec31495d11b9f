import { chmodSync, rmSync } from 'node:fs';

// Bundles the CLI into dist/wxa-report.mjs so `npx wxa-report` works right after `npm ci`
// (this runs as the `prepare` script). Dependencies stay external: they are in node_modules.
import { build } from 'esbuild';

// Stale chunks of an earlier build would pile up otherwise.
rmSync('dist', { recursive: true, force: true });

// Split per command: `wxa-report --help` loads the entry and commander only, and each command
// loads its own chunk when it runs.
await build({
  entryPoints: { 'wxa-report': 'bin/wxa-report.ts' },
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

// The file npm links as the `wxa-report` bin must stay executable: npm makes it so only when it links
// the package (npm ci, a first npx), and this rebuild (npm start, npm test, npm run build) writes it anew.
chmodSync('dist/wxa-report.mjs', 0o755);
