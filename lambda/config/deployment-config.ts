import * as z from 'zod/mini';
import { WEBHOOK_KINDS } from '../notify/webhook/webhook-platform.js';
import { LOCALES } from '../report/i18n.js';
import { parseAccessPoints } from '../wechat/access-points.js';

/**
 * The deployment's configuration: which Mini Programs, who gets what, when. Validated when the CDK
 * app synthesizes (so a typo fails `cdk synth` naming the field) and again when the Lambda starts.
 * It holds no secret: AppIDs, AppSecrets, SMTP URLs and webhook URLs live in SSM Parameter Store.
 */

function isAccessPointList(value: string): boolean {
  try {
    parseAccessPoints(value, 'apiBase');
    return true;
  } catch {
    return false;
  }
}

/** The APIs a deployment may archive on schedule besides its reports (their `fetch` names). */
export const EXTRA_APIS = [
  'daily-summary',
  'weekly-trend',
  'monthly-trend',
  'daily-retain',
  'weekly-retain',
  'visit-distribution',
  'visit-page',
  'user-portrait',
] as const;

const EVENTBRIDGE_CRON = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/;
const FIELD = [
  /^(\*|\d{1,2}([,-]\d{1,2})*(\/\d{1,2})?)$/, // minutes
  /^(\*|\d{1,2}([,-]\d{1,2})*(\/\d{1,2})?)$/, // hours
  /^(\*|\?|L|W|\d{1,2}W?([,-]\d{1,2})*(\/\d{1,2})?)$/, // day of month
  /^(\*|\d{1,2}([,-]\d{1,2})*(\/\d{1,2})?|[A-Z]{3}([,-][A-Z]{3})*)$/, // month
  /^(\*|\?|L|[1-7](L|#[1-5])?([,-][1-7])*|[A-Z]{3}([,-][A-Z]{3})*)$/, // day of week
  /^(\*|\d{4}([,-]\d{4})*(\/\d{1,3})?)$/, // year
];

/** An EventBridge Scheduler cron expression: `cron(min hour day-of-month month day-of-week year)`. */
export function isEventBridgeCron(expression: string): boolean {
  const m = EVENTBRIDGE_CRON.exec(expression);
  if (!m) return false;
  const fields = m.slice(1);
  if (!fields.every((f, i) => FIELD[i]?.test(f))) return false;
  // Exactly one of day-of-month and day-of-week must be '?'.
  return (fields[2] === '?') !== (fields[4] === '?');
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// zod/mini, not the classic API: the same core and messages, a fraction of the Lambdas' cold start.
const cron = z.string().check(
  z.refine(isEventBridgeCron, {
    error:
      'must be an EventBridge cron expression like "cron(0 10 * * ? *)" (minutes hours day-of-month month day-of-week year, one of the day fields "?")',
  }),
);
const emails = z._default(z.array(z.email({ error: 'is not an email address' })), []);
const webhookKinds = z._default(
  z.array(z.enum(WEBHOOK_KINDS, { error: `must be one of ${WEBHOOK_KINDS.join(', ')}` })),
  [],
);

export const appConfigSchema = z.object({
  /** The app's key under `<prefix>apps/<name>/` in SSM: letters, digits, `.`, `-`, `_`. */
  name: z
    .string()
    .check(
      z.regex(
        /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,64}$/,
        'use 1-64 letters, digits, ".", "-" or "_" (it becomes an SSM path segment)',
      ),
    ),
  /** The Mini Program's AppID. Required in a `run` config and in the registry; in a deployment seed it may stay in SSM. */
  appid: z.optional(z.string().check(z.regex(/^wx[0-9a-f]{16}$/i, 'is not an AppID (wx followed by 16 hex digits)'))),
  /** Shown in reports. @default name */
  displayName: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
  /** Email recipients. @default none */
  recipients: emails,
  /** Chat webhooks; their URLs (and secrets) are in SSM under `<prefix>apps/<name>/webhooks/<kind>/`. @default none */
  webhooks: webhookKinds,
  /** @default the deployment's language */
  language: z.optional(z.enum(LOCALES)),
  /**
   * Your own token service (`GET <url>?appid=…` → `{"access_token"}`), for Mini Programs whose IP whitelist
   * rejects the Lambda's changing addresses (errcode 40164); no AppSecret is then needed in SSM.
   * @default tokens from WeChat's stable_token with the AppSecret
   */
  tokenService: z.optional(
    z.url({ error: 'must be an https:// URL' }).check(
      z.refine((url) => url.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url), {
        error: 'must be an https:// URL (plain http only to this machine)',
      }),
    ),
  ),
  /**
   * How tokens are fetched: with the AppSecret (`stable` never invalidates others' tokens; `legacy`),
   * or `component`: as the third-party platform the Mini Program authorized (no AppSecret). @default stable
   */
  tokenMode: z.optional(
    z.enum(['stable', 'legacy', 'component', 'cloud-relay'], {
      error: 'must be "stable", "legacy", "component" or "cloud-relay"',
    }),
  ),
  /**
   * With `tokenMode: "cloud-relay"`: the HTTP access URL of the project's CloudBase relay function,
   * which calls the datacube by cloud call; the app's `secret` is then the relay's shared secret.
   */
  relayUrl: z.optional(
    z.url({ error: 'must be an https:// URL' }).check(
      z.refine((url) => url.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url), {
        error: 'must be an https:// URL (plain http only to this machine)',
      }),
    ),
  ),
  /** Listed but not run, with why (e.g. a Mini Program that did not grant the data permission). @default none */
  disabled: z.optional(z.string().check(z.minLength(1))),
});

export const emailConfigSchema = z.discriminatedUnion('transport', [
  z.object({
    /** SMTP: the URL (`smtps://user:pass@host:465`) is the SecureString `<prefix>smtp/url`. */
    transport: z.literal('smtp'),
    from: z.string().check(z.minLength(3)),
  }),
  z.object({
    /** Amazon SES through nodemailer; `identity` is the verified domain or address allowed to send. */
    transport: z.literal('ses'),
    from: z.string().check(z.minLength(3)),
    identity: z.string().check(z.minLength(3)),
  }),
]);

export const scheduleConfigSchema = z.object({
  /** @default Asia/Shanghai (WeChat's calendar) */
  timeZone: z._default(
    z.string().check(z.refine(isTimeZone, { error: 'is not an IANA time zone (e.g. Asia/Shanghai)' })),
    'Asia/Shanghai',
  ),
  /** @default cron(0 10 * * ? *): 10:00, when WeChat has usually published yesterday */
  daily: z._default(cron, 'cron(0 10 * * ? *)'),
  /** @default cron(30 10 2 * ? *): the 2nd of the month at 10:30 */
  monthly: z._default(cron, 'cron(30 10 2 * ? *)'),
  /** Re-tries of runs that found no data yet. @default cron(0 11-18 * * ? *): hourly until 18:00 */
  retry: z._default(cron, 'cron(0 11-18 * * ? *)'),
  /** The third-party platform's discovery of its authorizers, before the daily job. @default cron(30 9 * * ? *) */
  discover: z._default(cron, 'cron(30 9 * * ? *)'),
  /** From this hour on, a run that still finds no data sends a "no data" notice instead of waiting. @default 18 */
  cutoffHour: z._default(z.int().check(z.gte(0), z.lte(23)), 18),
});

/** The agency digest: one portfolio report a day over every app, to these people and chats. */
export const digestConfigSchema = z.object({
  /** @default none */
  recipients: emails,
  /** Chat webhooks; URLs in SSM under `<prefix>digest/webhooks/<kind>/` (or WXA_DIGEST_WEBHOOK_<KIND> locally). @default none */
  webhooks: webhookKinds,
  /** @default the deployment's language */
  language: z.optional(z.enum(LOCALES)),
});

const baseConfigSchema = z.object({
  /**
   * Mini Programs. In a deployment they seed the app registry (the registry wins on a name both have);
   * apps are added and removed with `wxa-report apps` without redeploying. @default none
   */
  apps: z._default(z.array(appConfigSchema), []),
  /** @default zh-CN */
  language: z._default(z.enum(LOCALES), 'zh-CN'),
  /** @default /wxa-reporter/ */
  parameterPrefix: z._default(
    z.string().check(z.regex(/^\/([A-Za-z0-9_.-]+\/)*$/, 'must start and end with "/", e.g. /wxa-reporter/')),
    '/wxa-reporter/',
  ),
  /** @default no email (webhooks only) */
  email: z.optional(emailConfigSchema),
  /** Key prefix inside the archive bucket. @default none */
  archivePrefix: z._default(
    z.string().check(z.regex(/^([A-Za-z0-9_.=-]+\/)*$/, 'must be empty or end with "/", e.g. wxa/')),
    '',
  ),
  /**
   * WeChat's access points, tried in order, comma-separated (e.g. a proxy, or sh/sz/hk.api.weixin.qq.com).
   * @default https://api.weixin.qq.com,https://api2.weixin.qq.com
   */
  apiBase: z.optional(
    z.string().check(
      z.refine(isAccessPointList, {
        error:
          'must be one or more http(s) base URLs separated by commas, without a user, password or query, e.g. https://api.weixin.qq.com,https://api2.weixin.qq.com',
      }),
    ),
  ),
  schedule: z._default(scheduleConfigSchema, {
    timeZone: 'Asia/Shanghai',
    daily: 'cron(0 10 * * ? *)',
    monthly: 'cron(30 10 2 * ? *)',
    retry: 'cron(0 11-18 * * ? *)',
    discover: 'cron(30 9 * * ? *)',
    cutoffHour: 18,
  }),
  /** @default no digest */
  digest: z.optional(digestConfigSchema),
  /**
   * The third-party platform (服务商) for apps with `tokenMode: "component"`: its AppID; its secret
   * and latest component_verify_ticket are in SSM (`<prefix>component/secret`, `/verify-ticket`).
   * @default none
   */
  component: z.optional(
    z.object({
      appid: z.string().check(z.regex(/^wx[0-9a-z]{16}$/i, 'is not an AppID (wx followed by 16 letters or digits)')),
      /**
       * Who gets the reports of the Mini Programs the platform discovers on its own (authorization
       * events and the daily discovery); chat webhook URLs in SSM under `<prefix>component/webhooks/<kind>/`.
       * @default none: discovered apps are listed, invalid, until someone gives them an audience
       */
      defaults: z.optional(
        z.object({ recipients: emails, webhooks: webhookKinds, language: z.optional(z.enum(LOCALES)) }),
      ),
      /**
       * For agencies that already run a platform server: its component token service
       * (`GET <url>?appid=<component appid>` → `{"access_token", "expires_in"?}`, as for an app's token service);
       * no component secret or ticket is then read. @default tokens from api_component_token
       */
      tokenService: z.optional(z.url({ error: 'must be a URL' })),
    }),
  ),
  /**
   * The other datacube APIs archived on schedule, by `fetch` name: the daily ones every day, the
   * weekly ones each Monday, the monthly ones with the monthly report. @default all eight
   */
  archive: z._default(
    z.object({
      apis: z.array(z.enum(EXTRA_APIS, { error: `must be one of ${EXTRA_APIS.join(', ')}` })),
    }),
    { apis: [...EXTRA_APIS] },
  ),
});

type BaseConfig = z.infer<typeof baseConfigSchema>;

/** The rules one app must follow within a configuration (shared with the registry's entries). */
export function checkAppChannels(
  app: Pick<AppConfig, 'recipients' | 'webhooks'> & Partial<Pick<AppConfig, 'tokenMode' | 'relayUrl'>>,
  hasEmail: boolean,
  report: (path: (string | number)[], message: string) => void,
): void {
  if (app.tokenMode === 'cloud-relay' && !app.relayUrl)
    report(['relayUrl'], 'is required with tokenMode "cloud-relay" (the relay function\'s HTTP access URL)');
  if (app.recipients.length > 0 && !hasEmail) report(['recipients'], 'recipients need an email transport (set email)');
  if (app.recipients.length === 0 && app.webhooks.length === 0)
    report([], 'has neither recipients nor webhooks: its reports would go nowhere');
}

type Issues = {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string; input?: unknown }): void;
};

function checkConfig(config: BaseConfig, ctx: Issues, requireAppid: boolean): void {
  const seen = new Set<string>();
  config.apps.forEach((app, i) => {
    if (seen.has(app.name))
      ctx.addIssue({ code: 'custom', path: ['apps', i, 'name'], message: `"${app.name}" is listed twice` });
    seen.add(app.name);
    if (requireAppid && !app.appid)
      ctx.addIssue({
        code: 'custom',
        path: ['apps', i, 'appid'],
        message: 'is required (wx followed by 16 hex digits)',
      });
    checkAppChannels(app, config.email !== undefined, (path, message) =>
      ctx.addIssue({ code: 'custom', path: ['apps', i, ...path], message }),
    );
  });
  if (config.digest) {
    checkAppChannels(config.digest, config.email !== undefined, (path, message) =>
      ctx.addIssue({ code: 'custom', path: ['digest', ...path], message }),
    );
  }
  const defaults = config.component?.defaults;
  if (defaults) {
    checkAppChannels(defaults, config.email !== undefined, (path, message) =>
      ctx.addIssue({ code: 'custom', path: ['component', 'defaults', ...path], message }),
    );
  }
}

/** The deployment's configuration (cdk.json): apps are an optional seed of the registry. */
export const deploymentConfigSchema = baseConfigSchema.check(
  z.superRefine((config, ctx) => checkConfig(config, ctx, false)),
);

/** `wxa-report run --config`: the same rules, and every app names its AppID (there is no SSM to hold it). */
export const runConfigSchema = z
  .extend(baseConfigSchema, { apps: z.array(appConfigSchema).check(z.minLength(1, 'list at least one Mini Program')) })
  .check(z.superRefine((config, ctx) => checkConfig(config, ctx, true)));

export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;
export type DeploymentConfigInput = z.input<typeof deploymentConfigSchema>;
export type AppConfig = DeploymentConfig['apps'][number];

export class DeploymentConfigError extends Error {
  override name = 'DeploymentConfigError';
}

/** Each issue as "field.path message", the form every configuration error uses. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`);
}

/** Parses the configuration, or throws one message listing every problem with its field path. */
export function parseDeploymentConfig(
  input: unknown,
  where = 'wxa-reporter config',
  schema: z.ZodMiniType<DeploymentConfig, unknown> = deploymentConfigSchema,
): DeploymentConfig {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new DeploymentConfigError(`${where} is invalid:\n  - ${describeIssues(result.error.issues).join('\n  - ')}`);
}

/** A `wxa-report run` config file's content, every app valid. */
export function parseRunConfig(input: unknown, where: string): DeploymentConfig {
  return parseDeploymentConfig(input, where, runConfigSchema as z.ZodMiniType<DeploymentConfig, unknown>);
}

/**
 * A `wxa-report run` config file where one bad app must not stop the others: the shared settings
 * are checked strictly (throwing, like the deployment config), each app on its own, with the same
 * messages. `apps` holds the raw entries for the registry to validate one by one.
 */
export function parseRunConfigPerApp(
  input: unknown,
  where: string,
): { readonly config: DeploymentConfig; readonly apps: readonly unknown[] } {
  const object = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : undefined;
  const apps = (object as { apps?: unknown } | undefined)?.apps;
  const problems: string[] = [];
  if (!object) problems.push('(root) must be a JSON object');
  else if (!Array.isArray(apps) || apps.length === 0) problems.push('apps list at least one Mini Program');
  if (problems.length) throw new DeploymentConfigError(`${where} is invalid:\n  - ${problems.join('\n  - ')}`);
  const config = parseDeploymentConfig({ ...object, apps: [] }, where);
  return { config, apps: apps as unknown[] };
}

/** Whether an app's tokens need its AppSecret (not with a token service or through a third-party platform). */
export const needsAppSecret = (app: Pick<AppConfig, 'tokenService' | 'tokenMode'>) =>
  !app.tokenService && app.tokenMode !== 'component';
