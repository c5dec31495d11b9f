import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { S3Archive } from '../archive/s3/s3-archive.js';
import { type AppConfig, parseDeploymentConfig } from '../config/deployment-config.js';
import { EmailChannel } from '../notify/email-channel.js';
import type { EmailSender } from '../notify/email-sender.js';
import type { ReportChannel } from '../notify/report-channel.js';
import { SesEmailSender } from '../notify/ses/ses-email-sender.js';
import { SmtpEmailSender } from '../notify/smtp/smtp-email-sender.js';
import { WebhookChannel } from '../notify/webhook/webhook-channel.js';
import {
  type AppJobOutcome,
  errcodeOf,
  runScheduledJob,
  type ScheduledJobEvent,
  scheduledJobEventSchema,
} from '../pipeline/run-scheduled-job.js';
import type { AppSecrets } from '../secrets/secret-source.js';
import { SsmSecretSource } from '../secrets/ssm/ssm-secret-source.js';
import type { Logger as PortLogger } from '../shared/logger.js';
import { TOOL_VERSION } from '../shared/version.js';
import { S3RunLedger } from '../state/s3/s3-run-ledger.js';
import { createDatacubeClient } from '../wechat/create-datacube-client.js';

// The Lambda composition root: the only place that reads the environment and builds adapters.
// Built once per container, so SDK clients, the SSM cache and WeChat tokens survive warm starts.
const config = parseDeploymentConfig(JSON.parse(process.env.WXA_CONFIG ?? '{}'), 'WXA_CONFIG');
const bucket = process.env.WXA_ARCHIVE_BUCKET ?? '';
const powertools = new Logger({ serviceName: 'wxa-reporter' });
// Structured JSON logs; the port's optional fields become Powertools' extra keys.
const logger: PortLogger = {
  debug: (message, fields) => powertools.debug(message, fields ?? {}),
  info: (message, fields) => powertools.info(message, fields ?? {}),
  warn: (message, fields) => powertools.warn(message, fields ?? {}),
  error: (message, fields) => powertools.error(message, fields ?? {}),
};
const metrics = new Metrics({ namespace: 'WxaReporter', serviceName: 'wxa-reporter' });
// An S3-compatible endpoint (moto in the tests) needs path-style addressing; AWS itself does not.
const customS3Endpoint = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
const s3 = new S3Client({ forcePathStyle: customS3Endpoint });
const secrets = new SsmSecretSource(new SSMClient({}), config.parameterPrefix);
const ses = config.email?.transport === 'ses' ? new SESv2Client({}) : undefined;

async function emailSender(): Promise<EmailSender | undefined> {
  if (!config.email) return undefined;
  if (config.email.transport === 'ses' && ses) return new SesEmailSender(ses);
  return new SmtpEmailSender({ url: await secrets.smtpUrl() });
}

async function channelsFor(app: AppConfig, appSecrets: AppSecrets): Promise<ReportChannel[]> {
  const locale = app.language ?? config.language;
  const channels: ReportChannel[] = [];
  const sender = app.recipients.length > 0 ? await emailSender() : undefined;
  if (sender && config.email)
    channels.push(new EmailChannel({ sender, from: config.email.from, to: app.recipients, locale }));
  for (const kind of app.webhooks) {
    const webhook = appSecrets.webhooks[kind];
    if (!webhook) {
      throw new Error(
        `${app.name}: webhook "${kind}" is configured but ${config.parameterPrefix}apps/${app.name}/webhooks/${kind}/url is not in SSM`,
      );
    }
    channels.push(new WebhookChannel({ kind, url: webhook.url, secret: webhook.secret, locale }));
  }
  return channels;
}

function record(outcome: AppJobOutcome, error?: unknown): void {
  const metric = {
    sent: 'ReportsSent',
    'not-yet-available': 'NotYetAvailable',
    'no-data-notice': 'NoDataNotices',
    skipped: 'ReportsSkipped',
    failed: 'ReportsFailed',
  }[outcome.status];
  metrics.addMetric(metric, MetricUnit.Count, 1);
  const errcode = errcodeOf(error);
  if (errcode !== undefined) {
    const single = metrics.singleMetric();
    single.addDimension('errcode', String(errcode));
    single.addMetric('WechatApiErrors', MetricUnit.Count, 1);
  }
}

export async function handler(input: unknown): Promise<{ outcomes: AppJobOutcome[] }> {
  const parsed = scheduledJobEventSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'event'} ${i.message}`).join('; ');
    throw new Error(
      `the event must be {"job": "daily" | "monthly" | "retry", "date"?: "YYYY-MM-DD", "month"?: "YYYY-MM", "apps"?: [names]}: ${problems}`,
    );
  }
  const event: ScheduledJobEvent = parsed.data;
  logger.info('job started', { job: event.job, apps: config.apps.length });
  try {
    const outcomes = await runScheduledJob(
      {
        config,
        archive: new S3Archive(s3, bucket, config.archivePrefix.replace(/\/$/, '')),
        ledger: new S3RunLedger(s3, bucket, config.archivePrefix),
        secrets,
        wechat: (appSecrets, app) =>
          createDatacubeClient({
            appid: appSecrets.appid,
            secret: appSecrets.secret,
            // Behind an IP whitelist, tokens come from the user's own token service.
            tokenMode: app.tokenService ? { service: app.tokenService } : 'stable',
            apiBase: config.apiBase ?? process.env.WECHAT_API_BASE,
            logger,
          }),
        channels: channelsFor,
        clock: () => new Date(),
        logger,
        toolVersion: TOOL_VERSION,
        observer: { outcome: record },
      },
      event,
    );
    logger.info('job finished', { outcomes });
    return { outcomes };
  } finally {
    metrics.publishStoredMetrics();
  }
}
