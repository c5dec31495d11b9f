import type { Clock } from '../calendar/beijing-calendar.js';
import type { Logger } from '../shared/logger.js';
import { SecretScrubber } from '../shared/redact.js';
import type { RetryPolicy } from '../shared/retry-policy.js';
import { AccessPoints, parseAccessPoints } from './access-points.js';
import {
  AccessTokenCache,
  type AccessTokenSource,
  externalTokenSource,
  legacyTokenSource,
  stableTokenSource,
  type TokenFunction,
} from './access-token.js';
import type { CallGate } from './call-gate.js';
import { authorizerTokenSource, type ComponentApi } from './component/component-api.js';
import { DatacubeClient, type DatacubeClientOptions } from './datacube-client.js';

/**
 * How access tokens are obtained. `stable` (the default) never invalidates a token another system of
 * the same Mini Program holds; `legacy` does, use it only where stable_token is blocked; `service`
 * asks your own token server (a URL or a function) and never talks to WeChat's token endpoints.
 */
export type TokenMode =
  | 'stable'
  | 'legacy'
  /** `setting`: how messages name where the URL came from (`--token-service`, an app's tokenService). */
  | { readonly service: string | TokenFunction; readonly setting?: string }
  /**
   * Through the project's CloudBase relay (cloud call): no token here; `secret` is the relay's shared
   * secret. `setting`: how messages name where the URL came from.
   */
  | { readonly cloudRelay: string; readonly setting?: string }
  /** A third-party platform calling for a Mini Program that authorized it (authorizer_access_token). */
  | {
      readonly authorizer: {
        readonly api: ComponentApi;
        readonly refreshToken: () => Promise<string>;
        readonly onRotated?: (refreshToken: string) => Promise<void>;
      };
    };

/**
 * How a registered app gets its tokens: its token service, the third-party platform it authorized
 * (each app's refresh token from the platform's authorizer list), or its AppSecret. `platform` is
 * asked for only when an app needs it, so a run without such apps never reads the platform's secrets.
 */
export function tokenModeFor(
  app: {
    readonly tokenService?: string;
    readonly tokenMode?: 'stable' | 'legacy' | 'component' | 'cloud-relay';
    readonly relayUrl?: string;
    readonly name: string;
  },
  appid: string,
  platform: () => ComponentApi | undefined,
): TokenMode {
  if (app.tokenService) return { service: app.tokenService, setting: `the tokenService of app ${app.name}` };
  if (app.tokenMode === 'cloud-relay') {
    if (!app.relayUrl) throw new Error(`${app.name} has tokenMode "cloud-relay" but no relayUrl`);
    return { cloudRelay: app.relayUrl, setting: `the relayUrl of app ${app.name}` };
  }
  if (app.tokenMode !== 'component') return app.tokenMode ?? 'stable';
  const api = platform();
  if (!api)
    throw new Error(
      `${app.name} has tokenMode "component" but no third-party platform is configured (component.appid in the deployment config)`,
    );
  return { authorizer: { api, refreshToken: () => api.refreshTokenOf(appid) } };
}

export interface DatacubeClientConfig {
  readonly appid: string;
  /** Not needed with a token service. */
  readonly secret?: string;
  /** @default 'stable' */
  readonly tokenMode?: TokenMode;
  /**
   * WeChat's access points, tried in order: a comma-separated list or an array of base URLs.
   * @default https://api.weixin.qq.com,https://api2.weixin.qq.com
   */
  readonly apiBase?: string | readonly string[];
  /** WeChat's limits for the run (shared by its clients). @default one for this client */
  readonly gate?: CallGate;
  readonly retry?: RetryPolicy;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Where a warning the operator should see goes (an access point failed). @default logger.warn */
  readonly warn?: (message: string) => void;
}

// One cache per process: a warm Lambda keeps its tokens across invocations.
const processTokenCache = new AccessTokenCache();

export function createDatacubeClient(config: DatacubeClientConfig, tokenCache = processTokenCache): DatacubeClient {
  const accessPoints = AccessPoints.of(parseAccessPoints(config.apiBase, 'apiBase'));
  const warn = config.warn ?? ((message: string) => config.logger?.warn(message));
  const scrubber = new SecretScrubber();
  scrubber.add(config.secret);
  const mode = config.tokenMode ?? 'stable';
  let tokenSource: AccessTokenSource;
  let relay: DatacubeClientOptions['relay'];
  if (typeof mode === 'object' && 'cloudRelay' in mode) {
    if (!config.secret)
      throw new Error(
        `no relay secret for ${config.appid}: the cloud relay needs the secret it shares with the function`,
      );
    relay = { url: mode.cloudRelay, secret: config.secret, setting: mode.setting };
    // The relay's function holds the Mini Program's identity: no token is ever asked for here.
    tokenSource = {
      appid: config.appid,
      kind: 'relay',
      cacheKey: `relay#${config.appid}`,
      issue: () => Promise.reject(new Error('the cloud relay needs no access token')),
    };
  } else if (typeof mode === 'object' && 'authorizer' in mode) {
    const { api, refreshToken, onRotated } = mode.authorizer;
    tokenSource = authorizerTokenSource(api, config.appid, refreshToken, onRotated);
  } else if (typeof mode === 'object') {
    tokenSource = externalTokenSource(config.appid, mode.service, { retry: config.retry, setting: mode.setting });
  } else {
    if (!config.secret) throw new Error(`no AppSecret for ${config.appid}: set one, or use a token service`);
    const credentials = { appid: config.appid, secret: config.secret };
    const options = {
      accessPoints,
      retry: config.retry,
      warn,
      onFallback: () =>
        config.logger?.warn('this API base has no /cgi-bin/stable_token (HTTP 404); using /cgi-bin/token instead', {
          apiBase: accessPoints.key,
        }),
    };
    tokenSource = mode === 'legacy' ? legacyTokenSource(credentials, options) : stableTokenSource(credentials, options);
  }
  return new DatacubeClient({
    tokenSource,
    tokenCache,
    accessPoints,
    gate: config.gate,
    retry: config.retry,
    clock: config.clock,
    logger: config.logger,
    warn,
    scrubber,
    relay,
  });
}
