import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CliIo } from './cli-io.js';

export const regionOf = (io: CliIo) => io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;

/** DynamoDB for the CLI's registry and ledger commands (endpoint and credentials from the usual AWS environment). */
export function documentClientFor(io: CliIo): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ region: regionOf(io) }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
