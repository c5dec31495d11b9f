import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MOTO_CREDENTIALS, MOTO_REGION } from './moto.js';

export function dynamoClientsFor(endpoint: string): { raw: DynamoDBClient; documents: DynamoDBDocumentClient } {
  const raw = new DynamoDBClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
  return { raw, documents: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }) };
}

let counter = 0;

/** The registry and ledger tables, with the key schemas the WxaReporter construct gives them. */
export async function createTables(raw: DynamoDBClient): Promise<{ apps: string; ledger: string }> {
  counter += 1;
  const apps = `wxa-apps-${process.pid}-${counter}`;
  const ledger = `wxa-ledger-${process.pid}-${counter}`;
  await raw.send(
    new CreateTableCommand({
      TableName: apps,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'name', AttributeType: 'S' }],
    }),
  );
  await raw.send(
    new CreateTableCommand({
      TableName: ledger,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    }),
  );
  return { apps, ledger };
}

/** The third-party platform's table (tokens, refresh tokens, pushes taken), as the construct makes it. */
export async function createPlatformTable(raw: DynamoDBClient): Promise<string> {
  counter += 1;
  const name = `wxa-platform-${process.pid}-${counter}`;
  await raw.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    }),
  );
  return name;
}
