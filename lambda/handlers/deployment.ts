import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseDeploymentConfig } from '../config/deployment-config.js';
import type { UnitOutcome } from '../pipeline/work-unit.js';
import { SqsFailureSink, SqsWorkQueue } from '../queue/sqs/sqs-work-queue.js';
import { LayeredAppRegistry, StaticAppRegistry } from '../registry/app-registry.js';
import { DynamoDbAppRegistry } from '../registry/dynamodb/dynamodb-app-registry.js';
import type { Logger as PortLogger } from '../shared/logger.js';
import { DynamoDbLedger } from '../state/dynamodb/dynamodb-ledger.js';

// What the dispatcher and the worker share, read from the function's environment once per
// container: SDK clients, the registry and the ledger survive warm starts.

export const config = parseDeploymentConfig(JSON.parse(process.env.WXA_CONFIG ?? '{}'), 'WXA_CONFIG');
const env = (name: string) => {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: the function is deployed by the WxaReporter construct, which sets it`);
  return value;
};

const powertools = new Logger({ serviceName: 'wxa-reporter' });
/** Structured JSON logs; the port's optional fields become Powertools' extra keys. */
export const logger: PortLogger = {
  debug: (message, fields) => powertools.debug(message, fields ?? {}),
  info: (message, fields) => powertools.info(message, fields ?? {}),
  warn: (message, fields) => powertools.warn(message, fields ?? {}),
  error: (message, fields) => powertools.error(message, fields ?? {}),
};
export const metrics = new Metrics({ namespace: 'WxaReporter', serviceName: 'wxa-reporter' });

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
/** The registry table first, then the apps of cdk.json it does not have. */
export const registry = new LayeredAppRegistry(
  new DynamoDbAppRegistry(documents, env('WXA_APPS_TABLE'), { hasEmail: config.email !== undefined }),
  new StaticAppRegistry(config.apps),
);
export const ledger = new DynamoDbLedger(documents, env('WXA_LEDGER_TABLE'));
const sqs = new SQSClient({});
export const workQueue = new SqsWorkQueue(sqs, env('WXA_QUEUE_URL'));
export const failures = new SqsFailureSink(sqs, env('WXA_FAILURE_QUEUE_URL'));

const METRIC_OF: Readonly<Record<UnitOutcome['status'], string>> = {
  sent: 'ReportsSent',
  'not-yet-available': 'NotYetAvailable',
  'no-data-notice': 'NoDataNotices',
  skipped: 'ReportsSkipped',
  'in-progress': 'ReportsInProgress',
  'not-ready': 'DigestNotReady',
  failed: 'ReportsFailed',
};

/** One EMF count per outcome, and WeChat errors by errcode. */
export function recordOutcome(outcome: UnitOutcome): void {
  metrics.addMetric(METRIC_OF[outcome.status], MetricUnit.Count, 1);
  if (outcome.errcode !== undefined) {
    const single = metrics.singleMetric();
    single.addDimension('errcode', String(outcome.errcode));
    single.addMetric('WechatApiErrors', MetricUnit.Count, 1);
  }
}
