import type { App, Environment } from 'aws-cdk-lib';
import * as z from 'zod';
import {
  DeploymentConfigError,
  type DeploymentConfigInput,
  describeIssues,
  knownFields,
} from '../lambda/config/deployment-config.js';
import { closestName } from '../lambda/shared/closest-name.js';
import { fullWidthListProblem } from '../lambda/shared/url-setting.js';
import { DEFAULT_NAME, deploymentNameOf } from './physical-names.js';
import { WxaReporterStack, type WxaReporterStackProps } from './wxa-reporter-stack.js';

/**
 * The CDK app's settings, read from its context (`cdk.json`, or `-c key=value`; a value given on
 * the command line may be JSON text):
 * - `wxaReporter`: the deployment's configuration (apps, email, schedules…);
 * - `name`, `alarmEmail`, `archiveEncryption` ("KMS"), `fixedEgressIp` (true), `platformEndpoint`,
 *   `availabilityZones` (JSON `["cn-north-1a","cn-north-1b"]` or `cn-north-1a,cn-north-1b`);
 * - `stackName`: the one stack's name (default `WxaReporter`); whatever it is, the deployment keeps
 *   the names every deployment had before deployments had names (`wxa-reporter`), unless `name` is set;
 * - `stacks`: several deployments in one account, one stack each, by name: `{"WxaReporter": {},
 *   "WxaReporterClientB": {"config": {"digest": {…}}, "fixedEgressIp": true}}`. Each entry's `config`
 *   is laid over `wxaReporter` field by field; its other settings override the app-wide ones. Each
 *   stack is named after its id (`wxa-reporter-client-b`) unless its entry has a `name`; the stack
 *   `stackName` names keeps `wxa-reporter`.
 * A setting that would do nothing is refused, not ignored: an app-wide `name` with several stacks,
 * `availabilityZones` where no stack has `fixedEgressIp`, `platformEndpoint` where no stack has a
 * third-party platform, a misspelt setting.
 */
export interface AppStack {
  readonly id: string;
  readonly props: Omit<WxaReporterStackProps, 'env'>;
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const NOT_A_STACK_NAME = 'is not a stack name (letters, digits and "-", from a letter)';

/** `""` (cdk.json's placeholder) is no value. */
const blankIsNone = (value: unknown) => (value === '' ? undefined : value);
/** `-c availabilityZones=cn-north-1a,cn-north-1b` arrives as text. */
const commaList = (value: unknown) =>
  typeof value === 'string' && value.trim()
    ? value
        .split(',')
        .map((zone) => zone.trim())
        .filter(Boolean)
    : blankIsNone(value);

const settingsShape = {
  config: z
    .record(z.string(), z.unknown(), { error: 'must be an object (the wxaReporter fields to change)' })
    .optional(),
  name: z.string().optional(),
  alarmEmail: z.preprocess(blankIsNone, z.email({ error: 'is not an email address' }).optional()),
  archiveEncryption: z.preprocess(blankIsNone, z.enum(['KMS', 'S3_MANAGED']).optional()),
  fixedEgressIp: z.preprocess(
    blankIsNone,
    z.union([z.boolean(), z.enum(['true', 'false'])], { error: 'must be true or false' }).optional(),
  ),
  platformEndpoint: z.preprocess(blankIsNone, z.enum(['FUNCTION_URL', 'HTTP_API']).optional()),
  availabilityZones: z.preprocess(
    commaList,
    z
      .array(
        z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, {
          error: (issue) =>
            fullWidthListProblem(String(issue.input ?? '')) ?? 'is not an Availability Zone name (like "cn-north-1a")',
        }),
      )
      .length(2, 'must name two Availability Zones ("cn-north-1a,cn-north-1b")')
      .optional(),
  ),
};
type Settings = { -readonly [K in keyof typeof settingsShape]?: z.infer<(typeof settingsShape)[K]> };

const stacksSchema = z.record(z.string().regex(STACK_NAME, NOT_A_STACK_NAME), knownFields(settingsShape));
const APP_WIDE = ['name', 'alarmEmail', 'archiveEncryption', 'fixedEgressIp', 'platformEndpoint', 'availabilityZones'];
/** Every setting of this app, for naming a misspelt one. */
const SETTINGS = ['wxaReporter', 'stacks', 'stackName', ...APP_WIDE];

/** A context value as given: an object from cdk.json, or JSON text from `-c`. */
function parsed(key: string, value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[{[]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new DeploymentConfigError(
      `the ${key} context (-c ${key}='{…}') is not valid JSON: ${(error as Error).message}`,
    );
  }
}

const invalid = (problems: string[]) =>
  new DeploymentConfigError(`the app's context (cdk.json or -c) is invalid: ${problems.join('; ')}`);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The issues of a value found under `key`, their paths (and unknown-field lines) starting there. */
function prefixed(key: string, issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.map((issue) => ({
    ...issue,
    path: [key, ...issue.path],
    message: issue.message.replace(/^(?=\S+ is not a field)/gm, `${key}.`),
  }));
}

/** A context key that looks like a misspelt setting of this app (CDK's own keys have "@" or ":"). */
function misspeltSettings(keys: readonly string[]): string[] {
  return keys
    .filter((key) => !/[@:]/.test(key) && !SETTINGS.includes(key))
    .flatMap((key) => {
      const meant = closestName(key, SETTINGS);
      return meant ? [`${key} is not a setting of this app; did you mean ${meant}?`] : [];
    });
}

/** How each stack came by its name, for saying which setting separates two that meet. */
type NameSource = 'its "name" in stacks' | 'the app-wide name' | 'its id' | 'stackName';

type Named = { id: string; name: string; source: NameSource };

/**
 * What separates two stacks of one name: never renaming the stack that keeps the names it had,
 * nor one whose name derives from its id (it may be deployed under it) when the other's was given.
 */
function separation(a: Named, b: Named): string {
  const given = [a, b].filter((s) => s.source === 'its "name" in stacks');
  if (given.length === 2) return `give ${a.id} or ${b.id} another "name" in stacks`;
  if (given.length === 1) return `give ${given[0]?.id} another "name" in stacks`;
  if (a.source === 'its id' && b.source === 'its id')
    return 'rename one of the stacks, or give one a "name" of its own in stacks';
  const [kept, other] = a.source === 'its id' ? [b, a] : [a, b];
  return `give ${other.id} a "name" of its own in stacks (${kept.id} keeps the names it had, through stackName)`;
}

/** Two stacks of the app whose deployment names are the same: refused, saying what separates them. */
function refuseSameNames(named: Named[]): void {
  for (const [i, a] of named.entries()) {
    const b = named.slice(i + 1).find((other) => other.name === a.name);
    if (!b) continue;
    throw new DeploymentConfigError(
      `the stacks ${a.id} and ${b.id} would both be named ${a.name} (${a.id} from ${a.source}, ${b.id} from ${b.source}), and share the SSM folder /${a.name}/ and the Glue database ${a.name.replaceAll('-', '_')}: ${separation(a, b)}`,
    );
  }
}

/**
 * A stack's deployment name, and how it came by it: given (its entry's or the app-wide `name`),
 * derived from its id (a stack of `stacks`), or none, so the construct's default `wxa-reporter`
 * (the one stack, or the one `stackName` names among `stacks`: what it was called before).
 */
function nameOf(
  id: string,
  given: string | undefined,
  givenInEntry: boolean,
  derived: boolean,
): { name: string | undefined; source: NameSource } {
  if (given !== undefined) return { name: given, source: givenInEntry ? 'its "name" in stacks' : 'the app-wide name' };
  if (derived) return { name: deploymentNameOf(id), source: 'its id' };
  return { name: undefined, source: 'stackName' };
}

/** Every problem of the context's values, each in one line naming the setting and what it takes. */
function contextProblems(given: {
  shared: unknown;
  stackName: unknown;
  rawStacks: unknown;
  keys: readonly string[];
  checked: { error?: { issues: z.core.$ZodIssue[] } };
  appWide: { error?: { issues: z.core.$ZodIssue[] } };
}): string[] {
  const { shared, stackName, rawStacks, keys, checked, appWide } = given;
  return [
    ...(isObject(shared) ? [] : ["wxaReporter must be an object (cdk.json, or -c wxaReporter='{…}')"]),
    ...misspeltSettings(keys),
    ...(stackName !== undefined && !(typeof stackName === 'string' && STACK_NAME.test(stackName))
      ? [`stackName ${NOT_A_STACK_NAME}`]
      : []),
    ...(rawStacks === undefined || !checked.error
      ? []
      : isObject(rawStacks)
        ? describeIssues(prefixed('stacks', checked.error.issues))
        : ['stacks must be an object of stack name → settings ({"WxaReporter": {}})']),
    ...(appWide.error ? describeIssues(appWide.error.issues) : []),
  ];
}

/**
 * The stacks the CDK app synthesizes, from its context (`get` is `app.node.tryGetContext`; `keys`
 * every key of the context, to name a misspelt one).
 */
export function stacksFromContext(get: (key: string) => unknown, keys: readonly string[] = []): AppStack[] {
  const shared = (parsed('wxaReporter', get('wxaReporter')) ?? {}) as DeploymentConfigInput;
  const stackName = get('stackName');
  const rawStacks = parsed('stacks', get('stacks'));
  const checked = stacksSchema.safeParse(rawStacks ?? {});
  const appWide = knownFields(settingsShape).safeParse(
    Object.fromEntries(
      APP_WIDE.map((key) => [key, parsed(key, get(key))]).filter(([, value]) => value !== undefined && value !== ''),
    ),
  );
  const problems = contextProblems({ shared, stackName, rawStacks, keys, checked, appWide });
  if (problems.length > 0 || !checked.success || !appWide.success) throw invalid(problems);
  const previous = stackName as string | undefined;
  const several = rawStacks !== undefined;
  const entries: [string, Settings][] = several ? Object.entries(checked.data) : [[previous ?? 'WxaReporter', {}]];
  const common: Settings = appWide.data;
  if (several && previous !== undefined && !entries.some(([id]) => id === previous))
    throw new DeploymentConfigError(
      `stackName ${previous} is the stack deployed before under that name, and stacks has no ${previous}: add "${previous}": {} to stacks (it keeps the names it had), or remove stackName`,
    );
  if (common.name !== undefined && entries.length > 1)
    throw new DeploymentConfigError(
      `name "${common.name}" (app-wide) would give all ${entries.length} stacks the same name: set "name" in each stack's entry of stacks instead`,
    );

  const stacks = entries.map(([id, own]) => {
    const config = { ...shared, ...(own.config ?? {}) } as DeploymentConfigInput;
    const egress = String(own.fixedEgressIp ?? common.fixedEgressIp) === 'true';
    const settings: Settings = {
      ...common,
      // App-wide settings reach only the stacks where they do something.
      availabilityZones: egress ? common.availabilityZones : undefined,
      platformEndpoint: config.component ? common.platformEndpoint : undefined,
      ...own,
    };
    const { name, source } = nameOf(id, own.name ?? common.name, own.name !== undefined, several && id !== previous);
    return {
      stack: {
        id,
        props: {
          config,
          name,
          alarmEmail: settings.alarmEmail,
          encryption: settings.archiveEncryption === 'KMS' ? 'KMS' : 'S3_MANAGED',
          fixedEgressIp: egress,
          platformEndpoint: settings.platformEndpoint,
          availabilityZones: settings.availabilityZones,
        } satisfies AppStack['props'],
      },
      named: { id, name: name ?? DEFAULT_NAME, source },
    };
  });
  if (common.availabilityZones && !stacks.some((s) => s.stack.props.fixedEgressIp))
    throw new DeploymentConfigError(
      'availabilityZones places the fixed-egress VPC, and no stack has fixedEgressIp: set fixedEgressIp (-c fixedEgressIp=true), or remove availabilityZones',
    );
  if (common.platformEndpoint && !stacks.some((s) => s.stack.props.config.component))
    throw new DeploymentConfigError(
      `platformEndpoint "${common.platformEndpoint}" is how WeChat reaches a third-party platform, and no stack's config has a component: add the platform's component, or remove platformEndpoint`,
    );
  refuseSameNames(stacks.map((s) => s.named));
  return stacks.map((s) => s.stack);
}

/**
 * The app's stacks, as `bin/app.ts` (and the tests that synthesize the app) make them. With several,
 * a stack's refusal names the stack: "the stack ClientB: availabilityZones …".
 */
export function addStacksFromContext(app: App, env: Environment): WxaReporterStack[] {
  const stacks = stacksFromContext((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
  return stacks.map(({ id, props }) => {
    try {
      return new WxaReporterStack(app, id, {
        description: 'wxa-reporter: WeChat Mini Program reports and raw-data archive',
        ...props,
        env,
      });
    } catch (error) {
      if (stacks.length > 1 && error instanceof DeploymentConfigError)
        throw new DeploymentConfigError(`the stack ${id}: ${error.message}`, { cause: error });
      throw error;
    }
  });
}
