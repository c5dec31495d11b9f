import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { isWebhookKind, type WebhookKind } from '../../notify/webhook/webhook-platform.js';
import { type AppSecretOptions, type AppSecrets, MissingSecretError, type SecretSource } from '../secret-source.js';
import { parameterNames } from './parameter-writer.js';
import { ssmFailure } from './ssm-parameter-error.js';

/** Parameters are re-read at most every 5 minutes by a warm Lambda. */
const CACHE_SECONDS = 300;

/**
 * Secrets from SSM Parameter Store, decrypted and cached by Powertools Parameters. One
 * GetParametersByPath per app reads its AppID, AppSecret and webhooks together:
 *
 *   <prefix>apps/<name>/appid                       String or SecureString
 *   <prefix>apps/<name>/secret                      SecureString
 *   <prefix>apps/<name>/webhooks/<kind>/url         SecureString
 *   <prefix>apps/<name>/webhooks/<kind>/secret      SecureString (Feishu/Lark, DingTalk, json)
 *   <prefix>smtp/url                                SecureString
 */
export class SsmSecretSource implements SecretSource {
  private readonly provider: SSMProvider;

  constructor(
    client: SSMClient,
    private readonly prefix: string,
  ) {
    this.provider = new SSMProvider({ awsSdkV3Client: client });
  }

  async app(name: string, options: AppSecretOptions = {}): Promise<AppSecrets> {
    const path = parameterNames.app(this.prefix, name);
    const stored = await this.readPath(path);
    // One parameter per value, or all of them in `secrets` (what `apps add` writes); the single ones win.
    const values = { ...unbundle(stored.secrets, `${path}/secrets`), ...stored };
    const required = (key: string) => {
      const value = values[key];
      if (!value) {
        throw new MissingSecretError(
          `SSM parameter ${path}/${key} is missing: run "wxa-report apps add ${name}" (or aws ssm put-parameter) to store it`,
        );
      }
      return value;
    };
    const webhooks = webhooksIn(values);
    const appid = options.appid ?? required('appid');
    const secret = options.needsSecret === false ? values.secret : required('secret');
    return { appid, secret, webhooks };
  }

  /** The digest's webhooks: `<prefix>digest/webhooks/<kind>/url` and `…/secret`. */
  async digestWebhooks(): Promise<AppSecrets['webhooks']> {
    return webhooksIn(await this.under('digest'));
  }

  /**
   * The third-party platform's secrets: `<prefix>component/secret` and `/verify-ticket` (the latest
   * ticket WeChat pushed, written by the platform's server). Read at most every 5 minutes.
   */
  async component(): Promise<{ componentSecret: string; verifyTicket: string }> {
    const required = await this.componentRequired(
      `apps with tokenMode "component" need the platform's secret and latest verify-ticket there`,
    );
    return { componentSecret: required('secret'), verifyTicket: required('verify-ticket') };
  }

  /**
   * What the authorization event URL needs to check and decrypt WeChat's pushes:
   * `<prefix>component/message-token` and `/encoding-aes-key`, as set on the platform's page.
   */
  async componentMessageKeys(): Promise<{ token: string; encodingAesKey: string }> {
    const required = await this.componentRequired(
      "store the message token and EncodingAESKey of the platform's authorization event URL there (SecureString)",
    );
    return { token: required('message-token'), encodingAesKey: required('encoding-aes-key') };
  }

  /** The chat webhooks of apps the platform discovered: `<prefix>component/webhooks/<kind>/url` and `…/secret`. */
  async componentWebhooks(): Promise<AppSecrets['webhooks']> {
    return webhooksIn(await this.under('component'));
  }

  /** Every parameter under `<prefix><folder>`, decrypted; one cached GetParametersByPath serves all its readers. */
  private under(folder: string): Promise<Record<string, string>> {
    return this.readPath(`${this.prefix}${folder}`);
  }

  /** Every parameter under a path, decrypted and cached; a failure names SSM and the path, never a value. */
  private async readPath(path: string): Promise<Record<string, string>> {
    try {
      return ((await this.provider.getMultiple(path, { recursive: true, decrypt: true, maxAge: CACHE_SECONDS })) ??
        {}) as Record<string, string>;
    } catch (error) {
      throw ssmFailure(
        `read the SSM parameters under ${path}`,
        error,
        `ssm:GetParametersByPath on the parameters under ${path} (and kms:Decrypt on the key of its SecureStrings)`,
      );
    }
  }

  /** A reader of `<prefix>component/<key>` that names the missing parameter and what to do. */
  private async componentRequired(whatToDo: string): Promise<(key: string) => string> {
    const values = await this.under('component');
    return (key) => {
      const value = values[key];
      if (!value) throw new MissingSecretError(`SSM parameter ${this.prefix}component/${key} is missing: ${whatToDo}`);
      return value;
    };
  }

  async smtpUrl(): Promise<string> {
    const name = parameterNames.smtpUrl(this.prefix);
    const value = await this.provider.get(name, { decrypt: true, maxAge: CACHE_SECONDS }).catch((error: unknown) => {
      // Powertools wraps ParameterNotFound as "Parameter <name> not found."
      if (/ParameterNotFound|not found/i.test(`${(error as Error).name} ${(error as Error).message}`)) return undefined;
      throw ssmFailure(
        `read the SSM parameter ${name}`,
        error,
        `ssm:GetParameter on ${name} (and kms:Decrypt on the key of the SecureString)`,
      );
    });
    if (!value)
      throw new MissingSecretError(`SSM parameter ${name} is missing: store the SMTP URL there as a SecureString`);
    return value;
  }
}

/** `webhooks/<kind>/url` and `webhooks/<kind>/secret` of one parameter path, by kind. */
function webhooksIn(values: Record<string, string>): Partial<Record<WebhookKind, { url: string; secret?: string }>> {
  const webhooks: Partial<Record<WebhookKind, { url: string; secret?: string }>> = {};
  for (const [key, value] of Object.entries(values)) {
    const match = /^webhooks\/([a-z]+)\/url$/.exec(key);
    if (match?.[1] && isWebhookKind(match[1])) {
      webhooks[match[1]] = { url: value, secret: values[`webhooks/${match[1]}/secret`] };
    }
  }
  return webhooks;
}

/**
 * `<prefix>apps/<name>/secrets`: `{"secret": "…", "webhooks": {"wecom": {"url": "…", "secret"?: "…"}}}`,
 * one SecureString per app, so 5,000 apps stay within the 10,000 standard parameters of a region.
 */
export function unbundle(json: string | undefined, where: string): Record<string, string> {
  if (json === undefined) return {};
  let bundle: unknown;
  try {
    bundle = JSON.parse(json);
  } catch {
    throw new MissingSecretError(`SSM parameter ${where} is not JSON: store it again with "wxa-report apps add"`);
  }
  const flat: Record<string, string> = {};
  const { secret, webhooks } = (bundle ?? {}) as {
    secret?: unknown;
    webhooks?: Record<string, { url?: unknown; secret?: unknown }>;
  };
  if (typeof secret === 'string') flat.secret = secret;
  for (const [kind, webhook] of Object.entries(webhooks ?? {})) {
    if (typeof webhook?.url === 'string') flat[`webhooks/${kind}/url`] = webhook.url;
    if (typeof webhook?.secret === 'string') flat[`webhooks/${kind}/secret`] = webhook.secret;
  }
  return flat;
}
