import type { Command } from 'commander';
import type { Logger } from '../lambda/shared/logger.js';
import { createDatacubeClient, type TokenMode } from '../lambda/wechat/create-datacube-client.js';
import type { DatacubeClient } from '../lambda/wechat/datacube-client.js';
import { CliError, type CliIo } from './cli-io.js';

export interface WechatOptions {
  apiBase?: string;
  tokenMode?: string;
  tokenService?: string;
}

/** The options every command that talks to WeChat shares. */
export function addWechatOptions(command: Command): Command {
  return command
    .option('--api-base <url>', 'WeChat API base URL (env WECHAT_API_BASE)')
    .option('--token-mode <mode>', 'stable (default) or legacy: how access tokens are fetched')
    .option('--token-service <url>', 'your own token service, GET <url>?appid=… → {"access_token"}');
}

/** Credentials come from WECHAT_APPID / WECHAT_APPSECRET so they never sit in shell history. */
export function clientFromOptions(options: WechatOptions, io: CliIo, logger?: Logger): DatacubeClient {
  const appid = io.env.WECHAT_APPID;
  const secret = io.env.WECHAT_APPSECRET;
  if (!appid) throw new CliError('WECHAT_APPID is not set: export the Mini Program AppID (wx…) first');
  let tokenMode: TokenMode = 'stable';
  if (options.tokenService) tokenMode = { service: options.tokenService };
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
