import * as z from 'zod';
import {
  DeploymentConfigError,
  type DeploymentConfigInput,
  describeIssues,
  knownFields,
} from '../lambda/config/deployment-config.js';
import type { WxaReporterStackProps } from './wxa-reporter-stack.js';

/**
 * The CDK app's settings, read from its context (`cdk.json`, or `-c key=value`; a value given on
 * the command line may be JSON text):
 * - `wxaReporter`: the deployment's configuration (apps, email, schedules…);
 * - `alarmEmail`, `archiveEncryption` ("KMS"), `fixedEgressIp` (true), `platformEndpoint`,
 *   `availabilityZones` (two, JSON or comma-separated);
 * - `stackName`: the one stack's name (default `WxaReporter`);
 * - `stacks`: several deployments in one account, one stack each, by name: `{"WxaReporter": {},
 *   "WxaReporterClientB": {"config": {"digest": {…}}, "fixedEgressIp": true}}`. Each entry's `config`
 *   is laid over `wxaReporter` field by field; its other settings override the app-wide ones.
 * A wrong value is refused naming the setting and what it takes, all problems in one line.
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
  typeof value === 'string' && value.trim() ? value.split(',').map((zone) => zone.trim()) : blankIsNone(value);

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
      .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'is not an Availability Zone name (like "cn-north-1a")'))
      .length(2, 'must name two Availability Zones ("cn-north-1a,cn-north-1b")')
      .optional(),
  ),
};
const stackSettings = knownFields(settingsShape);
const stacksSchema = z.record(z.string().regex(STACK_NAME, NOT_A_STACK_NAME), stackSettings);
/** The app-wide settings: the same as a stack's, but read one context key each (other keys are CDK's own). */
const appWideSchema = z.object({
  ...settingsShape,
  stackName: z.string().regex(STACK_NAME, NOT_A_STACK_NAME).optional(),
});

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

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The stacks the CDK app synthesizes, from its context (`get` is `app.node.tryGetContext`).
 * @throws DeploymentConfigError naming every setting that is wrong and what it takes, in one line
 */
export function stacksFromContext(get: (key: string) => unknown): AppStack[] {
  const shared = parsed('wxaReporter', get('wxaReporter')) ?? {};
  const given = parsed('stacks', get('stacks'));
  const appWide = appWideSchema.safeParse({
    alarmEmail: get('alarmEmail'),
    archiveEncryption: get('archiveEncryption'),
    fixedEgressIp: get('fixedEgressIp'),
    platformEndpoint: get('platformEndpoint'),
    availabilityZones: parsed('availabilityZones', get('availabilityZones')),
    stackName: blankIsNone(get('stackName')),
  });
  const checked = stacksSchema.safeParse(given ?? { [appWide.data?.stackName ?? 'WxaReporter']: {} });
  const problems = [
    ...(isObject(shared) ? [] : ["wxaReporter must be an object (cdk.json, or -c wxaReporter='{…}')"]),
    ...(appWide.error ? describeIssues(appWide.error.issues) : []),
    ...(given !== undefined && appWide.data?.stackName
      ? ['stackName names the one stack when there is no stacks: with stacks, name each stack there']
      : []),
    ...(given === undefined || !checked.error
      ? []
      : isObject(given)
        ? describeIssues(prefixed('stacks', checked.error.issues))
        : ['stacks must be an object of stack name → settings ({"WxaReporter": {}})']),
  ];
  if (problems.length || !checked.success || !appWide.success)
    throw new DeploymentConfigError(`the app's context (cdk.json or -c) is invalid: ${problems.join('; ')}`);
  return Object.entries(checked.data).map(([id, own]) => {
    const settings = { ...withoutUndefined(appWide.data), ...withoutUndefined(own) };
    return {
      id,
      props: {
        config: { ...(shared as DeploymentConfigInput), ...(own.config ?? {}) } as DeploymentConfigInput,
        name: settings.name,
        alarmEmail: settings.alarmEmail,
        encryption: settings.archiveEncryption === 'KMS' ? 'KMS' : 'S3_MANAGED',
        fixedEgressIp: settings.fixedEgressIp === true || settings.fixedEgressIp === 'true',
        platformEndpoint: settings.platformEndpoint,
        availabilityZones: settings.availabilityZones,
      },
    };
  });
}

/** The issues of a value found under `key`, their paths (and unknown-field lines) starting there. */
function prefixed(key: string, issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.map((issue) => ({
    ...issue,
    path: [key, ...issue.path],
    message: issue.message.replace(/^(?=\S+ is not a field)/gm, `${key}.`),
  }));
}

const withoutUndefined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
