import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { PushNotTakenError, receiveComponentPush } from '../pipeline/component-push.js';
import { applyAuthorizationEvent, discoverAuthorizers } from '../pipeline/discover-authorizers.js';
import { MissingSecretError } from '../secrets/secret-source.js';
import { ParameterWriter } from '../secrets/ssm/parameter-writer.js';
import { SsmSecretSource } from '../secrets/ssm/ssm-secret-source.js';
import { redactedError } from '../shared/redact.js';
import { config, registry } from './deployment.js';
import { logger, metrics } from './observability.js';
import { platformOf } from './platform.js';
import { ssmClient } from './worker-clients.js';

// The third-party platform's function: the authorization event URL WeChat pushes to (tickets every
// 10 minutes, authorization events), reached through a Lambda Function URL or an API Gateway HTTP
// API, and the daily discovery the Scheduler starts with {"job": "discover"}. It alone writes the
// ticket and the registry.

const secrets = new SsmSecretSource(ssmClient, config.parameterPrefix);
const writer = new ParameterWriter(ssmClient, config.parameterPrefix);
const platform = platformOf(secrets);
const defaults = config.component?.defaults ?? { recipients: [], webhooks: [], language: undefined };

/**
 * The part of an HTTP request the push needs, in payload format 2.0: what a Function URL and an
 * API Gateway HTTP API both hand the function (API Gateway's REST APIs send 1.0, not accepted).
 */
const httpRequestSchema = z.object({
  requestContext: z.looseObject({ http: z.looseObject({ method: z.string() }) }),
  queryStringParameters: z.optional(z.record(z.string(), z.string())),
  body: z.optional(z.string()),
  isBase64Encoded: z.optional(z.boolean()),
});

export interface HttpAnswer {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const answer = (statusCode: number, body: string): HttpAnswer => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body,
});

export async function handler(event: unknown): Promise<HttpAnswer | object> {
  if (!platform) throw new Error('no third-party platform is configured (component.appid in the deployment config)');
  try {
    const request = httpRequestSchema.safeParse(event);
    if (request.success) return await push(request.data);
    if (typeof event === 'object' && event !== null && (event as { job?: unknown }).job === 'discover')
      return await discover();
  } catch (error) {
    // Lambda logs what a handler throws: a token or key quoted in a message must not go with it.
    throw redactedError(error);
  }
  throw new Error('expected an HTTP request in payload format 2.0 (a WeChat push) or {"job": "discover"}');
}

async function push(request: z.infer<typeof httpRequestSchema>): Promise<HttpAnswer> {
  if (!platform) throw new Error('unreachable');
  // WeChat pushes with POST; anything else is not WeChat.
  if (request.requestContext.http.method !== 'POST') return answer(405, 'POST only');
  const body = request.isBase64Encoded
    ? Buffer.from(request.body ?? '', 'base64').toString('utf8')
    : (request.body ?? '');
  try {
    const keys = await secrets.componentMessageKeys();
    const result = await receiveComponentPush(
      {
        component: { appid: platform.api.componentAppid, ...keys },
        tickets: {
          put: async (ticket) => {
            await writer.putVerifyTicket(ticket);
            platform.rememberTicket(ticket);
          },
        },
        replays: platform.store.replays,
        clock: () => new Date(),
        onAuthorization: async (authorization) => {
          const applied = await applyAuthorizationEvent(
            { directory: platform.api, registry, defaults, logger },
            authorization,
          );
          metrics.addMetric(
            `Authorization${applied.change === 'unchanged' ? 'Unchanged' : 'Applied'}`,
            MetricUnit.Count,
            1,
          );
        },
      },
      { query: request.queryStringParameters ?? {}, body },
    );
    // Refusals name the check that failed, never the content: pushes carry tickets.
    if (result.status >= 400) {
      logger.warn('push refused', { status: result.status, reason: result.body });
      metrics.addMetric('PushesRefused', MetricUnit.Count, 1);
    } else {
      logger.info('push taken', { event: result.event?.kind ?? 'other' });
    }
    return answer(result.status, result.body);
  } catch (error) {
    if (error instanceof PushNotTakenError) {
      logger.error('push not taken; WeChat will send it again', { error });
      return answer(503, 'try again');
    }
    if (error instanceof MissingSecretError) {
      logger.error('the platform is not set up', { problem: error.message });
      return answer(500, 'not configured');
    }
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
}

async function discover(): Promise<object> {
  if (!platform) throw new Error('unreachable');
  try {
    const result = await discoverAuthorizers({ directory: platform.api, registry, defaults, logger });
    metrics.addMetric('AuthorizersAdded', MetricUnit.Count, result.added.length);
    metrics.addMetric('AuthorizersDisabled', MetricUnit.Count, result.disabled.length);
    return result;
  } finally {
    metrics.publishStoredMetrics();
  }
}
