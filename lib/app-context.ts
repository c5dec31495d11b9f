import * as z from 'zod';
import { DeploymentConfigError, type DeploymentConfigInput } from '../lambda/config/deployment-config.js';
import type { WxaReporterStackProps } from './wxa-reporter-stack.js';

/**
 * The CDK app's settings, read from its context (`cdk.json`, or `-c key=value`; a value given on
 * the command line may be JSON text):
 * - `wxaReporter`: the deployment's configuration (apps, email, schedules…);
 * - `alarmEmail`, `archiveEncryption` ("KMS"), `fixedEgressIp` (true), `platformEndpoint`;
 * - `stackName`: the one stack's name (default `WxaReporter`);
 * - `stacks`: several deployments in one account, one stack each, by name: `{"WxaReporter": {},
 *   "WxaReporterClientB": {"config": {"digest": {…}}, "fixedEgressIp": true}}`. Each entry's `config`
 *   is laid over `wxaReporter` field by field; its other settings override the app-wide ones.
 */
export interface AppStack {
  readonly id: string;
  readonly props: Omit<WxaReporterStackProps, 'env'>;
}

const settingsShape = {
  config: z.record(z.string(), z.unknown()).optional(),
  name: z.string().optional(),
  alarmEmail: z.string().optional(),
  archiveEncryption: z.enum(['KMS', 'S3_MANAGED']).optional(),
  fixedEgressIp: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  platformEndpoint: z.enum(['FUNCTION_URL', 'HTTP_API']).optional(),
  availabilityZones: z.array(z.string()).optional(),
};
const stacksSchema = z.record(
  z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'is not a stack name (letters, digits and "-", from a letter)'),
  z.strictObject(settingsShape),
);

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

/** The stacks the CDK app synthesizes, from its context (`get` is `app.node.tryGetContext`). */
export function stacksFromContext(get: (key: string) => unknown): AppStack[] {
  const shared = (parsed('wxaReporter', get('wxaReporter')) ?? {}) as DeploymentConfigInput;
  const raw = parsed('stacks', get('stacks')) ?? {
    [(get('stackName') as string | undefined) ?? 'WxaReporter']: {},
  };
  const checked = stacksSchema.safeParse(raw);
  const appWide = z.strictObject(settingsShape).safeParse({
    alarmEmail: get('alarmEmail') || undefined,
    archiveEncryption: get('archiveEncryption') || undefined,
    fixedEgressIp: get('fixedEgressIp') ?? undefined,
    platformEndpoint: get('platformEndpoint') || undefined,
  });
  if (!checked.success || !appWide.success) {
    const problems = [
      ...(checked.error?.issues.map((i) => `stacks.${i.path.join('.')} ${i.message}`) ?? []),
      ...(appWide.error?.issues.map((i) => `${i.path.join('.')} ${i.message}`) ?? []),
    ];
    throw new DeploymentConfigError(`the app's context is invalid: ${problems.join('; ')}`);
  }
  return Object.entries(checked.data).map(([id, own]) => {
    const settings = { ...appWide.data, ...own };
    return {
      id,
      props: {
        config: { ...shared, ...(own.config ?? {}) } as DeploymentConfigInput,
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
