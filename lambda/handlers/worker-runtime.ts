import { S3Archive } from '../archive/s3/s3-archive.js';
import type { AppConfig } from '../config/deployment-config.js';
import type { Audience } from '../notify/build-channels.js';
import type { EmailSender } from '../notify/email-sender.js';
import type { ReportChannel } from '../notify/report-channel.js';
import type { WebhookKind } from '../notify/webhook/webhook-platform.js';
import { runAppUnit, type UnitDependencies } from '../pipeline/run-app-unit.js';
import { digestEntries, runDigest } from '../pipeline/run-digest.js';
import type { UnitOutcome, WorkUnit } from '../pipeline/work-unit.js';

export { describeIssues } from '../config/deployment-config.js';
export { workUnitSchema } from '../pipeline/work-unit.js';

import type { AppSecrets } from '../secrets/secret-source.js';
import { SsmSecretSource } from '../secrets/ssm/ssm-secret-source.js';
import { AWS_HTTP_OPTIONS } from '../shared/aws-http.js';
import { TOOL_VERSION } from '../shared/version.js';
import { CallGate } from '../wechat/call-gate.js';
import { createDatacubeClient, tokenModeFor } from '../wechat/create-datacube-client.js';
import { archivedApis } from '../wechat/datacube-apis.js';
import { config, ledger, registry } from './deployment.js';
import { logger } from './observability.js';
import { apiBase, platformOf } from './platform.js';

export { config, failures, workQueue } from './deployment.js';

import { CompactionRequests } from '../queue/sqs/compaction-requests.js';
import { sqs } from './aws-clients.js';

/** Where a settled day asks for its compaction, when the deployment compacts (`archive.compact`). */
export const compaction = process.env.WXA_COMPACTION_QUEUE_URL
  ? new CompactionRequests(sqs, process.env.WXA_COMPACTION_QUEUE_URL)
  : undefined;

import { s3Client, ssmClient } from './worker-clients.js';

// The worker's report machinery: the WeChat client, the use cases, the archive and the secrets.
// The handler loads this module with the first unit, so the init phase holds only what every
// invocation needs; channels and renderers load later still, when a report goes out.

const archive = new S3Archive(
  s3Client,
  process.env.WXA_ARCHIVE_BUCKET ?? '',
  config.archivePrefix.replace(/\/$/, ''),
  logger,
);
const secrets = new SsmSecretSource(ssmClient, config.parameterPrefix);
const archiveApis = archivedApis(config.archive.apis);

// Apps reached through the third-party platform share its component token, authorizer tokens and
// refresh tokens with every container (the platform table); its secret and latest ticket are read
// from SSM (at most every 5 minutes).
const platform = platformOf(secrets);

let sender: Promise<EmailSender | undefined> | undefined;
function emailSender(): Promise<EmailSender | undefined> {
  sender ??= (async () => {
    if (!config.email) return undefined;
    if (config.email.transport === 'ses') {
      const [{ SESv2Client }, { SesEmailSender }] = await Promise.all([
        import('@aws-sdk/client-sesv2'),
        import('../notify/ses/ses-email-sender.js'),
      ]);
      return new SesEmailSender(new SESv2Client({ requestHandler: AWS_HTTP_OPTIONS }));
    }
    const { SmtpEmailSender } = await import('../notify/smtp/smtp-email-sender.js');
    return new SmtpEmailSender({
      url: await secrets.smtpUrl(),
      setting: `SSM parameter ${config.parameterPrefix}smtp/url`,
      passwordAlternative:
        "or store it again with wxa-report setup --smtp-url 'smtps://USER@HOST:465' and the password in SMTP_PASSWORD (setup encodes it)",
      missingPassword:
        "store the URL again with wxa-report setup --smtp-url 'smtps://USER@HOST:465' and the password in SMTP_PASSWORD (setup encodes it)",
    });
  })();
  return sender;
}

async function channelsOf(
  audience: Audience,
  webhookSecrets: AppSecrets['webhooks'],
  whereToStore: (kind: WebhookKind) => string,
  whereListed: string,
): Promise<ReportChannel[]> {
  const { buildChannels } = await import('../notify/build-channels.js');
  return buildChannels(audience, {
    emailSender,
    from: config.email?.from ?? '',
    defaultLanguage: config.language,
    defaultColours: config.colours,
    webhookSecrets,
    whereToStore,
    whereListed,
  });
}

function unitDependencies(owner: string): UnitDependencies {
  // WeChat's limits for this invocation's work (a quota, a minute's pause, one forced token refresh).
  // One pause at most: a unit must end within the function's timeout; past it, 45011 is the unit's
  // outcome and the retry schedule comes back later.
  const gate = new CallGate({
    maxPausesPerCall: 1,
    onPause: ({ appid, api, until }) =>
      logger.warn("WeChat's per-minute limit (errcode 45011): every call of the app waits until the next minute", {
        appid,
        api,
        until: until.toISOString(),
      }),
  });
  return {
    registry,
    ledger,
    archive,
    secrets,
    wechat: (app: AppConfig, appSecrets: AppSecrets) =>
      createDatacubeClient(
        {
          appid: appSecrets.appid,
          secret: appSecrets.secret,
          // Behind an IP whitelist, tokens come from the user's own token service.
          tokenMode: tokenModeFor(app, appSecrets.appid, () => platform?.api),
          apiBase,
          gate,
          logger,
        },
        app.tokenMode === 'component' && !app.tokenService ? platform?.tokens : undefined,
      ),
    channels: async (app, appSecrets) =>
      channelsOf(
        app,
        // Apps the platform discovered use its chats unless someone gave them their own.
        app.tokenMode === 'component'
          ? { ...(await secrets.componentWebhooks()), ...appSecrets.webhooks }
          : appSecrets.webhooks,
        (kind) =>
          `${config.parameterPrefix}apps/${app.name}/webhooks/${kind}/url${app.tokenMode === 'component' ? ` or ${config.parameterPrefix}component/webhooks/${kind}/url` : ''} in SSM`,
        "the app's webhooks (wxa-report apps add)",
      ),
    schedule: config.schedule,
    clock: () => new Date(),
    logger,
    toolVersion: TOOL_VERSION,
    owner,
    archiveApis,
  };
}

export async function runUnit(unit: WorkUnit, owner: string): Promise<UnitOutcome> {
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
          'digest.webhooks in the wxaReporter context (cdk.json)',
        ),
    },
    unit.period,
  );
  return outcome;
}

/** Whether every app of the day has settled, so the digest can go. */
export const digestSettled = (date: string) => digestEntries(registry, ledger, date);
