// The baseline of the worker's cold-start target: the same AWS SDK clients the worker makes at
// start, with the commands it sends through them, and nothing of ours. `npm run bench` bundles it
// like the worker and compares import times. (esbuild keeps a client's modules in one shared chunk,
// so the commands load with the client in the worker too.)
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetParameterCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  paginateScan,
} from '@aws-sdk/lib-dynamodb';

export const clients = [
  new S3Client({}),
  new SSMClient({}),
  DynamoDBDocumentClient.from(new DynamoDBClient({})),
  new SQSClient({}),
];
export const commands = [
  GetObjectCommand,
  PutObjectCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetCommand,
  PutCommand,
  DeleteCommand,
  paginateQuery,
  paginateScan,
  SendMessageCommand,
  SendMessageBatchCommand,
  ChangeMessageVisibilityCommand,
];
