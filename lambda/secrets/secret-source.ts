import type { WebhookKind } from '../notify/webhook/webhook-platform.js';

/** The secrets of one Mini Program: WeChat credentials and its webhooks. */
export interface AppSecrets {
  readonly appid: string;
  readonly secret: string;
  readonly webhooks: Readonly<Partial<Record<WebhookKind, { readonly url: string; readonly secret?: string }>>>;
}

/** The secrets port: SSM Parameter Store in the deployment. */
export interface SecretSource {
  app(name: string): Promise<AppSecrets>;
  smtpUrl(): Promise<string>;
}

export class MissingSecretError extends Error {
  override name = 'MissingSecretError';
}
