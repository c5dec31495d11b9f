import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ReporterAlarmsProps {
  /** The deployment's name: the topic's display name and each alarm's description start with it. @default 'wxa-reporter' */
  readonly name?: string;
  /** Who gets the alarms by email (they confirm the subscription once). @default no subscription */
  readonly alarmEmail?: string;
}

/**
 * Alarms that need a person, on one SSL-only SNS topic: each fires on the first occurrence in five
 * minutes (a function error, a message in a dead-letter queue) and stays quiet without data.
 */
export class ReporterAlarms extends Construct {
  readonly topic: sns.Topic;
  private readonly name: string;

  constructor(scope: Construct, id: string, props: ReporterAlarmsProps = {}) {
    super(scope, id);
    this.name = props.name ?? 'wxa-reporter';
    this.topic = new sns.Topic(this, 'Alarms', { displayName: `${this.name} alarms`, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only alarm names and states; CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key would cost more than the rest of the stack.',
    });
  }

  /** An alarm when the function itself fails (a crash, a timeout, an unhandled error); `what` says what that means. */
  onErrors(id: string, fn: lambda.IFunction, what: string): cloudwatch.Alarm {
    return this.alarm(id, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), what);
  }

  /** An alarm when a message waits in the queue (a dead-letter queue); `what` says what it means. */
  onMessages(id: string, queue: sqs.IQueue, what: string): cloudwatch.Alarm {
    return this.alarm(
      id,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      what,
    );
  }

  private alarm(id: string, metric: cloudwatch.IMetric, what: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${this.name}: ${what}`,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    return alarm;
  }
}
