import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Data that ships with the Python peers in `.venv` (installed by scripts/setup-venv.sh before the
 * tests run): cfn-lint's CloudFormation schema of each region, and botocore's endpoint list.
 */
const SITE_PACKAGES = join(
  '.venv',
  'lib',
  readdirSync(join('.venv', 'lib')).find((d) => d.startsWith('python')) ?? 'python3',
  'site-packages',
);
const SCHEMAS = join(SITE_PACKAGES, 'cfnlint', 'data', 'schemas', 'providers');

/** The regions of which cfn-lint has CloudFormation's resource types. */
export const cfnLintRegions = (): string[] =>
  readdirSync(SCHEMAS)
    .filter((f) => f.endsWith('.json') && f !== 'sam.json')
    .map((f) => f.slice(0, -'.json'.length));

/** The CloudFormation resource types of a region, as cfn-lint knows them. */
export const resourceTypesIn = (region: string): string[] =>
  Object.keys(JSON.parse(readFileSync(join(SCHEMAS, `${region}.json`), 'utf8')));

interface Partition {
  readonly partition: string;
  readonly regions: Record<string, unknown>;
  readonly services: Record<string, { readonly endpoints: Record<string, unknown> }>;
}

/** The partitions of botocore's endpoints.json, the AWS SDKs' list of regions and service endpoints. */
export const sdkPartitions = (): Partition[] =>
  (
    JSON.parse(readFileSync(join(SITE_PACKAGES, 'botocore', 'data', 'endpoints.json'), 'utf8')) as {
      partitions: Partition[];
    }
  ).partitions;
