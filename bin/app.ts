import { App } from 'aws-cdk-lib';
import { WxaReporterStack } from '../lib/wxa-reporter-stack.js';

// The CDK app's composition root. The stack itself arrives with the deployment issue.
const app = new App();
new WxaReporterStack(app, 'WxaReporter', {
  description: 'wxa-reporter: WeChat Mini Program reports and raw-data archive',
});
app.synth();
