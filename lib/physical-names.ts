import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { DeploymentConfigError } from '../lambda/config/deployment-config.js';

/**
 * The names a deployment gives things that exist once per account and region: its SSM folder, its
 * Glue database, its Athena workgroup, the service its logs and metrics are tagged with. All derive
 * from one deployment name. Unset, it is `wxa-reporter`: the names every deployment had before
 * deployments had names, so that one deployed then keeps them, whatever its stack is called and
 * wherever the construct sits. A second deployment in the same account and region needs a name of
 * its own: the CDK app gives each stack of its `stacks` context one derived from the stack's name
 * (`deploymentNameOf`), and synth refuses two deployments of one app whose names meet (`claimNames`).
 */
export interface PhysicalNames {
  /** Lowercase letters, digits and hyphens: `wxa-reporter` unless given. */
  readonly name: string;
  /** Whether `name` was given, rather than the default. */
  readonly nameGiven: boolean;
  /** The SSM folder of the deployment's secrets: `/<name>/`. */
  readonly parameterPrefix: string;
  /** The Glue database: `<name>` with underscores (`wxa_reporter`). */
  readonly databaseName: string;
}

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** The deployment name when none is given: what a single deployment has always been called. */
export const DEFAULT_NAME = 'wxa-reporter';

/**
 * A deployment name derived from a stack's name: kebab-case, under the product's name.
 * `WxaReporter` → `wxa-reporter`, `WxaReporterClientB` → `wxa-reporter-client-b`, `ClientB` →
 * `wxa-reporter-client-b` (so those two meet: the CDK app refuses such a pair, saying so).
 */
export function deploymentNameOf(stackName: string): string {
  const kebab = stackName
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const name = kebab === DEFAULT_NAME || kebab.startsWith(`${DEFAULT_NAME}-`) ? kebab : `${DEFAULT_NAME}-${kebab}`;
  return name.slice(0, 64).replace(/-+$/, '');
}

/** The deployment's names: from `name` if given, else `wxa-reporter`. */
export function physicalNames(name: string | undefined): PhysicalNames {
  const resolved = name ?? DEFAULT_NAME;
  if (!NAME.test(resolved)) {
    throw new DeploymentConfigError(
      `name "${resolved}" must be 1-64 lowercase letters, digits and "-", starting and ending with a letter or digit`,
    );
  }
  return {
    name: resolved,
    nameGiven: name !== undefined,
    parameterPrefix: `/${resolved}/`,
    databaseName: resolved.replaceAll('-', '_'),
  };
}

/** One deployment's names as the app-wide check sees them, each with whether it was set by hand. */
export interface ClaimedNames {
  readonly names: PhysicalNames;
  readonly parameterPrefix: string;
  /** `config.parameterPrefix` was set, rather than derived from the name. */
  readonly parameterPrefixGiven: boolean;
  readonly databaseName?: string;
  /** `analytics.databaseName` was set. */
  readonly databaseNameGiven?: boolean;
  readonly workGroupName?: string;
  /** `analytics.workGroupName` was set. */
  readonly workGroupNameGiven?: boolean;
}

interface Claim {
  readonly path: string;
  readonly stackName: string;
  readonly where: string;
  readonly names: ClaimedNames;
}

const claims = new WeakMap<IConstruct, Claim[]>();

/** What the two deployments would share, each with the setting that put it there when set by hand. */
function sharedBy(a: ClaimedNames, b: ClaimedNames): { what: string; settings: string[] }[] {
  const shared: { what: string; settings: string[] }[] = [];
  const given = (setting: string, ...flags: (boolean | undefined)[]) => (flags.some(Boolean) ? [setting] : []);
  if (a.parameterPrefix.startsWith(b.parameterPrefix) || b.parameterPrefix.startsWith(a.parameterPrefix))
    shared.push({
      what:
        a.parameterPrefix === b.parameterPrefix
          ? `the SSM folder ${a.parameterPrefix}`
          : `the SSM folders ${b.parameterPrefix} and ${a.parameterPrefix} (one inside the other)`,
      settings: given('config.parameterPrefix', a.parameterPrefixGiven, b.parameterPrefixGiven),
    });
  if (a.databaseName !== undefined && a.databaseName === b.databaseName)
    shared.push({
      what: `the Glue database ${a.databaseName}`,
      settings: given('analytics.databaseName', a.databaseNameGiven, b.databaseNameGiven),
    });
  if (a.workGroupName !== undefined && a.workGroupName === b.workGroupName)
    shared.push({
      what: `the Athena workgroup ${a.workGroupName}`,
      settings: given('analytics.workGroupName', a.workGroupNameGiven, b.workGroupNameGiven),
    });
  return shared;
}

/** What fixes a clash: the settings set by hand that meet, and the names when they are the same. */
function remedy(mine: Claim, other: Claim, settings: string[]): string {
  const fixes: string[] = [];
  if (settings.length > 0)
    fixes.push(
      `give ${settings.join(' and ')} a value of its own in one of them, or leave ${settings.length > 1 ? 'them' : 'it'} unset in both (${settings.length > 1 ? 'they then follow' : 'it then follows'} each deployment's name)`,
    );
  const a = mine.names.names;
  const b = other.names.names;
  if (a.name === b.name) {
    if (!a.nameGiven && !b.nameGiven) {
      const suggestion = deploymentNameOf(mine.stackName === other.stackName ? mine.path : mine.stackName);
      fixes.push(
        `both take the default name "${DEFAULT_NAME}": give ${mine.path} a name of its own (the name prop, or "name" in the stacks context), e.g. "${suggestion === DEFAULT_NAME ? `${DEFAULT_NAME}-2` : suggestion}", and leave the one deployed first without a name so that it keeps its names`,
      );
    } else {
      fixes.push(
        `both are named "${a.name}": give each a name of its own (the name prop, or "name" in the stacks context)`,
      );
    }
  }
  return fixes.join('; ');
}

/**
 * Records a deployment's names for its account and region, and refuses one that another deployment
 * of the same app already uses there: the same Glue database or workgroup (Glue and Athena would
 * refuse the second), or SSM folders of which one contains the other (each deployment would read
 * the other's secrets). The message says which setting fixes it: the one set by hand that meets
 * the other's, or the deployment's name.
 */
export function claimNames(scope: IConstruct, names: ClaimedNames): void {
  const stack = Stack.of(scope);
  const mine: Claim = {
    path: scope.node.path,
    stackName: stack.stackName,
    where: `${stack.account}/${stack.region}`,
    names,
  };
  const root = scope.node.root;
  const others = claims.get(root) ?? [];
  for (const other of others) {
    if (other.where !== mine.where) continue;
    const shared = sharedBy(names, other.names);
    if (shared.length === 0) continue;
    throw new DeploymentConfigError(
      `${mine.path} and ${other.path} are deployed to the same account and region and would share ${shared.map((s) => s.what).join(', ')}: ${remedy(
        mine,
        other,
        shared.flatMap((s) => s.settings),
      )}`,
    );
  }
  claims.set(root, [...others, mine]);
}
