import { dynamoClientsFor } from './dynamodb.js';
import { s3ClientFor } from './s3.js';
import { sqsClientFor } from './sqs.js';
import { ssmClientFor } from './ssm.js';

/** Every SDK client a deployment test needs, pointed at one moto server. */
export function motoClients(endpoint: string) {
  const clients = {
    s3: s3ClientFor(endpoint),
    ssm: ssmClientFor(endpoint),
    sqs: sqsClientFor(endpoint),
    dynamo: dynamoClientsFor(endpoint),
  };
  return {
    ...clients,
    destroy: () => {
      for (const client of [clients.s3, clients.ssm, clients.sqs, clients.dynamo.raw]) client.destroy();
    },
  };
}
