import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { DeploymentConfigError } from '../lambda/config/deployment-config.js';

/**
 * The names a deployment gives things that exist once per account and region: its SSM folder, its
 * Glue database, its Athena workgroup, the service its logs and metrics are tagged with. All derive
 * from one deployment name, itself derived from the stack's name, so that a second stack in the
 * same account meets none of the first's.
 */
export interface PhysicalNames {
  /** Lowercase letters, digits and hyphens: `wxa-reporter` for the stack `WxaReporter`. */
  readonly name: string;
  /** The SSM folder of the deployment's secrets: `/<name>/`. */
  readonly parameterPrefix: string;
  /** The Glue database: `<name>` with underscores (`wxa_reporter`). */
  readonly databaseName: string;
}

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const PRODUCT = 'wxa-reporter';

/**
 * The deployment name a stack's name gives: kebab-case, under the product's name. `WxaReporter` →
 * `wxa-reporter` (what a single deployment has always been called, so it keeps its names),
 * `WxaReporterClientB` → `wxa-reporter-client-b`, `ClientB` → `wxa-reporter-client-b`.
 */
export function deploymentNameOf(stackName: string): string {
  const kebab = stackName
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const name = kebab === PRODUCT || kebab.startsWith(`${PRODUCT}-`) ? kebab : `${PRODUCT}-${kebab}`;
  return name.slice(0, 64).replace(/-+$/, '');
}

/** The deployment's names: from `name` if given, else from the stack's name. */
export function physicalNames(scope: IConstruct, name: string | undefined): PhysicalNames {
  const stack = Stack.of(scope);
  if (name === undefined && Token.isUnresolved(stack.stackName)) {
    throw new DeploymentConfigError(
      `${scope.node.path}: the stack's name is only known at deploy time; give WxaReporter a name (lowercase letters, digits, "-")`,
    );
  }
  const resolved = name ?? deploymentNameOf(stack.stackName);
  if (!NAME.test(resolved)) {
    throw new DeploymentConfigError(
      `name "${resolved}" must be 1-64 lowercase letters, digits and "-", starting and ending with a letter or digit`,
    );
  }
  return { name: resolved, parameterPrefix: `/${resolved}/`, databaseName: resolved.replaceAll('-', '_') };
}

/** One deployment's names as the app-wide check sees them. */
export interface ClaimedNames {
  readonly parameterPrefix: string;
  readonly databaseName?: string;
  readonly workGroupName?: string;
}

const claims = new WeakMap<IConstruct, { path: string; where: string; names: ClaimedNames }[]>();

/**
 * Records a deployment's names for its account and region, and refuses one that another deployment
 * of the same app already uses there: the same Glue database or workgroup (Glue and Athena would
 * refuse the second), or SSM folders of which one contains the other (each deployment would read
 * the other's secrets).
 */
export function claimNames(scope: IConstruct, names: ClaimedNames): void {
  const stack = Stack.of(scope);
  const where = `${stack.account}/${stack.region}`;
  const root = scope.node.root;
  const others = claims.get(root) ?? [];
  for (const other of others) {
    if (other.where !== where) continue;
    const clash =
      names.parameterPrefix.startsWith(other.names.parameterPrefix) ||
      other.names.parameterPrefix.startsWith(names.parameterPrefix)
        ? `the SSM folders ${other.names.parameterPrefix} and ${names.parameterPrefix} overlap`
        : names.databaseName !== undefined && names.databaseName === other.names.databaseName
          ? `both use the Glue database ${names.databaseName}`
          : names.workGroupName !== undefined && names.workGroupName === other.names.workGroupName
            ? `both use the Athena workgroup ${names.workGroupName}`
            : undefined;
    if (clash) {
      throw new DeploymentConfigError(
        `${scope.node.path} and ${other.path} are deployed to the same account and region and ${clash}: leave parameterPrefix and analytics.databaseName unset (each stack then gets names of its own) or give each its own`,
      );
    }
  }
  claims.set(root, [...others, { path: scope.node.path, where, names }]);
}
