import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { WebhookKind } from '../../notify/webhook/webhook-platform.js';
import { ssmFailure } from './ssm-parameter-error.js';

export interface AppParameters {
  readonly name: string;
  readonly appid: string;
  /** Absent for an app whose tokens come from a token service. */
  readonly secret?: string;
  readonly webhooks?: Readonly<Partial<Record<WebhookKind, { url: string; secret?: string }>>>;
}

/** The parameter names of an app, in one place (the reader, SsmSecretSource, expects exactly these). */
export const parameterNames = {
  app: (prefix: string, app: string) => `${prefix}apps/${app}`,
  appid: (prefix: string, app: string) => `${prefix}apps/${app}/appid`,
  secret: (prefix: string, app: string) => `${prefix}apps/${app}/secret`,
  /** Every secret of an app in one SecureString (JSON), as `wxa-report apps add` stores them. */
  bundle: (prefix: string, app: string) => `${prefix}apps/${app}/secrets`,
  webhookUrl: (prefix: string, app: string, kind: WebhookKind) => `${prefix}apps/${app}/webhooks/${kind}/url`,
  webhookSecret: (prefix: string, app: string, kind: WebhookKind) => `${prefix}apps/${app}/webhooks/${kind}/secret`,
  smtpUrl: (prefix: string) => `${prefix}smtp/url`,
  digestWebhookUrl: (prefix: string, kind: WebhookKind) => `${prefix}digest/webhooks/${kind}/url`,
  digestWebhookSecret: (prefix: string, kind: WebhookKind) => `${prefix}digest/webhooks/${kind}/secret`,
  /** The third-party platform's: its AppSecret, message token, EncodingAESKey and latest verify ticket. */
  component: (prefix: string, key: 'secret' | 'message-token' | 'encoding-aes-key' | 'verify-ticket') =>
    `${prefix}component/${key}`,
};

/** Writes an app's parameters: the AppID as a String, everything secret as a SecureString. */
export class ParameterWriter {
  constructor(
    private readonly ssm: SSMClient,
    private readonly prefix: string,
    private readonly kmsKeyId?: string,
  ) {}

  async putApp(app: AppParameters): Promise<string[]> {
    const written = [await this.put(parameterNames.appid(this.prefix, app.name), app.appid, false)];
    if (app.secret) written.push(await this.put(parameterNames.secret(this.prefix, app.name), app.secret, true));
    for (const [kind, webhook] of Object.entries(app.webhooks ?? {}) as [
      WebhookKind,
      { url: string; secret?: string },
    ][]) {
      written.push(await this.put(parameterNames.webhookUrl(this.prefix, app.name, kind), webhook.url, true));
      if (webhook.secret)
        written.push(await this.put(parameterNames.webhookSecret(this.prefix, app.name, kind), webhook.secret, true));
    }
    return written;
  }

  /**
   * An app's AppSecret and webhooks as one SecureString: one parameter per app, so a region's 10,000
   * standard parameters hold 5,000 apps and more. The AppID is in the registry.
   */
  putAppSecrets(app: Omit<AppParameters, 'appid'>): Promise<string> {
    return this.put(
      parameterNames.bundle(this.prefix, app.name),
      JSON.stringify({ secret: app.secret, webhooks: app.webhooks ?? {} }),
      true,
    );
  }

  /** A webhook of the agency digest: its URL and signing secret, as SecureStrings. */
  async putDigestWebhook(kind: WebhookKind, url: string, secret?: string): Promise<string[]> {
    const written = [await this.put(parameterNames.digestWebhookUrl(this.prefix, kind), url, true)];
    if (secret) written.push(await this.put(parameterNames.digestWebhookSecret(this.prefix, kind), secret, true));
    return written;
  }

  /** The third-party platform's AppSecret, and the message token and EncodingAESKey of its event URL. */
  async putComponent(component: {
    secret?: string;
    messageToken?: string;
    encodingAesKey?: string;
  }): Promise<string[]> {
    const written: string[] = [];
    if (component.secret)
      written.push(await this.put(parameterNames.component(this.prefix, 'secret'), component.secret, true));
    if (component.messageToken)
      written.push(
        await this.put(parameterNames.component(this.prefix, 'message-token'), component.messageToken, true),
      );
    if (component.encodingAesKey)
      written.push(
        await this.put(parameterNames.component(this.prefix, 'encoding-aes-key'), component.encodingAesKey, true),
      );
    return written;
  }

  /** A chat of the apps the platform discovers: its URL and signing secret, as SecureStrings. */
  async putComponentWebhook(kind: WebhookKind, url: string, secret?: string): Promise<string[]> {
    const written = [await this.put(`${this.prefix}component/webhooks/${kind}/url`, url, true)];
    if (secret) written.push(await this.put(`${this.prefix}component/webhooks/${kind}/secret`, secret, true));
    return written;
  }

  /** The latest component_verify_ticket WeChat pushed (every 10 minutes; each is valid for 12 hours). */
  putVerifyTicket(ticket: string): Promise<string> {
    return this.put(parameterNames.component(this.prefix, 'verify-ticket'), ticket, true);
  }

  putSmtpUrl(url: string): Promise<string> {
    return this.put(parameterNames.smtpUrl(this.prefix), url, true);
  }

  private async put(name: string, value: string, secure: boolean): Promise<string> {
    try {
      await this.ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Type: secure ? 'SecureString' : 'String',
          KeyId: secure ? this.kmsKeyId : undefined,
          Overwrite: true,
          Description: 'wxa-reporter',
        }),
      );
    } catch (error) {
      throw ssmFailure(
        `write the SSM parameter ${name}`,
        error,
        `ssm:PutParameter on ${name}${secure ? ` (and kms:Encrypt on ${this.kmsKeyId ?? 'the alias/aws/ssm key'})` : ''}`,
        [value],
      );
    }
    return name;
  }
}
