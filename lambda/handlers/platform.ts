import type { SsmSecretSource } from '../secrets/ssm/ssm-secret-source.js';
import { AccessTokenCache } from '../wechat/access-token.js';
import { ComponentApi } from '../wechat/component/component-api.js';
import { DynamoDbPlatformStore } from '../wechat/component/dynamodb/dynamodb-platform-store.js';
import { documents } from './aws-clients.js';
import { config } from './deployment.js';
import { logger } from './observability.js';

// The third-party platform as the functions see it: one ComponentApi per container whose component
// and authorizer tokens, and rotated refresh tokens, live in the platform table, so every container
// of the deployment shares them (WeChat limits how many tokens a platform is issued a day).

/** WeChat's access points (comma-separated): the config's, else WECHAT_API_BASE, else WeChat's default pair. */
export const apiBase = config.apiBase ?? (process.env.WECHAT_API_BASE?.trim() || undefined);

export interface Platform {
  readonly api: ComponentApi;
  readonly store: DynamoDbPlatformStore;
  /** The component token and every authorizer token, shared through the table. */
  readonly tokens: AccessTokenCache;
  /** A ticket this container just stored, used before SSM's (cached) copy catches up. */
  rememberTicket(ticket: string): void;
}

export function platformOf(secrets: SsmSecretSource): Platform | undefined {
  const component = config.component;
  const table = process.env.WXA_PLATFORM_TABLE;
  if (!component) return undefined;
  if (!table)
    throw new Error(
      'WXA_PLATFORM_TABLE is not set: the function is deployed by the WxaReporter construct, which sets it when component is configured',
    );
  const store = new DynamoDbPlatformStore(documents, table);
  let latestTicket: string | undefined;
  const tokens = new AccessTokenCache(() => new Date(), store.tokens);
  const api = new ComponentApi(
    {
      componentAppid: component.appid,
      componentSecret: async () => (await secrets.component()).componentSecret,
      verifyTicket: async () => latestTicket ?? (await secrets.component()).verifyTicket,
    },
    {
      apiBase,
      warn: (message) => logger.warn(message),
      cache: tokens,
      refreshTokens: store.refreshTokens,
      tokenService: component.tokenService,
    },
  );
  return {
    api,
    store,
    tokens,
    rememberTicket: (ticket) => {
      latestTicket = ticket;
    },
  };
}
