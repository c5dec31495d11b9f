import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BuildOptions, buildSync } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * How the Lambdas are bundled: ESM, minified, source maps, the AWS SDK included (the versions we
 * test are the versions that run), and split into chunks so that what a handler imports only when
 * used (renderers, nodemailer, the SES client) is not even parsed at a cold start. NodejsFunction
 * cannot split; the same esbuild runs here, locally, never in Docker. `npm run bench` uses these too.
 */
export function lambdaBuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    minify: true,
    sourcemap: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    // CommonJS dependencies (nodemailer) call require() on Node built-ins.
    banner: {
      js: "import { createRequire as wxaCreateRequire } from 'node:module'; const require = wxaCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  };
}

/**
 * The packages of DuckDB's Node binding for Lambda on x86_64 (glibc), copied beside the bundle:
 * esbuild cannot bundle a native `.node` file, and npm installs a platform's binding only on that
 * platform.
 */
export const DUCKDB_PACKAGES = [
  '@duckdb/node-api',
  '@duckdb/node-bindings',
  '@duckdb/node-bindings-linux-x64',
  'detect-libc',
] as const;

const nodeModules = join(here, '..', 'node_modules');

/** Copies packages into `outputDir/node_modules`, hard-linked where the file system allows. */
function copyPackages(packages: readonly string[], outputDir: string): void {
  for (const name of packages) {
    const from = join(nodeModules, name);
    if (!existsSync(join(from, 'package.json'))) {
      throw new Error(
        `${name} is not installed: the compaction function runs on Lambda's x86_64 Linux and carries DuckDB's binding for it, which npm installs only on that platform. Install it here with "npm install --no-save --force ${name}@${DUCKDB_VERSION}", then synth again`,
      );
    }
    cpSync(from, join(outputDir, 'node_modules', name), {
      recursive: true,
      // Types and docs are not needed at run time.
      filter: (source) => !/\.(d\.ts|md)$/.test(source),
    });
  }
}

const DUCKDB_VERSION = (
  JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
).dependencies['@duckdb/node-api'];

/**
 * A handler of `lambda/handlers/` as Lambda code: `index.mjs` and its chunks, and `packages` (native
 * ones esbuild leaves out) under `node_modules/`.
 */
export function handlerCode(handlerFile: string, options: { readonly packages?: readonly string[] } = {}): lambda.Code {
  const entry = join(here, '..', 'lambda', 'handlers', handlerFile);
  const packages = options.packages ?? [];
  return lambda.Code.fromAsset(join(here, '..', 'lambda', 'handlers'), {
    // The asset is what esbuild wrote: its hash changes exactly when the bundle does.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling always succeeds where `cdk synth` runs (esbuild is a devDependency).
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
      // Part of CDK's asset cache key: without it, every handler of the folder would share one bundle.
      environment: { WXA_HANDLER: handlerFile },
      local: {
        tryBundle(outputDir: string): boolean {
          buildSync({
            ...lambdaBuildOptions(entry, outputDir),
            ...(packages.length ? { external: [...packages] } : {}),
            logLevel: 'error',
          });
          copyPackages(packages, outputDir);
          return true;
        },
      },
    },
  });
}
