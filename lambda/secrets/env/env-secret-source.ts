import { WEBHOOK_KINDS, type WebhookKind } from '../../notify/webhook/webhook-platform.js';
import { type AppSecretOptions, type AppSecrets, MissingSecretError, type SecretSource } from '../secret-source.js';

type Env = Readonly<Record<string, string | undefined>>;
type Webhooks = Partial<Record<WebhookKind, { url: string; secret?: string }>>;

/** `shop-cn.v2` → `SHOP_CN_V2`: the app's part of its environment variable names. */
export const envName = (app: string) => app.toUpperCase().replace(/[-.]/g, '_');

/** The environment variables of one app's secrets, in one place (read here, documented in the README). */
export const envNames = {
  secret: (app: string) => `WXA_APP_${envName(app)}_SECRET`,
  webhookUrl: (app: string, kind: WebhookKind) => `WXA_APP_${envName(app)}_WEBHOOK_${kind.toUpperCase()}`,
  webhookSecret: (app: string, kind: WebhookKind) => `WXA_APP_${envName(app)}_WEBHOOK_${kind.toUpperCase()}_SECRET`,
  digestWebhookUrl: (kind: WebhookKind) => `WXA_DIGEST_WEBHOOK_${kind.toUpperCase()}`,
  digestWebhookSecret: (kind: WebhookKind) => `WXA_DIGEST_WEBHOOK_${kind.toUpperCase()}_SECRET`,
};

function webhooksFrom(env: Env, url: (kind: WebhookKind) => string, secret: (kind: WebhookKind) => string): Webhooks {
  const found: Webhooks = {};
  for (const kind of WEBHOOK_KINDS) {
    const value = env[url(kind)];
    if (value) found[kind] = { url: value, secret: env[secret(kind)] || undefined };
  }
  return found;
}

/** Secrets from the environment, for `wxa-report run` (never from the config file). */
export class EnvSecretSource implements SecretSource {
  constructor(private readonly env: Env) {}

  async app(name: string, options: AppSecretOptions = {}): Promise<AppSecrets> {
    if (!options.appid) throw new MissingSecretError(`${name}: the config gives no appid`);
    const secret = this.env[envNames.secret(name)] || undefined;
    if (options.needsSecret !== false && !secret)
      throw new MissingSecretError(`${name}: ${envNames.secret(name)} is not set: export the app's AppSecret there`);
    return {
      appid: options.appid,
      secret,
      webhooks: webhooksFrom(
        this.env,
        (kind) => envNames.webhookUrl(name, kind),
        (kind) => envNames.webhookSecret(name, kind),
      ),
    };
  }

  async smtpUrl(): Promise<string> {
    const url = this.env.SMTP_URL;
    if (!url) throw new MissingSecretError('SMTP_URL is not set');
    return url;
  }

  digestWebhooks(): Webhooks {
    return webhooksFrom(this.env, envNames.digestWebhookUrl, envNames.digestWebhookSecret);
  }
}
