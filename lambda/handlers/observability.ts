import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { UnitOutcome } from '../pipeline/work-unit.js';
import type { Logger as PortLogger } from '../shared/logger.js';
import { redactFields, redactSecrets } from '../shared/redact.js';

// The deployment's name (the construct sets POWERTOOLS_SERVICE_NAME): two deployments in one
// account log and count under their own service.
const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'wxa-reporter';
const powertools = new Logger({ serviceName });
const safe = (fields: Record<string, unknown> | undefined) => redactFields(fields ?? {}) as Record<string, unknown>;
/**
 * Structured JSON logs; the port's optional fields become Powertools' extra keys. Every line of
 * every function goes through redaction: a URL quoted anywhere (an error page, an SDK message)
 * leaves without its keys, tokens or passwords.
 */
export const logger: PortLogger = {
  debug: (message, fields) => powertools.debug(redactSecrets(message), safe(fields)),
  info: (message, fields) => powertools.info(redactSecrets(message), safe(fields)),
  warn: (message, fields) => powertools.warn(redactSecrets(message), safe(fields)),
  error: (message, fields) => powertools.error(redactSecrets(message), safe(fields)),
};
export const metrics = new Metrics({ namespace: 'WxaReporter', serviceName });

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
