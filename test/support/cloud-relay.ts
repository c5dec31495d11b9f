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
