import { randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { S3Archive } from '../archive/s3/s3-archive.js';
import type { AppConfig } from '../config/deployment-config.js';
import type { Audience } from '../notify/build-channels.js';
import type { EmailSender } from '../notify/email-sender.js';
import type { ReportChannel } from '../notify/report-channel.js';
import type { WebhookKind } from '../notify/webhook/webhook-platform.js';
import { runAppUnit, type UnitDependencies } from '../pipeline/run-app-unit.js';
import { digestEntries, runDigest } from '../pipeline/run-digest.js';
import { type UnitOutcome, type WorkUnit, workUnitSchema } from '../pipeline/work-unit.js';
import type { AppSecrets } from '../secrets/secret-source.js';
import { SsmSecretSource } from '../secrets/ssm/ssm-secret-source.js';
import { TOOL_VERSION } from '../shared/version.js';
import { createDatacubeClient } from '../wechat/create-datacube-client.js';
import { config, failures, ledger, logger, metrics, recordOutcome, registry, workQueue } from './deployment.js';

// The worker: one SQS message is one unit of work (app, job, period). Renderers, channels and
// email transports are imported only when a report goes out, so a cold start loads the SDK clients
// and the use cases, nothing more.

// An S3-compatible endpoint (moto in the tests) needs path-style addressing; AWS itself does not.
const customS3Endpoint = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
const archive = new S3Archive(
  new S3Client({ forcePathStyle: customS3Endpoint }),
  process.env.WXA_ARCHIVE_BUCKET ?? '',
  config.archivePrefix.replace(/\/$/, ''),
);
const secrets = new SsmSecretSource(new SSMClient({}), config.parameterPrefix);
const apiBase = config.apiBase ?? process.env.WECHAT_API_BASE;

/** Tries per unit before its failure is recorded in the dead-letter queue (the queue's own redrive is one more). */
export const MAX_ATTEMPTS = 4;

/** 1, 2, 4… minutes between a unit's tries, with jitter so apps failing together do not retry together. */
export function backoffSeconds(attempt: number, random: () => number = Math.random): number {
  return 60 * 2 ** Math.max(0, attempt - 1) + Math.floor(random() * 30);
}

let sender: Promise<EmailSender | undefined> | undefined;
function emailSender(): Promise<EmailSender | undefined> {
  sender ??= (async () => {
    if (!config.email) return undefined;
    if (config.email.transport === 'ses') {
      const [{ SESv2Client }, { SesEmailSender }] = await Promise.all([
        import('@aws-sdk/client-sesv2'),
        import('../notify/ses/ses-email-sender.js'),
      ]);
      return new SesEmailSender(new SESv2Client({}));
    }
    const { SmtpEmailSender } = await import('../notify/smtp/smtp-email-sender.js');
    return new SmtpEmailSender({ url: await secrets.smtpUrl() });
  })();
  return sender;
}

async function channelsOf(
  audience: Audience,
  webhookSecrets: AppSecrets['webhooks'],
  whereToStore: (kind: WebhookKind) => string,
): Promise<ReportChannel[]> {
  const { buildChannels } = await import('../notify/build-channels.js');
  return buildChannels(audience, {
    emailSender,
    from: config.email?.from ?? '',
    defaultLanguage: config.language,
    webhookSecrets,
    whereToStore,
  });
}

function unitDependencies(owner: string): UnitDependencies {
  return {
    registry,
    ledger,
    archive,
    secrets,
    wechat: (app: AppConfig, appSecrets: AppSecrets) =>
      createDatacubeClient({
        appid: appSecrets.appid,
        secret: appSecrets.secret,
        // Behind an IP whitelist, tokens come from the user's own token service.
        tokenMode: app.tokenService ? { service: app.tokenService } : (app.tokenMode ?? 'stable'),
        apiBase,
        logger,
      }),
    channels: (app, appSecrets) =>
      channelsOf(
        app,
        appSecrets.webhooks,
        (kind) => `${config.parameterPrefix}apps/${app.name}/webhooks/${kind}/url in SSM`,
      ),
    schedule: config.schedule,
    clock: () => new Date(),
    logger,
    toolVersion: TOOL_VERSION,
    owner,
  };
}

async function runUnit(unit: WorkUnit, owner: string): Promise<UnitOutcome> {
  const deps = unitDependencies(owner);
  if (unit.job !== 'digest') return runAppUnit(deps, { job: unit.job, period: unit.period, app: unit.app ?? '' });
  const digest = config.digest;
  if (!digest)
    return { app: 'digest', job: 'digest', period: unit.period, status: 'skipped', detail: 'no digest configured' };
  const { report: _report, ...outcome } = await runDigest(
    {
      ...deps,
      channels: async () =>
        channelsOf(
          digest,
          await secrets.digestWebhooks(),
          (kind) => `${config.parameterPrefix}digest/webhooks/${kind}/url in SSM`,
        ),
    },
    unit.period,
  );
  return outcome;
}

/** A unit to try again after a backoff: reported to SQS as a batch item failure. */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
}

async function processRecord(record: SQSRecord): Promise<void> {
  const attempts = Number(record.attributes.ApproximateReceiveCount ?? '1');
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const parsed = workUnitSchema.safeParse(body);
  if (!parsed.success) {
    // A message no worker can run is recorded once, never retried.
    logger.error('not a unit of work', { messageId: record.messageId });
    await failures.record({
      app: '?',
      job: '?',
      period: '?',
      reason: `not a unit of work: ${record.body.slice(0, 200)}`,
      attempts,
      failedAt: new Date().toISOString(),
    });
    return;
  }
  const unit = parsed.data;
  const outcome = await runUnit(unit, `${record.messageId}:${attempts}:${randomUUID()}`);
  recordOutcome(outcome);
  logger.info('unit done', { ...outcome, attempts });
  if (outcome.status === 'failed') {
    if (outcome.retryable && attempts < MAX_ATTEMPTS) {
      await workQueue.retryLater(record.receiptHandle, backoffSeconds(attempts));
      throw new RetryLaterError(
        `${outcome.app} ${outcome.job} ${outcome.period}: try ${attempts} failed: ${outcome.detail}`,
      );
    }
    await failures.record({
      app: outcome.app,
      job: outcome.job,
      period: outcome.period,
      reason: outcome.detail,
      attempts,
      failedAt: new Date().toISOString(),
    });
  }
  // The last app of the day to settle queues the digest; several may, the ledger sends it once.
  if (unit.job === 'daily' && config.digest && outcome.status !== 'not-yet-available') {
    const { settled } = await digestEntries(registry, ledger, unit.period);
    if (settled) await workQueue.enqueue([{ job: 'digest', period: unit.period }]);
  }
}

const processor = new BatchProcessor(EventType.SQS);

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  try {
    // A unit to retry is an expected outcome, not a function error: no full-batch exception.
    return await processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
  } finally {
    metrics.publishStoredMetrics();
  }
}
