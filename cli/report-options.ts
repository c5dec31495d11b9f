import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import type { Archive } from '../lambda/archive/archive.js';
import { LocalArchive } from '../lambda/archive/local/local-archive.js';
import { parseS3Url, S3Archive } from '../lambda/archive/s3/s3-archive.js';
import { quoted } from '../lambda/config/deployment-config.js';
import { EmailChannel } from '../lambda/notify/email-channel.js';
import { OutboxEmailSender } from '../lambda/notify/outbox/outbox-email-sender.js';
import type { ReportChannel } from '../lambda/notify/report-channel.js';
import { SmtpEmailSender } from '../lambda/notify/smtp/smtp-email-sender.js';
import { validateWebhook, WebhookChannel } from '../lambda/notify/webhook/webhook-channel.js';
import { isWebhookKind, WEBHOOK_KINDS, type WebhookKind } from '../lambda/notify/webhook/webhook-platform.js';
import {
  COLOUR_CONVENTIONS,
  type ColourConvention,
  DEFAULT_COLOURS,
  isColourConvention,
} from '../lambda/render/colours.js';
import { isLocale, type Locale } from '../lambda/report/i18n.js';
import { AWS_HTTP_OPTIONS } from '../lambda/shared/aws-http.js';
import { fullWidthListProblem } from '../lambda/shared/url-setting.js';
import { awsClientConfig } from './aws-clients.js';
import { CliError, type CliIo } from './cli-io.js';
import { envScrubber, stderrLogger } from './stderr-logger.js';
import { addWechatOptions, type WechatOptions } from './wechat-options.js';

export interface ReportOptions extends WechatOptions {
  appName?: string;
  archive?: string;
  outbox?: string;
  smtpUrl?: string;
  smtpHost?: string;
  smtpPort?: string;
  smtpUser?: string;
  smtpRequireTls?: boolean;
  smtpTls?: string;
  to?: string;
  from?: string;
  lang?: string;
  colours?: string;
  json?: boolean;
  webhook?: string[];
  webhookSecret?: string[];
  verbose?: boolean;
  state?: string;
  force?: boolean;
}

export const DEFAULT_ARCHIVE = join('wxa-data', 'archive');
export const DEFAULT_OUTBOX = join('wxa-data', 'outbox');

/** Options shared by `daily` and `monthly`. */
export function addReportOptions(command: Command): Command {
  return addWechatOptions(command)
    .option('--app-name <name>', 'name shown in the report (default: the AppID)')
    .option('--archive <dir|s3://bucket/prefix>', `where raw responses are kept (default: ./${DEFAULT_ARCHIVE})`)
    .option(
      '--outbox <dir>',
      `write emails here as .eml/.html instead of sending (default when no SMTP: ./${DEFAULT_OUTBOX})`,
    )
    .option(
      '--smtp-url <url>',
      'smtp://user:pass@host:587 (STARTTLS) or smtps://…:465 (TLS; port 465 is TLS whatever the scheme); user and password percent-encoded, or the password in env SMTP_PASSWORD (env SMTP_URL)',
    )
    .option('--smtp-host <host>', 'SMTP host, if not using --smtp-url (password from env SMTP_PASSWORD)')
    .option('--smtp-port <port>', 'SMTP port (default 587; 465, 994 and 2465 are TLS from the first byte)')
    .option(
      '--smtp-tls <mode>',
      'implicit (TLS from the first byte) or starttls (plain, upgraded when offered); default: by the port (465, 994, 2465 implicit) or the URL scheme',
    )
    .option('--smtp-user <user>', 'SMTP user')
    .option('--smtp-require-tls', 'refuse to send unless STARTTLS succeeds')
    .option('--to <a,b>', 'recipients, comma-separated (env WXA_TO)')
    .option('--from <address>', 'sender (env WXA_FROM; default: the SMTP user, else wxa-reporter@localhost)')
    .option(
      '--webhook <kind=url>',
      `also post to a chat webhook; kind: ${WEBHOOK_KINDS.join(', ')} (repeatable)`,
      collect,
      [],
    )
    .option(
      '--webhook-secret <kind=secret>',
      'signing secret of that webhook (Feishu/Lark, DingTalk, json)',
      collect,
      [],
    )
    .option('--lang <zh-CN|en>', 'report language', 'zh-CN')
    .option(
      '--colours <convention>',
      `which colour says up and which down: ${COLOUR_CONVENTIONS.join(', ')} (default ${DEFAULT_COLOURS})`,
    )
    .option('--json', 'print the report figures as one JSON object instead of a summary')
    .option('--verbose', 'also log each step on stderr, as JSON fields (warnings are always shown)')
    .option(
      '--state <dir>',
      'the ledger that sends each report once per channel (default: state/ beside a local archive, else ./wxa-data/state)',
    )
    .option('--force', 'send the report again on channels that already have it');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `KIND=VALUE` flags into a map, refusing unknown kinds and repeats. */
export function webhookPairs(values: readonly string[], flag: string): Map<WebhookKind, string> {
  const pairs = new Map<WebhookKind, string>();
  for (const value of values) {
    const at = value.indexOf('=');
    const kind = at > 0 ? value.slice(0, at) : '';
    if (!isWebhookKind(kind)) throw new CliError(`${flag} takes KIND=VALUE with KIND one of ${quoted(WEBHOOK_KINDS)}`);
    if (pairs.has(kind)) throw new CliError(`${flag} ${kind} is given twice`);
    pairs.set(kind, value.slice(at + 1));
  }
  return pairs;
}

/** Webhook URLs about to be stored (setup, apps add): checked now, not when the first report fails. */
export function checkWebhookUrls(
  urls: ReadonlyMap<WebhookKind, string>,
  secrets: ReadonlyMap<WebhookKind, string>,
  flag: string,
): void {
  for (const [kind, url] of urls) {
    try {
      validateWebhook(kind, url, secrets.get(kind), `${flag} ${kind}=…`);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }
}

/**
 * Webhooks from flags and from WXA_WEBHOOK_<KIND> / WXA_WEBHOOK_<KIND>_SECRET (so URLs, which carry
 * keys, need not sit in shell history).
 */
export function webhookChannelsFrom(
  options: ReportOptions,
  io: CliIo,
  locale: Locale,
  style: { readonly colours: ColourConvention; readonly emailAlso: boolean } = {
    colours: coloursFrom(options),
    emailAlso: false,
  },
): ReportChannel[] {
  const urls = webhookPairs(options.webhook ?? [], '--webhook');
  const secrets = webhookPairs(options.webhookSecret ?? [], '--webhook-secret');
  const settings = new Map([...urls.keys()].map((kind) => [kind, `--webhook ${kind}=…`]));
  for (const kind of WEBHOOK_KINDS) {
    const url = io.env[`WXA_WEBHOOK_${kind.toUpperCase()}`];
    const secret = io.env[`WXA_WEBHOOK_${kind.toUpperCase()}_SECRET`];
    if (url && !urls.has(kind)) {
      urls.set(kind, url);
      settings.set(kind, `WXA_WEBHOOK_${kind.toUpperCase()}`);
    }
    if (secret && !secrets.has(kind)) secrets.set(kind, secret);
  }
  for (const kind of secrets.keys()) {
    if (!urls.has(kind)) throw new CliError(`--webhook-secret ${kind} is given without --webhook ${kind}=URL`);
  }
  return [...urls].map(([kind, url]) => {
    try {
      return new WebhookChannel({
        kind,
        url,
        secret: secrets.get(kind),
        locale,
        ...style,
        clock: io.clock,
        setting: settings.get(kind),
      });
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  });
}

/** Every channel of a run: email (SMTP, or the outbox) unless only webhooks were asked for, plus webhooks. */
export function channelsFrom(options: ReportOptions, io: CliIo, locale: Locale): ReportChannel[] {
  const colours = coloursFrom(options);
  const emailAsked = Boolean(options.smtpUrl || io.env.SMTP_URL || options.smtpHost || options.outbox || options.to);
  const hasWebhooks =
    (options.webhook ?? []).length > 0 || WEBHOOK_KINDS.some((kind) => io.env[`WXA_WEBHOOK_${kind.toUpperCase()}`]);
  const emailAlso = !hasWebhooks || emailAsked;
  const webhooks = webhookChannelsFrom(options, io, locale, { colours, emailAlso });
  return emailAlso ? [emailChannelFrom(options, io, locale, colours), ...webhooks] : webhooks;
}

export function localeFrom(options: ReportOptions): Locale {
  const lang = options.lang ?? 'zh-CN';
  if (!isLocale(lang)) throw new CliError(`--lang must be zh-CN or en, not "${lang}"`);
  return lang;
}

export function coloursFrom(options: { colours?: string }): ColourConvention {
  const colours = options.colours ?? DEFAULT_COLOURS;
  if (!isColourConvention(colours))
    throw new CliError(`--colours must be one of ${quoted(COLOUR_CONVENTIONS)}, not "${colours}"`);
  return colours;
}

/** S3 for an `s3://` archive (region, endpoint and credentials from the usual AWS environment). */
export function s3ClientFrom(io: CliIo): S3Client {
  const customEndpoint = io.env.AWS_ENDPOINT_URL_S3 ?? io.env.AWS_ENDPOINT_URL;
  return new S3Client({
    // Any region of the bucket's partition reaches it: S3 redirects to the bucket's own.
    ...awsClientConfig(io, 'us-east-1'),
    followRegionRedirects: true,
    // S3-compatible endpoints (moto, MinIO) rarely resolve bucket sub-domains.
    forcePathStyle: customEndpoint !== undefined,
    requestHandler: AWS_HTTP_OPTIONS,
  });
}

export function archiveFrom(options: ReportOptions, io: CliIo): Archive {
  const location = options.archive ?? join(io.cwd, DEFAULT_ARCHIVE);
  if (!location.startsWith('s3://')) return new LocalArchive(location);
  const { bucket, prefix } = parseS3Url(location);
  const s3 = s3ClientFrom(io);
  return new S3Archive(s3, bucket, prefix, stderrLogger(io.stderr, envScrubber(io.env)));
}

const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+$/;

function recipients(value: string | undefined): string[] {
  const typed = fullWidthListProblem(value ?? '');
  if (typed) throw new CliError(`--to ${typed}`);
  const list = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const address of list)
    if (!EMAIL.test(address)) throw new CliError(`--to: "${address}" is not an email address`);
  return list;
}

/** `--smtp-tls`: TLS from the first byte (true), STARTTLS (false), or by the port and scheme (undefined). */
function smtpTlsFrom(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'implicit' || value === 'starttls') return value === 'implicit';
  throw new CliError(`--smtp-tls must be "implicit" (TLS from the first byte) or "starttls", not "${value}"`);
}

function smtpSenderFrom(options: ReportOptions, io: CliIo, smtpUrl: string | undefined): SmtpEmailSender {
  try {
    return new SmtpEmailSender({
      url: smtpUrl,
      setting: options.smtpUrl ? '--smtp-url' : 'SMTP_URL',
      passwordAlternative:
        'or leave the password out of the URL and give it in SMTP_PASSWORD, or give --smtp-host, --smtp-port and --smtp-user with SMTP_PASSWORD',
      host: options.smtpHost,
      port: options.smtpPort ? Number(options.smtpPort) : undefined,
      user: options.smtpUser,
      password: io.env.SMTP_PASSWORD,
      requireTls: options.smtpRequireTls,
      secure: smtpTlsFrom(options.smtpTls),
      tlsFlag: '--smtp-tls',
    });
  } catch (error) {
    // Our messages never repeat the URL; the mask is for anything else that might.
    throw new CliError((error as Error).message.replace(/\/\/[^@/]*@/, '//***@'));
  }
}

function defaultFrom(options: ReportOptions, io: CliIo, smtpUser: string | undefined): string {
  const from =
    options.from ?? io.env.WXA_FROM ?? (smtpUser && EMAIL.test(smtpUser) ? smtpUser : 'wxa-reporter@localhost');
  return from.includes('<') ? from : `wxa-reporter <${from}>`;
}

/** The email channel: SMTP when configured, else the local outbox. */
export function emailChannelFrom(
  options: ReportOptions,
  io: CliIo,
  locale: Locale,
  colours: ColourConvention = coloursFrom(options),
): ReportChannel {
  const smtpUrl = options.smtpUrl ?? io.env.SMTP_URL;
  const to = recipients(options.to ?? io.env.WXA_TO);
  const useSmtp = Boolean(smtpUrl || options.smtpHost);
  if (useSmtp && options.outbox) throw new CliError('give either SMTP settings or --outbox, not both');
  if (useSmtp && to.length === 0) throw new CliError('--to is required when sending by SMTP');
  const smtp = useSmtp ? smtpSenderFrom(options, io, smtpUrl) : undefined;
  const sender = smtp ?? new OutboxEmailSender(options.outbox ?? join(io.cwd, DEFAULT_OUTBOX));
  const from = defaultFrom(options, io, smtp?.user);
  return new EmailChannel({ sender, from, to: to.length ? to : ['you@localhost'], locale, colours });
}
