import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { WxaReporter, type WxaReporterProps } from './wxa-reporter.js';

export interface WxaReporterStackProps extends StackProps, WxaReporterProps {}

/** The deployable stack: one WxaReporter and the outputs a user needs after `cdk deploy`. */
export class WxaReporterStack extends Stack {
  readonly reporter: WxaReporter;

  constructor(scope: Construct, id: string, props: WxaReporterStackProps) {
    super(scope, id, props);
    this.reporter = new WxaReporter(this, 'Reporter', props);
    new CfnOutput(this, 'ArchiveBucket', {
      value: this.reporter.bucket.bucketName,
      description: 'raw WeChat responses',
    });
    new CfnOutput(this, 'FunctionName', {
      value: this.reporter.dispatcher.functionName,
      description:
        'the dispatcher: aws lambda invoke --function-name <this> --payload \'{"job":"daily"}\' --cli-binary-format raw-in-base64-out out.json',
    });
    new CfnOutput(this, 'WorkerFunctionName', { value: this.reporter.function.functionName });
    new CfnOutput(this, 'AppsTable', {
      value: this.reporter.appsTable.tableName,
      description: 'the app registry: wxa-report apps add|list|show|remove --table <this>',
    });
    new CfnOutput(this, 'LedgerTable', { value: this.reporter.ledgerTable.tableName });
    new CfnOutput(this, 'FailedUnitsQueue', {
      value: this.reporter.failureQueue.queueUrl,
      description: 'units that failed for good, each naming app, job, period and reason',
    });
    new CfnOutput(this, 'LogGroup', { value: this.reporter.function.logGroup.logGroupName });
    new CfnOutput(this, 'AlarmTopic', { value: this.reporter.alarmTopic.topicArn });
    new CfnOutput(this, 'ParameterPrefix', {
      value: this.reporter.config.parameterPrefix,
      description: "the SSM folder of this deployment's secrets: wxa-report setup|apps add --prefix <this>",
    });
    if (this.reporter.egressIp) {
      new CfnOutput(this, 'EgressIp', {
        value: this.reporter.egressIp.ref,
        description:
          "every WeChat call leaves from this address: add it to the Mini Programs' or the platform's IP whitelist",
      });
    }
    if (this.reporter.platform) {
      new CfnOutput(this, 'ComponentEventUrl', {
        value: this.reporter.platform.endpointUrl,
        description: "the platform's authorization event URL (授权事件接收URL): set it on the open platform's page",
      });
      if (this.reporter.platform.api) {
        new CfnOutput(this, 'PlatformApiId', {
          value: this.reporter.platform.api.apiId,
          description: 'the HTTP API in front of the platform function: map a custom domain to its $default stage',
        });
      }
    }
    if (this.reporter.analytics) {
      new CfnOutput(this, 'AthenaWorkGroup', {
        value: this.reporter.analytics.workGroup.ref,
        description: 'SQL over the archive: pick this workgroup in the Athena console',
      });
      new CfnOutput(this, 'GlueDatabase', { value: this.reporter.analytics.databaseName });
    }
    if (this.reporter.compaction) {
      new CfnOutput(this, 'CompactionFunctionName', {
        value: this.reporter.compaction.function.functionName,
        description:
          'the compaction, on demand: aws lambda invoke --function-name <this> --payload \'{"job":"compact"}\' --cli-binary-format raw-in-base64-out out.json',
      });
    }
  }
}
