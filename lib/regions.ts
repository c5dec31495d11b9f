import { type Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { DeploymentConfigError } from '../lambda/config/deployment-config.js';

/**
 * What the deployment uses that a partition does not offer, decided from each partition's own
 * documentation (the README's "Deploy in the AWS China regions" lists what was checked). Everything
 * else the construct creates is offered in both China regions.
 */
const NOT_OFFERED: Readonly<Record<string, readonly Feature[]>> = {
  // Amazon SES: no endpoint in the China regions (not in the China regions' service list).
  // Lambda Function URLs: "not available in the China Regions" (Getting Started with AWS in China, Lambda).
  'aws-cn': ['ses', 'functionUrl'],
};

export type Feature = 'ses' | 'functionUrl';

/** The stack's partition (`aws`, `aws-cn`, …), or undefined in an environment-agnostic stack. */
export function partitionOf(stack: Stack): string | undefined {
  return Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
}

/** Whether the stack's region offers a feature; undefined when the region is not known at synth. */
export function offers(stack: Stack, feature: Feature): boolean | undefined {
  const partition = partitionOf(stack);
  if (partition === undefined) return undefined;
  return !NOT_OFFERED[partition]?.includes(feature);
}

/**
 * A regional service's endpoint host, as condition keys name it (`kms:ViaService`): `ssm.cn-north-1.amazonaws.com.cn`
 * in the China regions, `ssm.ap-east-1.amazonaws.com` elsewhere; the AWS::URLSuffix pseudo parameter
 * when the region is only known at deploy time.
 */
export function serviceHost(stack: Stack, service: string): string {
  const suffix = Token.isUnresolved(stack.region)
    ? stack.urlSuffix
    : (RegionInfo.get(stack.region).domainSuffix ?? stack.urlSuffix);
  return `${service}.${stack.region}.${suffix}`;
}

const PARTITION_NAMES: Readonly<Record<string, string>> = { 'aws-cn': 'the AWS China regions' };

/**
 * A setting the stack's region cannot honour, refused at synth in one line: the setting, the
 * service the region lacks, what to do instead.
 */
export function refuse(stack: Stack, setting: string, service: string, instead: string): never {
  const partition = partitionOf(stack) ?? 'unknown';
  const where = PARTITION_NAMES[partition] ?? `the ${partition} partition`;
  throw new DeploymentConfigError(
    `${setting} cannot work in ${stack.region}: ${service} ${service.endsWith('s') ? 'are' : 'is'} not offered in ${where}; ${instead}`,
  );
}
