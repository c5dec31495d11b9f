import { SSMClient } from '@aws-sdk/client-ssm';
import { Command } from 'commander';
import { resolveSmtpServer, smtpUrlWithPassword } from '../../lambda/notify/smtp/smtp-settings.js';
import { WEBHOOK_KINDS } from '../../lambda/notify/webhook/webhook-platform.js';
import { ParameterWriter } from '../../lambda/secrets/ssm/parameter-writer.js';
import { awsClientConfig } from '../aws-clients.js';
import { CliError, type CliIo, EXIT_OK } from '../cli-io.js';
import { checkWebhookUrls, webhookPairs } from '../report-options.js';

interface SetupOptions {
  app?: string;
  digestWebhook: string[];
  digestWebhookSecret: string[];
  appid?: string;
  prefix: string;
  webhook: string[];
  webhookSecret: string[];
  smtpUrl?: string;
  kmsKeyId?: string;
  component?: boolean;
  componentWebhook: string[];
  componentWebhookSecret: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * `wxa-report setup`: puts an app's parameters into SSM Parameter Store under the deployment's
 * prefix, from flags, the environment or prompts, so nobody hand-types parameter names or ARNs.
 */
export function setupCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('setup')
    .description("store a Mini Program's credentials (and webhooks, SMTP) in SSM Parameter Store for the deployment")
    .option(
      '--app <name>',
      "an app's name in the deployment config (apps[].name); without it, only the shared settings",
    )
    .option('--appid <wx…>', 'the AppID (env WECHAT_APPID; asked if missing)')
    .option('--prefix <path>', 'the parameter prefix of the deployment', '/wxa-reporter/')
    .option(
      '--webhook <kind=url>',
      `a webhook of this app; kind: ${WEBHOOK_KINDS.join(', ')} (repeatable)`,
      collect,
      [],
    )
    .option('--webhook-secret <kind=secret>', 'its signing secret (repeatable)', collect, [])
    .option(
      '--smtp-url <url>',
      "store the deployment's SMTP URL (env SMTP_URL); a URL naming only the user takes env SMTP_PASSWORD, percent-encoded for you",
    )
    .option('--digest-webhook <kind=url>', 'a webhook of the agency digest (repeatable)', collect, [])
    .option('--digest-webhook-secret <kind=secret>', 'its signing secret (repeatable)', collect, [])
    .option(
      '--component',
      "store the third-party platform's AppSecret, message token and EncodingAESKey (env WECHAT_COMPONENT_APPSECRET, WECHAT_COMPONENT_MESSAGE_TOKEN, WECHAT_COMPONENT_ENCODING_AES_KEY; asked if missing)",
    )
    .option('--component-webhook <kind=url>', 'a chat of the apps the platform discovers (repeatable)', collect, [])
    .option('--component-webhook-secret <kind=secret>', 'its signing secret (repeatable)', collect, [])
    .option('--kms-key-id <key>', 'KMS key for the SecureStrings (default: aws/ssm)')
    .addHelpText(
      'after',
      '\nThe AppSecret comes from env WECHAT_APPSECRET, or is asked for without echo: never a flag.',
    )
    .action(async (options: SetupOptions) => {
      if (!/^\/([A-Za-z0-9_.-]+\/)*$/.test(options.prefix))
        throw new CliError('--prefix must start and end with "/", e.g. /wxa-reporter/');
      const writer = new ParameterWriter(new SSMClient(awsClientConfig(io)), options.prefix, options.kmsKeyId);
      // Every URL is checked before anything is stored: a bad one fails here, not at the first report.
      const smtpUrl = smtpUrlToStore(options, io);
      const digestUrls = webhookPairs(options.digestWebhook, '--digest-webhook');
      const digestSecrets = webhookPairs(options.digestWebhookSecret, '--digest-webhook-secret');
      const componentUrls = webhookPairs(options.componentWebhook, '--component-webhook');
      const componentSecrets = webhookPairs(options.componentWebhookSecret, '--component-webhook-secret');
      checkWebhookUrls(
        webhookPairs(options.webhook, '--webhook'),
        webhookPairs(options.webhookSecret, '--webhook-secret'),
        '--webhook',
      );
      checkWebhookUrls(digestUrls, digestSecrets, '--digest-webhook');
      checkWebhookUrls(componentUrls, componentSecrets, '--component-webhook');
      const written = options.app ? await storeApp(options.app, options, io, writer) : [];
      if (smtpUrl) written.push(await writer.putSmtpUrl(smtpUrl));
      for (const [kind, url] of digestUrls)
        written.push(...(await writer.putDigestWebhook(kind, url, digestSecrets.get(kind))));
      if (options.component) written.push(...(await storeComponent(io, writer)));
      for (const [kind, url] of componentUrls)
        written.push(...(await writer.putComponentWebhook(kind, url, componentSecrets.get(kind))));
      if (written.length === 0)
        throw new CliError('nothing to store: give --app, --smtp-url, --digest-webhook or --component');
      io.stdout.write(
        `Stored ${written.length} parameter(s)${options.app ? ` for "${options.app}"` : ''}:\n${written.map((n) => `  ${n}`).join('\n')}\n`,
      );
      setExit(EXIT_OK);
    });
}

/**
 * The SMTP URL to store, checked as the function will read it. A URL that names a user but no
 * password takes SMTP_PASSWORD, percent-encoded here, so a password with URL-special characters
 * (SES's + and /) never has to be encoded by hand.
 */
function smtpUrlToStore(options: SetupOptions, io: CliIo): string | undefined {
  const url = options.smtpUrl ?? io.env.SMTP_URL;
  if (!url) return undefined;
  const settings = {
    url,
    password: io.env.SMTP_PASSWORD,
    setting: options.smtpUrl ? '--smtp-url' : 'SMTP_URL',
    passwordAlternative: 'or leave the password out of the URL and give it in SMTP_PASSWORD (setup encodes it)',
    missingPassword: 'give it in SMTP_PASSWORD (setup encodes it into the stored URL)',
  };
  try {
    return smtpUrlWithPassword(url, resolveSmtpServer(settings));
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** An app's AppID, AppSecret and webhooks, one parameter each (the function also reads what `apps add` writes). */
async function storeApp(app: string, options: SetupOptions, io: CliIo, writer: ParameterWriter): Promise<string[]> {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(app)) throw new CliError('--app must be 1-64 letters, digits, ".", "-" or "_"');
  const ask = async (question: string, secret: boolean) => {
    if (!io.prompt)
      throw new CliError(`${question} is needed: pass it as a flag or in the environment (no terminal to ask on)`);
    return (await io.prompt(question, { secret })).trim();
  };
  const appid = options.appid ?? io.env.WECHAT_APPID ?? (await ask('AppID (wx…)', false));
  if (!/^wx[0-9a-f]{16}$/i.test(appid))
    throw new CliError(`"${appid}" does not look like an AppID (wx followed by 16 hex digits)`);
  const secret = io.env.WECHAT_APPSECRET ?? (await ask('AppSecret', true));
  if (!/^[0-9a-f]{32}$/i.test(secret))
    throw new CliError('the AppSecret should be 32 hex digits; copy it again from 开发管理 → 开发设置');
  const urls = webhookPairs(options.webhook, '--webhook');
  const secrets = webhookPairs(options.webhookSecret, '--webhook-secret');
  const webhooks = Object.fromEntries([...urls].map(([kind, url]) => [kind, { url, secret: secrets.get(kind) }]));
  return writer.putApp({ name: app, appid, secret, webhooks });
}

/** The platform's secrets: from the environment, or asked for without echo; the key is checked. */
async function storeComponent(io: CliIo, writer: ParameterWriter): Promise<string[]> {
  const value = async (env: string, question: string) => {
    const given = io.env[env];
    if (given) return given;
    if (!io.prompt) throw new CliError(`${env} is not set and this is not a terminal to ask on`);
    return (await io.prompt(question, { secret: true })).trim();
  };
  const secret = await value('WECHAT_COMPONENT_APPSECRET', "the platform's AppSecret");
  const messageToken = await value('WECHAT_COMPONENT_MESSAGE_TOKEN', '消息校验Token (message token)');
  const encodingAesKey = await value('WECHAT_COMPONENT_ENCODING_AES_KEY', '消息加解密Key (EncodingAESKey)');
  if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey))
    throw new CliError("the EncodingAESKey is 43 letters and digits: copy it again from the platform's page");
  if (!messageToken) throw new CliError('the message token is empty');
  return writer.putComponent({ secret, messageToken, encodingAesKey });
}
