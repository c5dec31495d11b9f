import { Annotations, type Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { IConstruct } from 'constructs';
import { DeploymentConfigError } from '../lambda/config/deployment-config.js';

/**
 * What the deployment uses that some regions do not offer, region by region. Everything else it
 * creates (Lambda with JSON logs to a log group, SQS event sources with maximum concurrency,
 * EventBridge Scheduler with time zones, DynamoDB, S3, SNS, KMS, API Gateway HTTP APIs, Glue,
 * Athena, a VPC with a NAT gateway) is a resource type of every region below, with every property
 * used: cfn-lint checks the templates against each region's CloudFormation schemas in the tests.
 */
export type Feature = 'ses' | 'functionUrl';

/**
 * The regions this table speaks for: every region of the `aws`, `aws-cn` and `aws-us-gov`
 * partitions in the AWS SDKs' endpoint list (botocore 1.44's endpoints.json). A region outside it
 * opened later, or belongs to another partition; what it offers is not known here.
 */
export const KNOWN_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'cn-north-1',
  'cn-northwest-1',
  'us-gov-east-1',
  'us-gov-west-1',
];

const LAMBDA_GUIDE = 'Lambda Developer Guide, "Creating and managing Lambda function URLs": not supported there';
const CFN_REGISTRY = "no AWS::Lambda::Url among the region's CloudFormation resource types";
const AWS_CHINA = 'Getting Started with AWS in China, Lambda: Function URLs are not available in the China regions';
const SES_ENDPOINTS = 'AWS General Reference, "Amazon SES endpoints and quotas": no SES endpoint there';

/** The regions of KNOWN_REGIONS that do not offer a feature, each with where that is stated. */
export const NOT_OFFERED: Readonly<Record<Feature, Readonly<Record<string, string>>>> = {
  functionUrl: {
    'ap-east-2': LAMBDA_GUIDE,
    'ap-south-2': LAMBDA_GUIDE,
    'ap-southeast-4': LAMBDA_GUIDE,
    'ap-southeast-5': LAMBDA_GUIDE,
    'ap-southeast-6': LAMBDA_GUIDE,
    'ap-southeast-7': LAMBDA_GUIDE,
    'ca-west-1': LAMBDA_GUIDE,
    'eu-central-2': LAMBDA_GUIDE,
    // CloudFormation lists the type here, but Lambda does not support the URLs.
    'eu-south-2': LAMBDA_GUIDE,
    'il-central-1': LAMBDA_GUIDE,
    'me-central-1': LAMBDA_GUIDE,
    'mx-central-1': CFN_REGISTRY,
    // CloudFormation lists the type in Beijing, but Lambda in China offers no URLs.
    'cn-north-1': AWS_CHINA,
    'cn-northwest-1': AWS_CHINA,
    'us-gov-east-1': CFN_REGISTRY,
    'us-gov-west-1': CFN_REGISTRY,
  },
  ses: {
    'ap-east-1': SES_ENDPOINTS,
    'cn-north-1': SES_ENDPOINTS,
    'cn-northwest-1': SES_ENDPOINTS,
  },
};

const SERVICE_NAMES: Readonly<Record<Feature, string>> = {
  functionUrl: 'Lambda Function URLs',
  ses: 'Amazon SES',
};

/**
 * Whether the stack's region offers a feature: `offered` or `not-offered` for a region of
 * KNOWN_REGIONS; `region-unset` when the stack has no region at synth (environment-agnostic);
 * `region-unknown` for a region this table does not know.
 */
export type Availability = 'offered' | 'not-offered' | 'region-unset' | 'region-unknown';

export function availability(stack: Stack, feature: Feature): Availability {
  if (Token.isUnresolved(stack.region)) return 'region-unset';
  if (!KNOWN_REGIONS.includes(stack.region)) return 'region-unknown';
  return NOT_OFFERED[feature][stack.region] ? 'not-offered' : 'offered';
}

/** The known regions without a feature, for messages: "ap-east-2, ap-south-2, … and us-gov-west-1". */
export function regionsWithout(feature: Feature): string {
  const regions = Object.keys(NOT_OFFERED[feature]);
  return regions.length > 1 ? `${regions.slice(0, -1).join(', ')} and ${regions.at(-1)}` : (regions[0] ?? '');
}

/** The stack's partition (`aws`, `aws-cn`, …), or undefined in an environment-agnostic stack. */
export function partitionOf(stack: Stack): string | undefined {
  return Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
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

/** Where a feature is missing: the whole China partition, or one region. */
function where(stack: Stack, feature: Feature): string {
  const china = Object.keys(NOT_OFFERED[feature]).filter((r) => r.startsWith('cn-')).length === 2;
  return china && partitionOf(stack) === 'aws-cn' ? 'the AWS China regions' : stack.region;
}

/**
 * A setting the stack's region cannot honour, refused at synth in one line: the setting, the
 * service the region lacks, what to do instead.
 */
export function refuse(stack: Stack, setting: string, feature: Feature, instead: string): never {
  const service = SERVICE_NAMES[feature];
  throw new DeploymentConfigError(
    `${setting} cannot work in ${stack.region}: ${service} ${service.endsWith('s') ? 'are' : 'is'} not offered in ${where(stack, feature)}; ${instead}`,
  );
}

/**
 * How a stack gets a region at synth: its `env` (the CDK app's stacks have one). Setting AWS_REGION
 * alone does not give one: `cdk` passes the region it finds to the app as CDK_DEFAULT_REGION, and
 * a stack without `env` ignores it.
 */
export const GIVE_THE_STACK_A_REGION =
  'give the stack env.region (CDK_DEFAULT_REGION, which cdk sets from AWS_REGION or --profile)';

/** A synth warning (printed by `cdk synth`, kept in the assembly) about what the region may lack. */
export function warnAboutRegion(scope: IConstruct, id: string, message: string): void {
  Annotations.of(scope).addWarningV2(`wxa-reporter:${id}`, message);
}
