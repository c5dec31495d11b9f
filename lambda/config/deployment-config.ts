import * as z from 'zod/mini';
import { WEBHOOK_KINDS } from '../notify/webhook/webhook-platform.js';
import { COLOUR_CONVENTIONS } from '../render/colours.js';
import { LOCALES } from '../report/i18n.js';
import { closestName } from '../shared/closest-name.js';
import { checkUrlSetting, fullWidthListProblem } from '../shared/url-setting.js';
import { parseAccessPoints } from '../wechat/access-points.js';

/**
 * The deployment's configuration: which Mini Programs, who gets what, when. Validated when the CDK
 * app synthesizes (so a typo fails `cdk synth` naming the field) and again when the Lambda starts.
 * It holds no secret: AppIDs, AppSecrets, SMTP URLs and webhook URLs live in SSM Parameter Store.
 */

/** Allowed values as every message lists them: `"smtp", "ses"` (quoted, so a value with a space or a dash reads as one). */
export const quoted = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** What is wrong with an access-point list, in parseAccessPoints' words after the field's name. */
function accessPointListProblem(value: string): string | undefined {
  try {
    parseAccessPoints(value, 'apiBase');
    return undefined;
  } catch (error) {
    return (error as Error).message.slice('apiBase'.length).replace(/^:?\s*/, '');
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
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The six fields of EventBridge's cron and what each takes (EventBridge User Guide, "Cron expressions reference"). */
const CRON_FIELDS: readonly { name: string; min: number; max: number; names?: readonly string[] }[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS },
  { name: 'year', min: 1970, max: 2199 },
];

const CRON_SHAPE =
  'an EventBridge cron expression like "cron(0 10 * * ? *)" (minutes hours day-of-month month day-of-week year, one of the day fields "?")';

type CronField = (typeof CRON_FIELDS)[number];

/** The problem with one value of a field (a number or a name), if any. */
function cronValueProblem(value: string, field: CronField): string | undefined {
  const named = field.names?.indexOf(value) ?? -1;
  const n = named >= 0 ? named + field.min : /^\d+$/.test(value) ? Number(value) : undefined;
  const range = `${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : ''}`;
  if (n === undefined) return `${field.name} "${value}", not a value (${range})`;
  if (n < field.min || n > field.max) return `${field.name} ${value}, out of range (${range})`;
  return undefined;
}

/** The day fields' own forms: L, LW and nW (day of month); n#k and nL (day of week). Undefined when not one. */
function cronDayFormProblem(text: string, i: number): string | undefined | false {
  const field = CRON_FIELDS[i] as CronField;
  if (i === 2 && /^(L|LW)$/.test(text)) return undefined;
  if (i === 2 && /^\d+W$/.test(text)) return cronValueProblem(text.slice(0, -1), field);
  if (i === 4 && text === 'L') return undefined;
  if (i === 4 && /^\w+L$/.test(text)) return cronValueProblem(text.slice(0, -1), field);
  if (i === 4 && /^\w+#\d+$/.test(text)) {
    const [day = '', nth = ''] = text.split('#');
    return cronValueProblem(day, field) ?? (/^[1-5]$/.test(nth) ? undefined : `day-of-week "${text}", # takes 1-5`);
  }
  return false;
}

/** The problem with one field of a cron expression, if any: its syntax, then each value's range. */
function cronFieldProblem(text: string, i: number): string | undefined {
  const field = CRON_FIELDS[i] as CronField;
  if (text === '*' || (text === '?' && (i === 2 || i === 4))) return undefined;
  const dayForm = cronDayFormProblem(text, i);
  if (dayForm !== false) return dayForm;
  for (const part of text.split(',')) {
    const [span = '', step, extra] = part.split('/');
    const values = span.split('-');
    if (extra !== undefined || values.length > 2) return `${field.name} "${part}", not a value or a range`;
    // As EventBridge (Quartz) checks it: at most the field's span (59 minutes, 23 hours, 31 days, 12 months, 7 weekdays).
    const largest = field.max - field.min + (field.min === 0 ? 0 : 1);
    if (step !== undefined && (!/^[1-9]\d*$/.test(step) || Number(step) > largest))
      return `${field.name} "${part}", an increment must be from 1 to ${largest}`;
    const problem = span === '*' ? undefined : values.map((v) => cronValueProblem(v, field)).find(Boolean);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * What is wrong with an EventBridge Scheduler cron expression, in words that name the field, or
 * undefined when it is good: `cron(min hour day-of-month month day-of-week year)`, ranges as in
 * EventBridge's reference (`cron(0 25 * * ? *)`: "hours 25 is out of range (0-23)").
 */
export function cronProblem(expression: string): string | undefined {
  const m = EVENTBRIDGE_CRON.exec(expression);
  if (!m) return `must be ${CRON_SHAPE}`;
  const fields = m.slice(1);
  const problem = fields.map((f, i) => cronFieldProblem(f.toUpperCase(), i)).find(Boolean);
  if (problem) return `has ${problem}; it must be ${CRON_SHAPE}`;
  // Exactly one of day-of-month and day-of-week must be '?'.
  if ((fields[2] === '?') === (fields[4] === '?'))
    return `must have "?" in exactly one of day-of-month and day-of-week; it must be ${CRON_SHAPE}`;
  return undefined;
}

/** An EventBridge Scheduler cron expression: `cron(min hour day-of-month month day-of-week year)`. */
export function isEventBridgeCron(expression: string): boolean {
  return cronProblem(expression) === undefined;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * An object whose fields are all known: a field it does not have is named with the closest one it
 * does ("apps.0.webhook is not a field; did you mean webhooks?"), never silently dropped (a dropped
 * `webhook` would mean the chat never hears, and nothing says why). One line per field.
 * `elsewhere`: fields this object lacks but a sibling form has, with when they apply.
 */
export function knownFields<Shape extends z.core.$ZodLooseShape>(
  shape: Shape,
  elsewhere: Readonly<Record<string, string>> = {},
) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys
            .map((key) => {
              const where = [...(issue.path ?? []), key].join('.');
              if (Object.hasOwn(elsewhere, key)) return `${where} is not a field here (${elsewhere[key]})`;
              const meant = closestName(key, known);
              return `${where} is not a field${meant ? `; did you mean ${meant}?` : ''}`;
            })
            .join('\n')
        : undefined,
  });
}

/**
 * A discriminated union of objects whose fields are all known, and named even when the
 * discriminator is the field misspelt (`"email": {"tranport": "smtp"}` → "email.tranport is not a
 * field; did you mean transport?", beside "email.transport must be one of …"): the union alone stops
 * at the discriminator and never looks at the other fields. A field only another form has is said
 * as such ("email.identity is not a field here (only with transport "ses")").
 * @param shapes each form's fields, its `discriminator` a literal
 */
export function knownUnion<const Shapes extends readonly [z.core.$ZodLooseShape, ...z.core.$ZodLooseShape[]]>(
  discriminator: string,
  shapes: Shapes,
) {
  const tag = (shape: z.core.$ZodLooseShape) =>
    JSON.stringify((shape[discriminator] as z.ZodMiniLiteral | undefined)?.def.values[0]);
  const fields = [...new Set(shapes.flatMap((shape) => Object.keys(shape)))];
  const branches = shapes.map((shape) => {
    const elsewhere = fields
      .filter((field) => !(field in shape))
      .map((field) => {
        const forms = shapes.filter((other) => field in other).map(tag);
        return [field, `only with ${discriminator} ${forms.join(' or ')}`];
      });
    return knownFields(shape, Object.fromEntries(elsewhere));
  }) as unknown as { [K in keyof Shapes]: z.ZodMiniObject<Shapes[K], z.core.$strict> };
  const union = z.discriminatedUnion(discriminator, branches);
  // An unrecognised key does not stop a pipe (zod reads it as about the input, not the value), so
  // the union still says what the discriminator must be.
  const anyForm = knownFields(Object.fromEntries(fields.map((field) => [field, z.optional(z.unknown())])));
  // Typed as the union: what a config may hold, for TypeScript users of the construct, is unchanged.
  return z.pipe(anyForm, union) as unknown as typeof union;
}

/**
 * A URL the product fetches (a token service, a relay): the rules of every URL-shaped setting
 * (https, plain http only to this machine, no user or password, nothing pasted wrong), in their words.
 */
const fetchedUrl = z.string().check(
  z.superRefine((value, ctx) => {
    const checked = checkUrlSetting(value, { protocols: ['https:'], loopbackHttp: true });
    if ('problem' in checked) ctx.addIssue({ code: 'custom', message: checked.problem, input: value });
  }),
);

// zod/mini, not the classic API: the same core and messages, a fraction of the Lambdas' cold start.
const cron = z
  .string()
  .check(
    z.refine(isEventBridgeCron, { error: (issue) => cronProblem(String(issue.input)) ?? `must be ${CRON_SHAPE}` }),
  );
const emails = z._default(
  z.array(z.email({ error: (issue) => fullWidthListProblem(String(issue.input ?? '')) ?? 'is not an email address' })),
  [],
);
const colours = z.enum(COLOUR_CONVENTIONS, { error: `must be one of ${quoted(COLOUR_CONVENTIONS)}` });
const webhookKinds = z._default(
  z.array(z.enum(WEBHOOK_KINDS, { error: `must be one of ${quoted(WEBHOOK_KINDS)}` })),
  [],
);

export const appConfigSchema = knownFields({
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
  /** Which colour says up and which down in this app's reports. @default the deployment's colours */
  colours: z.optional(colours),
  /**
   * Your own token service (`GET <url>?appid=…` → `{"access_token"}`), for Mini Programs whose IP whitelist
   * rejects the Lambda's changing addresses (errcode 40164); no AppSecret is then needed in SSM.
   * @default tokens from WeChat's stable_token with the AppSecret
   */
  tokenService: z.optional(fetchedUrl),
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
  relayUrl: z.optional(fetchedUrl),
  /** Listed but not run, with why (e.g. a Mini Program that did not grant the data permission). @default none */
  disabled: z.optional(z.string().check(z.minLength(1))),
});

export const emailConfigSchema = knownUnion('transport', [
  {
    /** SMTP: the URL (`smtps://user:pass@host:465`) is the SecureString `<prefix>smtp/url`. */
    transport: z.literal('smtp'),
    from: z.string().check(z.minLength(3)),
  },
  {
    /** Amazon SES through nodemailer; `identity` is the verified domain or address allowed to send. */
    transport: z.literal('ses'),
    from: z.string().check(z.minLength(3)),
    identity: z.string().check(z.minLength(3)),
  },
]);

export const scheduleConfigSchema = knownFields({
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
export const digestConfigSchema = knownFields({
  /** @default none */
  recipients: emails,
  /** Chat webhooks; URLs in SSM under `<prefix>digest/webhooks/<kind>/` (or WXA_DIGEST_WEBHOOK_<KIND> locally). @default none */
  webhooks: webhookKinds,
  /** @default the deployment's language */
  language: z.optional(z.enum(LOCALES)),
  /** @default the deployment's colours */
  colours: z.optional(colours),
});

const baseConfigSchema = knownFields({
  /**
   * Mini Programs. In a deployment they seed the app registry (the registry wins on a name both have);
   * apps are added and removed with `wxa-report apps` without redeploying. @default none
   */
  apps: z._default(z.array(appConfigSchema), []),
  /** @default zh-CN */
  language: z._default(z.enum(LOCALES), 'zh-CN'),
  /**
   * Which colour says up and which down, on every channel: `blue-orange` (safe for colour-blind
   * readers), `red-up` (the Chinese reading) or `green-up`. Arrows carry the direction in all three.
   * @default blue-orange
   */
  colours: z._default(colours, 'blue-orange'),
  /** @default /wxa-reporter/; in a deployment, /<its name>/ (`WxaReporterProps.name`) */
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
      z.superRefine((value, ctx) => {
        const problem = accessPointListProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
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
    knownFields({
      appid: z.string().check(z.regex(/^wx[0-9a-z]{16}$/i, 'is not an AppID (wx followed by 16 letters or digits)')),
      /**
       * Who gets the reports of the Mini Programs the platform discovers on its own (authorization
       * events and the daily discovery); chat webhook URLs in SSM under `<prefix>component/webhooks/<kind>/`.
       * @default none: discovered apps are listed, invalid, until someone gives them an audience
       */
      defaults: z.optional(
        knownFields({ recipients: emails, webhooks: webhookKinds, language: z.optional(z.enum(LOCALES)) }),
      ),
      /**
       * For agencies that already run a platform server: its component token service
       * (`GET <url>?appid=<component appid>` → `{"access_token", "expires_in"?}`, as for an app's token service);
       * no component secret or ticket is then read. @default tokens from api_component_token
       */
      tokenService: z.optional(fetchedUrl),
    }),
  ),
  /**
   * The other datacube APIs archived on schedule, by `fetch` name: the daily ones every day, the
   * weekly ones each Monday, the monthly ones with the monthly report. @default all eight
   */
  archive: z._default(
    knownFields({
      apis: z._default(z.array(z.enum(EXTRA_APIS, { error: `must be one of ${quoted(EXTRA_APIS)}` })), () => [
        ...EXTRA_APIS,
      ]),
      /**
       * Keep the curated Parquet layer up to date with the raw archive: `run` compacts after each
       * job; a deployment adds the compaction function (x86_64, DuckDB), run when a day's units
       * settle, daily after the cut-off, and on demand. @default false
       */
      compact: z._default(z.boolean(), false),
    }),
    () => ({ apis: [...EXTRA_APIS], compact: false }),
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

/** Each issue as "field.path message", the form every configuration error uses (unknown fields: one each). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.message.includes(' is not a field')
      ? issue.message.split('\n')
      : [`${issue.path.join('.') || '(root)'} ${issueMessage(issue)}`],
  );
}

const A_TYPE: Readonly<Record<string, string>> = { array: 'a list', object: 'an object', int: 'a whole number' };

/** A size bound's words: "must be at most 23", "must list at least 1". */
function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const [word, bound] = issue.code === 'too_small' ? ['least', issue.minimum] : ['most', issue.maximum];
  if (issue.origin === 'array') return `must list at ${word} ${bound}`;
  return `must be at ${word} ${bound}${issue.origin === 'string' ? ' characters long' : ''}`;
}

/** zod's own messages: "Invalid input" from zod/mini (no locale), or the English locale's once classic zod is loaded (the CDK app). */
const ZOD_DEFAULT_MESSAGE = /^(Invalid (input|option|discriminator|URL|email|string|key)|Too (big|small))\b/i;

/**
 * The words for one issue, the same wherever it is parsed: an enum or a discriminated union lists
 * its allowed values, a type and a size say what they take. A message given in the schema is kept.
 */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (!ZOD_DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${quoted(issue.values)}` : `must be one of ${quoted(issue.values)}`;
    case 'invalid_union': {
      const options = (issue as { options?: readonly unknown[] }).options;
      if (options?.length) return `must be one of ${quoted(options)}`;
      const branches = issue.errors.map((branch) => branch.map(issueMessage).join(', ')).filter(Boolean);
      return branches.length ? `must match one of: ${branches.join('; or ')}` : 'is not any of the allowed forms';
    }
    case 'invalid_type':
      if ('input' in issue && issue.input === undefined) return 'is required';
      return `must be ${A_TYPE[issue.expected] ?? `a ${issue.expected}`}`;
    case 'too_small':
    case 'too_big':
      return boundMessage(issue);
    case 'invalid_key':
      // A record's key: its own rule's words ("is not a stack name …").
      return issue.issues.map(issueMessage).join(', ') || issue.message;
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a URL (https://…)' : `is not a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

/** Parses the configuration, or throws one message listing every problem with its field path. */
export function parseDeploymentConfig(
  input: unknown,
  where = 'wxa-reporter config',
  schema: z.ZodMiniType<DeploymentConfig, unknown> = deploymentConfigSchema,
): DeploymentConfig {
  // reportInput tells a missing field ("is required") from a wrong one; the input is never printed.
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new DeploymentConfigError(`${where} is invalid: ${describeIssues(result.error.issues).join('; ')}`);
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
  if (problems.length) throw new DeploymentConfigError(`${where} is invalid: ${problems.join('; ')}`);
  const config = parseDeploymentConfig({ ...object, apps: [] }, where);
  return { config, apps: apps as unknown[] };
}

/** Whether an app's tokens need its AppSecret (not with a token service or through a third-party platform). */
export const needsAppSecret = (app: Pick<AppConfig, 'tokenService' | 'tokenMode'>) =>
  !app.tokenService && app.tokenMode !== 'component';
