// Bundles the CLI into dist/wxa-report.mjs so `npx wxa-report` works right after `npm ci`
// (this runs as the `prepare` script). Dependencies stay external: they are in node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['bin/wxa-report.ts'],
  outfile: 'dist/wxa-report.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
