import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import type { DeploymentConfigInput } from '../../lambda/config/deployment-config.js';
import { WxaReporterStack } from '../../lib/wxa-reporter-stack.js';

export type FunctionRole = 'dispatcher' | 'worker' | 'platform' | 'compact';

/** The stack's Lambdas as `cdk synth` bundles them: the staged `index.mjs` of each, and their plain environment. */
export interface BundledStack {
  readonly bundles: Partial<Record<FunctionRole, string>>;
  /** The environment variables the template sets as plain strings (table names and URLs are the test's). */
  readonly env: Record<string, string>;
  /** The synthesized template, to check how the bundles are wired. */
  readonly template: { readonly Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  remove(): Promise<void>;
}

const ROLE_OF: readonly [RegExp, FunctionRole][] = [
  [/^ReporterDispatcher/, 'dispatcher'],
  [/^ReporterFunction/, 'worker'],
  [/^ReporterPlatform/, 'platform'],
  [/^ReporterCompactionFunction/, 'compact'],
];

export async function synthBundles(
  id: string,
  config: DeploymentConfigInput,
  options: { readonly region?: string; readonly name?: string } = {},
): Promise<BundledStack> {
  const outdir = await mkdtemp(join(tmpdir(), 'wxa-bundle-'));
  const app = new App({ outdir });
  const stack = new WxaReporterStack(app, id, {
    env: { account: '123456789012', region: options.region ?? 'us-east-1' },
    name: options.name,
    config,
  });
  const template = app.synth().getStackArtifact(stack.artifactId).template as BundledStack['template'] & {
    Resources: Record<
      string,
      { Type: string; Properties: { Code?: { S3Key?: string }; Environment?: { Variables: Record<string, unknown> } } }
    >;
  };
  const bundles: Partial<Record<FunctionRole, string>> = {};
  let env: Record<string, string> = {};
  for (const [logicalId, fn] of Object.entries(template.Resources)) {
    if (fn.Type !== 'AWS::Lambda::Function') continue;
    const role = ROLE_OF.find(([pattern]) => pattern.test(logicalId))?.[1];
    // The template names the uploaded zip by its hash; the staged folder beside it is what gets zipped.
    if (role) bundles[role] = join(outdir, `asset.${fn.Properties.Code?.S3Key?.replace(/\.zip$/, '')}`, 'index.mjs');
    env = Object.fromEntries(
      Object.entries(fn.Properties.Environment?.Variables ?? {}).filter(([, v]) => typeof v === 'string'),
    ) as Record<string, string>;
  }
  return { bundles, env, template, remove: () => rm(outdir, { recursive: true, force: true }) };
}

/**
 * One invocation of a bundled handler in its own Node process, as a cold Lambda would run it, with
 * the given environment; its result, and what it logged (`logs`: stdout and stderr, both of which
 * Lambda sends to CloudWatch; Powertools writes warnings and errors to stderr).
 */
export async function invokeBundle<T>(
  bundle: string | undefined,
  env: Record<string, string>,
  event: object,
): Promise<{ result: T; stdout: string; logs: string }> {
  if (!bundle) throw new Error('no such function in the synthesized stack');
  const script = `
    const { handler } = await import(${JSON.stringify(`file://${bundle}`)});
    const context = { awsRequestId: 'test', functionName: 'wxa-test', getRemainingTimeInMillis: () => 180000 };
    const result = await handler(JSON.parse(process.env.TEST_EVENT), context);
    process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');`;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...env, TEST_EVENT: JSON.stringify(event) },
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return { result: JSON.parse(line?.slice('RESULT '.length) ?? 'null') as T, stdout, logs: `${stdout}${stderr}` };
}

/** What Lambda's Function URL hands the function for an HTTP request (payload format 2.0). */
export function functionUrlEvent(request: { query: Record<string, string>; body: string; method?: string }): object {
  return {
    version: '2.0',
    rawPath: '/',
    rawQueryString: new URLSearchParams(request.query).toString(),
    queryStringParameters: request.query,
    headers: { 'content-type': 'text/xml' },
    requestContext: { http: { method: request.method ?? 'POST', path: '/' } },
    body: request.body,
    isBase64Encoded: false,
  };
}

/**
 * What an API Gateway HTTP API hands the function for a request to its `POST /` route (payload
 * format 2.0, as a Function URL's, with the API's stage and route; header names lower case).
 */
export function httpApiEvent(request: {
  query: Record<string, string>;
  body: string;
  method?: string;
  base64?: boolean;
}): object {
  const method = request.method ?? 'POST';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${method} /`,
    rawPath: '/',
    rawQueryString: new URLSearchParams(request.query).toString(),
    headers: {
      'content-type': 'text/xml',
      'content-length': String(Buffer.byteLength(request.body)),
      host: 'a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn',
      'user-agent': 'Mozilla/4.0',
      'x-forwarded-for': '101.226.103.0',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
    queryStringParameters: request.query,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: 'a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn',
      domainPrefix: 'a1b2c3d4e5',
      http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '101.226.103.0', userAgent: 'Mozilla/4.0' },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: `${method} /`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: request.base64 ? Buffer.from(request.body).toString('base64') : request.body,
    isBase64Encoded: request.base64 ?? false,
  };
}

/**
 * The environment the construct gives the functions, pointed at the test's resources: moto for
 * AWS, the simulator for WeChat, and a time zone far from Beijing ("yesterday" must still be Beijing's).
 */
export function functionEnvironment(
  stack: BundledStack,
  resources: {
    readonly motoEndpoint: string;
    readonly wechat: string;
    readonly bucket: string;
    readonly tables: { readonly apps: string; readonly ledger: string; readonly platform?: string };
    readonly queues: { readonly work: string; readonly failed: string };
  },
): Record<string, string> {
  return {
    ...stack.env,
    WXA_ARCHIVE_BUCKET: resources.bucket,
    WXA_APPS_TABLE: resources.tables.apps,
    WXA_LEDGER_TABLE: resources.tables.ledger,
    ...(resources.tables.platform ? { WXA_PLATFORM_TABLE: resources.tables.platform } : {}),
    WXA_QUEUE_URL: resources.queues.work,
    WXA_FAILURE_QUEUE_URL: resources.queues.failed,
    AWS_ENDPOINT_URL: resources.motoEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_LAMBDA_FUNCTION_NAME: 'wxa-reporter-test',
    WECHAT_API_BASE: resources.wechat,
    TZ: 'America/Los_Angeles',
  };
}
