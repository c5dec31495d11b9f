import type { WebhookKind } from '../notify/webhook/webhook-platform.js';

/** The secrets of one Mini Program: WeChat credentials and its webhooks. */
export interface AppSecrets {
  readonly appid: string;
  /** Absent only for apps whose tokens come from a token service. */
  readonly secret?: string;
  readonly webhooks: Readonly<Partial<Record<WebhookKind, { readonly url: string; readonly secret?: string }>>>;
}

/** The secrets port: SSM Parameter Store in the deployment. */
export interface SecretSource {
  /**
   * `needsSecret: false` for apps that get tokens from a token service; `appid` when the registry
   * already knows it (then it need not be stored with the secrets).
   */
  app(name: string, options?: AppSecretOptions): Promise<AppSecrets>;
  smtpUrl(): Promise<string>;
}

export interface AppSecretOptions {
  readonly needsSecret?: boolean;
  readonly appid?: string;
}

export class MissingSecretError extends Error {
  override name = 'MissingSecretError';
}
