import { DeleteParametersCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Command } from 'commander';
import { type AppConfig, needsAppSecret } from '../../lambda/config/deployment-config.js';
import { WEBHOOK_KINDS } from '../../lambda/notify/webhook/webhook-platform.js';
import { parseRegistryEntry, type RegistryEntry } from '../../lambda/registry/app-registry.js';
import { DynamoDbAppRegistry } from '../../lambda/registry/dynamodb/dynamodb-app-registry.js';
import { COLOUR_CONVENTIONS } from '../../lambda/render/colours.js';
import { ParameterWriter, parameterNames } from '../../lambda/secrets/ssm/parameter-writer.js';
import { silentLogger } from '../../lambda/shared/logger.js';
import { fullWidthListProblem } from '../../lambda/shared/url-setting.js';
import { awsClientConfig, documentClientFor } from '../aws-clients.js';
import { CliError, type CliIo, EXIT_FAILURE, EXIT_OK } from '../cli-io.js';
import { checkWebhookUrls, webhookPairs } from '../report-options.js';
import { API_BASE_HELP, checkHttpsSetting, componentFromEnv } from '../wechat-options.js';

/** `--recipients` as typed, refused whole when a Chinese input method's comma (，) joins two addresses. */
function recipientList(value: string): string {
  const typed = fullWidthListProblem(value);
  if (typed) throw new CliError(`--recipients ${typed}`);
  return value;
}

interface TableOptions {
  table?: string;
}

interface AddOptions extends TableOptions {
  appid?: string;
  displayName?: string;
  recipients?: string;
  webhook: string[];
  webhookSecret: string[];
  language?: string;
  colours?: string;
  tokenMode?: string;
  tokenService?: string;
  relayUrl?: string;
  prefix: string;
  kmsKeyId?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function registryFrom(options: TableOptions, io: CliIo): DynamoDbAppRegistry {
  const table = options.table ?? io.env.WXA_APPS_TABLE;
  if (!table)
    throw new CliError('which registry? pass --table (the AppsTable output of the stack) or set WXA_APPS_TABLE');
  // Entries are checked as the deployment checks them; whether it has email is its own business.
  return new DynamoDbAppRegistry(documentClientFor(io), table, { hasEmail: true }, io.clock);
}

function checkPrefix(prefix: string): void {
  if (!/^\/([A-Za-z0-9_.-]+\/)*$/.test(prefix))
    throw new CliError('--prefix must start and end with "/", e.g. /wxa-reporter/');
}

function describeEntry(entry: RegistryEntry): string {
  if ('problem' in entry) return `${entry.name}  INVALID: ${entry.problem}`;
  const app = entry.app;
  const to = [...app.recipients, ...app.webhooks.map((w) => `${w} webhook`)].join(', ');
  const how = app.tokenService ? 'token service' : app.tokenMode && app.tokenMode !== 'stable' ? app.tokenMode : '';
  return `${app.name}  ${app.appid ?? '(AppID in SSM)'}  ${app.displayName ?? ''}  → ${to || 'nobody'}${how ? `  (${how})` : ''}${app.disabled ? `  DISABLED: ${app.disabled}` : ''}`;
}

const entryJson = (entry: RegistryEntry) =>
  'problem' in entry ? { name: entry.name, valid: false, problem: entry.problem } : { ...entry.app, valid: true };

async function addApp(name: string, options: AddOptions, io: CliIo): Promise<string[]> {
  checkPrefix(options.prefix);
  const urls = webhookPairs(options.webhook, '--webhook');
  const secrets = webhookPairs(options.webhookSecret, '--webhook-secret');
  checkWebhookUrls(urls, secrets, '--webhook');
  if (options.tokenService) checkHttpsSetting(options.tokenService, '--token-service');
  if (options.relayUrl) checkHttpsSetting(options.relayUrl, '--relay-url');
  const appid = options.appid ?? io.env.WECHAT_APPID;
  const entry = parseRegistryEntry(
    {
      name,
      appid,
      displayName: options.displayName,
      recipients: options.recipients
        ? recipientList(options.recipients)
            .split(',')
            .map((r) => r.trim())
            .filter(Boolean)
        : [],
      webhooks: [...new Set([...urls.keys()])],
      language: options.language,
      colours: options.colours,
      tokenMode: options.tokenMode,
      tokenService: options.tokenService,
      relayUrl: options.relayUrl,
    },
    name,
    { hasEmail: true },
  );
  if ('problem' in entry) throw new CliError(`${name}: ${entry.problem}`);
  const app: AppConfig = entry.app;
  let secret: string | undefined;
  if (app.tokenMode === 'cloud-relay') {
    secret = io.env.WXA_RELAY_SECRET;
    if (!secret || secret.length < 32)
      throw new CliError(
        "the relay's shared secret is needed: set WXA_RELAY_SECRET (at least 32 characters, e.g. openssl rand -hex 32), the same as the function's",
      );
  } else if (needsAppSecret(app)) {
    secret = io.env.WECHAT_APPSECRET;
    if (!secret && io.prompt) secret = (await io.prompt('AppSecret', { secret: true })).trim();
    if (!secret)
      throw new CliError(
        'the AppSecret is needed: set WECHAT_APPSECRET, or run on a terminal to be asked (never a flag)',
      );
    if (!/^[0-9a-f]{32}$/i.test(secret))
      throw new CliError('the AppSecret should be 32 hex digits; copy it again from 开发管理 → 开发设置');
  }
  const writer = new ParameterWriter(new SSMClient(awsClientConfig(io)), options.prefix, options.kmsKeyId);
  const written = [
    await writer.putAppSecrets({
      name,
      secret,
      webhooks: Object.fromEntries([...urls].map(([kind, url]) => [kind, { url, secret: secrets.get(kind) }])),
    }),
  ];
  await registryFrom(options, io).put(app);
  return written;
}

async function removeSecrets(name: string, prefix: string, io: CliIo): Promise<number> {
  const ssm = new SSMClient(awsClientConfig(io));
  const names: string[] = [];
  let next: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({ Path: parameterNames.app(prefix, name), Recursive: true, NextToken: next }),
    );
    names.push(...(page.Parameters ?? []).map((p) => p.Name ?? '').filter(Boolean));
    next = page.NextToken;
  } while (next);
  for (let i = 0; i < names.length; i += 10)
    await ssm.send(new DeleteParametersCommand({ Names: names.slice(i, i + 10) }));
  return names.length;
}

/**
 * `wxa-report apps`: the deployment's app registry (DynamoDB) and each app's secrets (SSM), so an
 * app is added or removed without a redeploy. The next scheduled run picks the change up.
 */
export function appsCommand(io: CliIo, setExit: (code: number) => void): Command {
  const table = (command: Command) =>
    command.option('--table <name>', 'the registry table: the AppsTable output of the stack (env WXA_APPS_TABLE)');
  const apps = new Command('apps').description('add, list, show or remove the Mini Programs of a deployment');

  apps.addCommand(
    table(
      new Command('add')
        .description("add or update an app: its registry entry and its secrets in SSM (what 'setup' did)")
        .argument('<name>', 'the app key: letters, digits, ".", "-", "_"')
        .option('--appid <wx…>', 'the AppID (env WECHAT_APPID)')
        .option('--display-name <name>', 'shown in reports')
        .option('--recipients <a,b>', 'email recipients, comma-separated')
        .option('--webhook <kind=url>', `a chat webhook; kind: ${WEBHOOK_KINDS.join(', ')} (repeatable)`, collect, [])
        .option('--webhook-secret <kind=secret>', 'its signing secret (repeatable)', collect, [])
        .option('--language <zh-CN|en>', "the reports' language (default: the deployment's)")
        .option(
          '--colours <convention>',
          `which colour says up and which down: ${COLOUR_CONVENTIONS.join(', ')} (default: the deployment's)`,
        )
        .option(
          '--token-mode <mode>',
          'stable (default) or legacy: tokens with the AppSecret; component: through your third-party platform; cloud-relay: through the CloudBase relay',
        )
        .option('--token-service <url>', 'your token service instead of an AppSecret (IP whitelist)')
        .option(
          '--relay-url <url>',
          "with --token-mode cloud-relay: the relay function's HTTP access URL (secret: WXA_RELAY_SECRET)",
        )
        .option('--prefix <path>', 'the parameter prefix of the deployment', '/wxa-reporter/')
        .option('--kms-key-id <key>', 'KMS key for the SecureStrings (default: aws/ssm)')
        .addHelpText(
          'after',
          '\nThe AppSecret comes from env WECHAT_APPSECRET, or is asked for without echo: never a flag.',
        ),
    ).action(async (name: string, options: AddOptions) => {
      const written = await addApp(name, options, io);
      io.stdout.write(
        `Registered "${name}"; stored ${written.length} parameter(s):\n${written.map((n) => `  ${n}`).join('\n')}\n`,
      );
      setExit(EXIT_OK);
    }),
  );

  apps.addCommand(
    table(
      new Command('list').description('every app in the registry, paged through').option('--json', 'a JSON array'),
    ).action(async (options: TableOptions & { json?: boolean }) => {
      const entries: RegistryEntry[] = [];
      for await (const entry of registryFrom(options, io).list()) entries.push(entry);
      entries.sort((a, b) => a.name.localeCompare(b.name));
      io.stdout.write(
        options.json
          ? `${JSON.stringify(entries.map(entryJson))}\n`
          : `${entries.map(describeEntry).join('\n')}${entries.length ? '\n' : ''}${entries.length} app(s)\n`,
      );
      setExit(entries.some((e) => 'problem' in e) ? EXIT_FAILURE : EXIT_OK);
    }),
  );

  apps.addCommand(
    table(new Command('show').description('one app').argument('<name>').option('--json', 'as JSON')).action(
      async (name: string, options: TableOptions & { json?: boolean }) => {
        const entry = await registryFrom(options, io).get(name);
        if (!entry) throw new CliError(`no app "${name}" in the registry (see "wxa-report apps list")`);
        io.stdout.write(options.json ? `${JSON.stringify(entryJson(entry))}\n` : `${describeEntry(entry)}\n`);
        setExit('problem' in entry ? EXIT_FAILURE : EXIT_OK);
      },
    ),
  );

  apps.addCommand(
    table(
      new Command('remove')
        .description('remove an app from the registry, and its secrets from SSM')
        .argument('<name>')
        .option('--prefix <path>', 'the parameter prefix of the deployment', '/wxa-reporter/')
        .option('--keep-secrets', 'leave its SSM parameters in place'),
    ).action(async (name: string, options: TableOptions & { prefix: string; keepSecrets?: boolean }) => {
      checkPrefix(options.prefix);
      const removed = await registryFrom(options, io).remove(name);
      const deleted = options.keepSecrets ? 0 : await removeSecrets(name, options.prefix, io);
      if (!removed && deleted === 0)
        throw new CliError(`no app "${name}" in the registry (see "wxa-report apps list")`);
      io.stdout.write(
        `Removed "${name}"${removed ? '' : ' (it was not in the registry)'}; deleted ${deleted} parameter(s)\n`,
      );
      setExit(EXIT_OK);
    }),
  );
  apps.addCommand(
    table(
      new Command('discover')
        .description(
          'add the Mini Programs that authorized your third-party platform; disable those without the data permission',
        )
        .option('--recipients <a,b>', 'who gets the reports of newly found apps (default: nobody until you set it)')
        .option('--language <zh-CN|en>', "their reports' language")
        .option('--api-base <urls>', API_BASE_HELP)
        .addHelpText(
          'after',
          '\nCredentials from WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_APPSECRET and WECHAT_COMPONENT_VERIFY_TICKET.',
        ),
    ).action(async (options: TableOptions & { recipients?: string; language?: string; apiBase?: string }) => {
      const { discoverAuthorizers } = await import('../../lambda/pipeline/discover-authorizers.js');
      const recipients = recipientList(options.recipients ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean);
      if (options.language && options.language !== 'zh-CN' && options.language !== 'en')
        throw new CliError(`--language must be zh-CN or en, not "${options.language}"`);
      const result = await discoverAuthorizers({
        directory: componentFromEnv(io, options.apiBase),
        registry: registryFrom(options, io),
        defaults: { recipients, webhooks: [], language: options.language as 'zh-CN' | 'en' | undefined },
        logger: silentLogger,
      });
      io.stdout.write(
        `${[
          ...result.added.map((name) => `added     ${name}`),
          ...result.enabled.map((name) => `enabled   ${name}`),
          ...result.disabled.map(({ name, reason }) => `disabled  ${name}: ${reason}`),
          `${result.added.length} added, ${result.enabled.length} enabled, ${result.disabled.length} disabled, ${result.unchanged} unchanged`,
        ].join('\n')}\n`,
      );
      setExit(EXIT_OK);
    }),
  );
  return apps;
}
