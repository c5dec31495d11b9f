import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DeploymentConfigError } from '../lambda/config/deployment-config.js';
import { addStacksFromContext } from '../lib/app-context.js';

// A configuration mistake (the construct throws DeploymentConfigError naming each field, or the -c
// value is not JSON) is the user's to fix, not a crash: one line on stderr, no stack trace.
process.on('uncaughtException', (error) => {
  const problem =
    error instanceof DeploymentConfigError
      ? error.message
          .replace(
            /^(the stack \S+: )?wxa-reporter config is invalid:\s*(-\s*)?/,
            '$1the wxaReporter context (cdk.json or -c) is invalid: ',
          )
          .replace(/\s*\n\s*-\s*/g, '; ')
      : error instanceof SyntaxError && /JSON/.test(error.message)
        ? `the wxaReporter context (-c wxaReporter='{…}') is not valid JSON: ${error.message}`
        : undefined;
  process.stderr.write(problem ? `wxa-reporter: ${problem.replace(/\s*\n\s*/g, ' ')}\n` : `${error.stack ?? error}\n`);
  process.exit(1);
});

// The CDK app's composition root. The configuration is the context in cdk.json (or -c key=value):
// "wxaReporter", and "stacks" for several deployments in one account (see lib/app-context.ts);
// every field is validated before anything is synthesized. The CDK CLI sets CDK_DEFAULT_REGION
// itself (from AWS_REGION, the profile, or us-east-1): set the region with AWS_REGION or --profile.
const app = new App();
addStacksFromContext(app, { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });

// cdk-nag 3: an unacknowledged AwsSolutions error fails `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
