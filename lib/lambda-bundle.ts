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

/** A handler of `lambda/handlers/` as Lambda code: `index.mjs` and its chunks. */
export function handlerCode(handlerFile: string): lambda.Code {
  const entry = join(here, '..', 'lambda', 'handlers', handlerFile);
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
          buildSync({ ...lambdaBuildOptions(entry, outputDir), logLevel: 'error' });
          return true;
        },
      },
    },
  });
}
