import { parseDeploymentConfig } from '../config/deployment-config.js';
import { SqsFailureSink, SqsWorkQueue } from '../queue/sqs/sqs-work-queue.js';
import { StaticAppRegistry, WritableLayeredAppRegistry } from '../registry/app-registry.js';
import { DynamoDbAppRegistry } from '../registry/dynamodb/dynamodb-app-registry.js';
import { DynamoDbLedger } from '../state/dynamodb/dynamodb-ledger.js';
import { documents, sqs } from './aws-clients.js';
import { logger } from './observability.js';

// The deployment as the functions see it: the config (validated again here), the registry, the
// ledger and the queues, from the environment the construct sets.

export const config = parseDeploymentConfig(JSON.parse(process.env.WXA_CONFIG ?? '{}'), 'WXA_CONFIG');
const env = (name: string) => {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: the function is deployed by the WxaReporter construct, which sets it`);
  return value;
};

/** The registry table first, then the apps of cdk.json it does not have; only the platform function may write. */
export const registry = new WritableLayeredAppRegistry(
  new DynamoDbAppRegistry(documents, env('WXA_APPS_TABLE'), { hasEmail: config.email !== undefined }),
  new StaticAppRegistry(config.apps),
);
export const ledger = new DynamoDbLedger(documents, env('WXA_LEDGER_TABLE'), () => new Date(), logger);
export const workQueue = new SqsWorkQueue(sqs, env('WXA_QUEUE_URL'));
export const failures = new SqsFailureSink(sqs, env('WXA_FAILURE_QUEUE_URL'));
