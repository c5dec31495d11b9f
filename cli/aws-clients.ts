import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import { CliError, type CliIo } from './cli-io.js';

/** No region anywhere the SDK looks: the command cannot know which endpoints to call. */
export const NO_REGION =
  'no AWS region: set AWS_REGION (e.g. AWS_REGION=cn-north-1), or give the profile a region (aws configure --profile NAME, then AWS_PROFILE=NAME)';

/**
 * The region, as the AWS SDK's default chain finds it, from the CLI's environment: `AWS_REGION`
 * (or `AWS_DEFAULT_REGION`, the AWS CLI's name for it), else the `region` of the profile
 * (`AWS_PROFILE`, else `default`) in `~/.aws/config` (`AWS_CONFIG_FILE`) or `~/.aws/credentials`,
 * else the instance's region on EC2. `fallback` when none is found; without one, `CliError`
 * (`NO_REGION`). The SDK derives the endpoints from it: `*.amazonaws.com.cn` in `cn-north-1` and
 * `cn-northwest-1` (the aws-cn partition), whose credentials are a China account's.
 */
export async function regionOf(io: CliIo, fallback?: string): Promise<string> {
  const given = io.env.AWS_REGION || io.env.AWS_DEFAULT_REGION;
  if (given) return given;
  const fromProfile = loadConfig(NODE_REGION_CONFIG_OPTIONS, {
    ...NODE_REGION_CONFIG_FILE_OPTIONS,
    profile: io.env.AWS_PROFILE || undefined,
    configFilepath: io.env.AWS_CONFIG_FILE || undefined,
    filepath: io.env.AWS_SHARED_CREDENTIALS_FILE || undefined,
  });
  // An empty AWS_REGION is no region, as the SDK's chain would otherwise take it for one.
  const found = await fromProfile().catch(() => undefined);
  if (found) return found;
  if (fallback) return fallback;
  throw new CliError(NO_REGION);
}

/**
 * What every AWS client of the CLI is built with: the region of `regionOf` (looked up when the
 * client first calls), and the profile of the CLI's environment, so credentials come from the
 * same profile as the region.
 */
export function awsClientConfig(
  io: CliIo,
  fallbackRegion?: string,
): { region: () => Promise<string>; profile?: string } {
  const profile = io.env.AWS_PROFILE || undefined;
  return { region: () => regionOf(io, fallbackRegion), ...(profile ? { profile } : {}) };
}

/** DynamoDB for the CLI's registry and ledger commands (endpoint and credentials from the usual AWS environment). */
export function documentClientFor(io: CliIo): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(awsClientConfig(io)), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
