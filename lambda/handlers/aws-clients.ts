import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AWS_HTTP_OPTIONS } from '../shared/aws-http.js';

// The SDK clients both functions use, made in the init phase so warm invocations reuse connections.
export const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ requestHandler: AWS_HTTP_OPTIONS }), {
  marshallOptions: { removeUndefinedValues: true },
});
export const sqs = new SQSClient({ requestHandler: AWS_HTTP_OPTIONS });
