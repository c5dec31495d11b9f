import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stacksFromContext } from '../lib/app-context.js';
import { WxaReporterStack } from '../lib/wxa-reporter-stack.js';

// The CDK app's composition root. The configuration is the context in cdk.json (or -c key=value):
// "wxaReporter", and "stacks" for several deployments in one account (see lib/app-context.ts);
// every field is validated before anything is synthesized.
const app = new App();
for (const { id, props } of stacksFromContext((key) => app.node.tryGetContext(key))) {
  new WxaReporterStack(app, id, {
    description: 'wxa-reporter: WeChat Mini Program reports and raw-data archive',
    ...props,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
}

// cdk-nag 3: an unacknowledged AwsSolutions error fails `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
