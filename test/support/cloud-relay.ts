import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface RunningRelay {
  readonly url: string;
  close(): Promise<void>;
}

const root = join(import.meta.dirname, '..', '..');

/**
 * The project's relay function (`cloudbase/wxa-relay/index.js`, unchanged) in its own Node process
 * behind a stand-in of CloudBase's HTTP access, with a stand-in wx-server-sdk whose cloud calls go
 * to the WeChat simulator for one Mini Program.
 */
export async function startRelay(options: {
  readonly secret: string;
  readonly wechat: string;
  readonly appid: string;
  readonly appsecret: string;
  /** The APIs config.json grants. @default all */
  readonly permissions?: readonly string[];
  /** How the stand-in cloud call behaves (see standin_modules/wx-server-sdk): which of its CloudBase codes come. */
  readonly cloud?: {
    /** APIs the cloud-call service knows (-604100 for the others). @default all */
    readonly knownApis?: readonly string[];
    /** WeChat's answer is awaited this long (-604102 after). @default 5000 */
    readonly timeoutMs?: number;
    /** `devtools`: run as local debugging, where cloud calls fail with -604104. */
    readonly source?: 'cloudbase' | 'devtools';
    /** Calls the environment's quota allows (-501003 after). @default no limit */
    readonly quota?: number;
  };
}): Promise<RunningRelay> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(root, 'test/support/cloudbase-http-access.cjs'), join(root, 'cloudbase/wxa-relay/index.js')],
    {
      env: {
        PATH: process.env.PATH,
        NODE_PATH: join(root, 'test/support/standin_modules'),
        WXA_RELAY_SECRET: options.secret,
        STANDIN_WECHAT_API: options.wechat,
        STANDIN_APPID: options.appid,
        STANDIN_APPSECRET: options.appsecret,
        ...(options.permissions ? { STANDIN_PERMISSIONS: options.permissions.join(',') } : {}),
        ...(options.cloud?.knownApis ? { STANDIN_KNOWN_APIS: options.cloud.knownApis.join(',') } : {}),
        ...(options.cloud?.timeoutMs ? { STANDIN_OPENAPI_TIMEOUT_MS: String(options.cloud.timeoutMs) } : {}),
        ...(options.cloud?.source ? { STANDIN_SOURCE: options.cloud.source } : {}),
        ...(options.cloud?.quota !== undefined ? { STANDIN_ENV_QUOTA: String(options.cloud.quota) } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the relay exited (${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /LISTENING (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/wxa-relay`,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
