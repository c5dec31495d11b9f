import type { Command } from 'commander';
import type { Logger } from '../lambda/shared/logger.js';
import { parseUrlSetting } from '../lambda/shared/url-setting.js';
import { AccessTokenCache } from '../lambda/wechat/access-token.js';
import { ComponentApi } from '../lambda/wechat/component/component-api.js';
import { createDatacubeClient, type TokenMode } from '../lambda/wechat/create-datacube-client.js';
import { type DatacubeClient, DEFAULT_API_BASE } from '../lambda/wechat/datacube-client.js';
import { CliError, type CliIo } from './cli-io.js';

export interface WechatOptions {
  apiBase?: string;
  tokenMode?: string;
  tokenService?: string;
  authorizerAppid?: string;
  relayUrl?: string;
}

/** The options every command that talks to WeChat shares. */
export function addWechatOptions(command: Command): Command {
  return command
    .option('--api-base <url>', 'WeChat API base URL (env WECHAT_API_BASE)')
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

/** The third-party platform of WECHAT_COMPONENT_APPID / _APPSECRET / _VERIFY_TICKET. */
export function componentFromEnv(io: CliIo, apiBase: string | undefined): ComponentApi {
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
    { apiBase: (apiBase ?? DEFAULT_API_BASE).replace(/\/+$/, ''), cache: componentTokenCache, clock: io.clock },
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

/** Credentials come from WECHAT_APPID / WECHAT_APPSECRET so they never sit in shell history. */
export function clientFromOptions(options: WechatOptions, io: CliIo, logger?: Logger): DatacubeClient {
  if (options.authorizerAppid) {
    if (!/^wx[0-9a-f]{16}$/i.test(options.authorizerAppid))
      throw new CliError(
        `--authorizer-appid "${options.authorizerAppid}" is not an AppID (wx followed by 16 hex digits)`,
      );
    const apiBase = options.apiBase ?? io.env.WECHAT_API_BASE;
    const api = componentFromEnv(io, apiBase);
    return createDatacubeClient({
      appid: options.authorizerAppid,
      tokenMode: { authorizer: { api, refreshToken: authorizerRefreshToken(api, options.authorizerAppid, io) } },
      apiBase,
      clock: io.clock,
      logger,
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
      tokenMode: { cloudRelay: options.relayUrl },
      clock: io.clock,
      logger,
    });
  }
  let tokenMode: TokenMode = 'stable';
  if (options.tokenService) tokenMode = { service: checkHttpsSetting(options.tokenService, '--token-service') };
  else if (options.tokenMode === 'legacy' || options.tokenMode === 'stable') tokenMode = options.tokenMode;
  else if (options.tokenMode)
    throw new CliError(`--token-mode must be "stable" or "legacy", not "${options.tokenMode}"`);
  if (typeof tokenMode === 'string' && !secret) {
    throw new CliError('WECHAT_APPSECRET is not set: export the AppSecret, or use --token-service');
  }
  const apiBase = options.apiBase ?? io.env.WECHAT_API_BASE;
  if (apiBase && !/^https?:\/\/[^/]+/.test(apiBase))
    throw new CliError(`--api-base "${apiBase}" is not an http(s) URL`);
  return createDatacubeClient({ appid, secret, tokenMode, apiBase, clock: io.clock, logger });
}
