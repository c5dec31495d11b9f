import type { Command } from 'commander';
import type { Logger } from '../lambda/shared/logger.js';
import { parseUrlSetting } from '../lambda/shared/url-setting.js';
import { ApiBaseError, DEFAULT_ACCESS_POINTS, parseAccessPoints } from '../lambda/wechat/access-points.js';
import { AccessTokenCache } from '../lambda/wechat/access-token.js';
import { CallGate } from '../lambda/wechat/call-gate.js';
import { ComponentApi } from '../lambda/wechat/component/component-api.js';
import { createDatacubeClient, type TokenMode } from '../lambda/wechat/create-datacube-client.js';
import type { DatacubeClient } from '../lambda/wechat/datacube-client.js';
import { CliError, type CliIo } from './cli-io.js';

export interface WechatOptions {
  apiBase?: string;
  tokenMode?: string;
  tokenService?: string;
  authorizerAppid?: string;
  relayUrl?: string;
}

/** `--api-base`'s help, the same on every command that talks to WeChat. */
export const API_BASE_HELP = `WeChat access points, tried in order, comma-separated (env WECHAT_API_BASE; default ${DEFAULT_ACCESS_POINTS.join(',')})`;

/**
 * The access points of `--api-base`, else WECHAT_API_BASE (blank counts as unset), else `fallback`
 * (a config's apiBase), else WeChat's default pair; one line naming the setting when a list is wrong.
 */
export function apiBasesFrom(flag: string | undefined, io: CliIo, fallback?: string): readonly string[] {
  const [value, setting] =
    flag !== undefined
      ? [flag, '--api-base']
      : io.env.WECHAT_API_BASE?.trim()
        ? [io.env.WECHAT_API_BASE, 'WECHAT_API_BASE']
        : [fallback, 'apiBase in the config'];
  try {
    return parseAccessPoints(value, setting);
  } catch (error) {
    if (error instanceof ApiBaseError) throw new CliError(error.message);
    throw error;
  }
}

/** A warning line on stderr, for what the user should know even without --verbose (an access point failed). */
export const stderrWarning = (io: CliIo) => (message: string) => io.stderr.write(`wxa-report: warning: ${message}\n`);

/** The options every command that talks to WeChat shares. */
export function addWechatOptions(command: Command): Command {
  return command
    .option('--api-base <urls>', API_BASE_HELP)
    .option('--token-mode <mode>', 'stable (default) or legacy: how access tokens are fetched')
    .option('--token-service <url>', 'your own token service, GET <url>?appid=… → {"access_token"}')
    .option(
      '--authorizer-appid <wx…>',
      'call as a third-party platform for this Mini Program (env WECHAT_COMPONENT_APPID, _APPSECRET, _VERIFY_TICKET)',
    )
    .option(
      '--relay-url <url>',
      "call through the project's CloudBase relay (cloud call) at this HTTP access URL (env WECHAT_APPID, WXA_RELAY_SECRET)",
    );
}

/**
 * The third-party platform of WECHAT_COMPONENT_APPID / _APPSECRET / _VERIFY_TICKET, at the access
 * points of `apiBase` (a `--api-base` value, or already resolved).
 */
export function componentFromEnv(io: CliIo, apiBase: string | readonly string[] | undefined): ComponentApi {
  const missing = ['WECHAT_COMPONENT_APPID', 'WECHAT_COMPONENT_APPSECRET', 'WECHAT_COMPONENT_VERIFY_TICKET'].filter(
    (name) => !io.env[name],
  );
  if (missing.length)
    throw new CliError(
      `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set: export the third-party platform's credentials and its latest component_verify_ticket`,
    );
  const ticket = io.env.WECHAT_COMPONENT_VERIFY_TICKET as string;
  return new ComponentApi(
    {
      componentAppid: io.env.WECHAT_COMPONENT_APPID as string,
      componentSecret: async () => io.env.WECHAT_COMPONENT_APPSECRET as string,
      verifyTicket: async () => ticket,
    },
    {
      apiBase: typeof apiBase === 'object' ? apiBase : apiBasesFrom(apiBase, io),
      cache: componentTokenCache,
      clock: io.clock,
      warn: stderrWarning(io),
    },
  );
}

// One per process: the component token is shared by every call of this invocation.
const componentTokenCache = new AccessTokenCache();

/** An authorizer's refresh token: WECHAT_AUTHORIZER_REFRESH_TOKEN (one app), or found in api_get_authorizer_list. */
function authorizerRefreshToken(api: ComponentApi, authorizerAppid: string, io: CliIo): () => Promise<string> {
  return async () => io.env.WECHAT_AUTHORIZER_REFRESH_TOKEN || api.refreshTokenOf(authorizerAppid);
}

/** An https:// URL given as a flag (http:// only to this machine), or one line naming the flag, never the value. */
export function checkHttpsSetting(value: string, flag: string): string {
  try {
    parseUrlSetting(value, flag, { protocols: ['https:'], loopbackHttp: true });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  return value;
}

/** 10:01:01, in Beijing, as WeChat counts its minutes and days. */
const beijingTime = (at: Date) => at.toLocaleTimeString('en-GB', { timeZone: 'Asia/Shanghai', hour12: false });

/**
 * A command's call gate (WeChat's limits for the whole command), saying each pause after errcode
 * 45011 in one line on stderr, however many calls met the limit: "… then the report goes on".
 * `appName` names the app in a run of several.
 */
export function cliCallGate(io: CliIo, work: string, appName?: (appid: string) => string | undefined): CallGate {
  return new CallGate({
    clock: io.clock,
    sleep: io.sleep,
    onPause: ({ appid, api, until }) => {
      const app = appName?.(appid);
      io.stderr.write(
        `wxa-report: WeChat's per-minute limit for ${app ? `${app}'s ` : ''}${api} (errcode 45011): every call${app ? ` of ${app}` : ''} waits until ${beijingTime(until)} (Beijing), then ${work} goes on\n`,
      );
    },
  });
}

/**
 * Credentials come from WECHAT_APPID / WECHAT_APPSECRET so they never sit in shell history. `gate`
 * shares WeChat's limits with the rest of the run (a backfill's pool; by default the command's own,
 * saying its pauses); without a logger, warnings
 * the user should see (an access point failed) still reach stderr.
 */
export function clientFromOptions(
  options: WechatOptions,
  io: CliIo,
  logger?: Logger,
  gate: CallGate = cliCallGate(io, 'the command'),
): DatacubeClient {
  const warn = logger ? undefined : stderrWarning(io);
  if (options.authorizerAppid) {
    if (!/^wx[0-9a-f]{16}$/i.test(options.authorizerAppid))
      throw new CliError(
        `--authorizer-appid "${options.authorizerAppid}" is not an AppID (wx followed by 16 hex digits)`,
      );
    const apiBase = apiBasesFrom(options.apiBase, io);
    const api = componentFromEnv(io, apiBase);
    return createDatacubeClient({
      appid: options.authorizerAppid,
      tokenMode: { authorizer: { api, refreshToken: authorizerRefreshToken(api, options.authorizerAppid, io) } },
      apiBase,
      clock: io.clock,
      logger,
      warn,
      gate,
    });
  }
  const appid = io.env.WECHAT_APPID;
  const secret = io.env.WECHAT_APPSECRET;
  if (!appid) throw new CliError('WECHAT_APPID is not set: export the Mini Program AppID (wx…) first');
  if (options.relayUrl) {
    checkHttpsSetting(options.relayUrl, '--relay-url');
    const relaySecret = io.env.WXA_RELAY_SECRET;
    if (!relaySecret)
      throw new CliError(
        'WXA_RELAY_SECRET is not set: export the secret the relay function shares (its WXA_RELAY_SECRET)',
      );
    return createDatacubeClient({
      appid,
      secret: relaySecret,
      tokenMode: { cloudRelay: options.relayUrl, setting: '--relay-url' },
      clock: io.clock,
      logger,
      gate,
    });
  }
  let tokenMode: TokenMode = 'stable';
  if (options.tokenService)
    tokenMode = { service: checkHttpsSetting(options.tokenService, '--token-service'), setting: '--token-service' };
  else if (options.tokenMode === 'legacy' || options.tokenMode === 'stable') tokenMode = options.tokenMode;
  else if (options.tokenMode)
    throw new CliError(`--token-mode must be "stable" or "legacy", not "${options.tokenMode}"`);
  if (typeof tokenMode === 'string' && !secret) {
    throw new CliError('WECHAT_APPSECRET is not set: export the AppSecret, or use --token-service');
  }
  const apiBase = apiBasesFrom(options.apiBase, io);
  return createDatacubeClient({ appid, secret, tokenMode, apiBase, clock: io.clock, logger, warn, gate });
}
