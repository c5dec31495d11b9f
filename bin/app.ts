import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DeploymentConfigError, type DeploymentConfigInput } from '../lambda/config/deployment-config.js';
import { WxaReporterStack } from '../lib/wxa-reporter-stack.js';

// A configuration mistake (the construct throws DeploymentConfigError naming each field, or the -c
// value is not JSON) is the user's to fix, not a crash: one line on stderr, no stack trace.
process.on('uncaughtException', (error) => {
  const problem =
    error instanceof DeploymentConfigError
      ? error.message
          .replace(/^wxa-reporter config is invalid:\s*-\s*/, 'the wxaReporter context (cdk.json or -c) is invalid: ')
          .replace(/\s*\n\s*-\s*/g, '; ')
      : error instanceof SyntaxError && /JSON/.test(error.message)
        ? `the wxaReporter context (-c wxaReporter='{…}') is not valid JSON: ${error.message}`
        : undefined;
  process.stderr.write(problem ? `wxa-reporter: ${problem.replace(/\s*\n\s*/g, ' ')}\n` : `${error.stack ?? error}\n`);
  process.exit(1);
});

// The CDK app's composition root. The configuration is the "wxaReporter" context in cdk.json
// (or -c wxaReporter='{…}'); every field is validated before anything is synthesized.
const app = new App();
const raw = app.node.tryGetContext('wxaReporter') as DeploymentConfigInput | string | undefined;
const config = (typeof raw === 'string' ? JSON.parse(raw) : raw) as DeploymentConfigInput;
const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;

new WxaReporterStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? 'WxaReporter', {
  description: 'wxa-reporter: WeChat Mini Program reports and raw-data archive',
  config,
  alarmEmail: alarmEmail || undefined,
  encryption: app.node.tryGetContext('archiveEncryption') === 'KMS' ? 'KMS' : 'S3_MANAGED',
  fixedEgressIp: app.node.tryGetContext('fixedEgressIp') === true || app.node.tryGetContext('fixedEgressIp') === 'true',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// cdk-nag 3: an unacknowledged AwsSolutions error fails `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
