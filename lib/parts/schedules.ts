import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../../lambda/config/deployment-config.js';
import { deadLetterQueue } from './dead-letter-queue.js';

export interface ReporterSchedulesProps {
  /** What the daily, monthly and retry schedules invoke, with `{"job": …}`. */
  readonly dispatcher: lambda.IFunction;
  /** When, in which IANA time zone (EventBridge Scheduler evaluates the cron expressions in it). */
  readonly schedule: Pick<DeploymentConfig['schedule'], 'timeZone' | 'daily' | 'monthly' | 'retry'>;
  /** The deployment's name, in the schedules' descriptions. @default 'wxa-reporter' */
  readonly name?: string;
}

/**
 * EventBridge Scheduler schedules in the configured time zone (Asia/Shanghai by default): the daily
 * job, the monthly one, and the retries of runs that found no data yet. Each invokes its function
 * asynchronously through a role of its own (from this account only), is retried three times within
 * an hour, and what the Scheduler cannot deliver goes to a dead-letter queue.
 */
export class ReporterSchedules extends Construct {
  /** Runs the Scheduler could not deliver. */
  readonly deadLetterQueue: sqs.Queue;
  /** The Scheduler's role: invoke the targets, nothing else. */
  readonly role: iam.Role;
  readonly daily: scheduler.Schedule;
  readonly monthly: scheduler.Schedule;
  readonly retry: scheduler.Schedule;
  private readonly props: ReporterSchedulesProps;

  constructor(scope: Construct, id: string, props: ReporterSchedulesProps) {
    super(scope, id);
    this.props = props;
    this.deadLetterQueue = deadLetterQueue(this, 'SchedulerDlq', 'schedule runs the Scheduler could not deliver');
    // Our own Scheduler role (not the stack-wide shared one), so its grants stay inside this construct.
    this.role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'wxa-reporter: lets EventBridge Scheduler invoke the dispatcher',
    });
    const { daily, monthly, retry } = props.schedule;
    this.daily = this.add('DailySchedule', { job: 'daily', expression: daily, target: props.dispatcher });
    this.monthly = this.add('MonthlySchedule', { job: 'monthly', expression: monthly, target: props.dispatcher });
    this.retry = this.add('RetrySchedule', { job: 'retry', expression: retry, target: props.dispatcher });
  }

  /**
   * A message on schedule: `body` put on `queue` (a FIFO queue, in `messageGroupId`) at `expression`
   * in the time zone, with the same retries and dead-letter queue as the invocations.
   */
  addMessage(
    id: string,
    options: { expression: string; queue: sqs.IQueue; body: object; messageGroupId: string; what: string },
  ): scheduler.Schedule {
    const zone = this.props.schedule.timeZone;
    return new scheduler.Schedule(this, id, {
      description: `${this.props.name ?? 'wxa-reporter'} ${options.what} (${options.expression} ${zone})`,
      schedule: scheduler.ScheduleExpression.expression(options.expression, TimeZone.of(zone)),
      target: new targets.SqsSendMessage(options.queue, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromObject(options.body),
        messageGroupId: options.messageGroupId,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
  }

  /** Another job on schedule: `target` is invoked with `{"job": job}` at `expression` in the time zone. */
  add(
    id: string,
    options: { job: string; expression: string; target: lambda.IFunction; what?: string },
  ): scheduler.Schedule {
    const zone = this.props.schedule.timeZone;
    return new scheduler.Schedule(this, id, {
      description: `${this.props.name ?? 'wxa-reporter'} ${options.what ?? options.job} (${options.expression} ${zone})`,
      schedule: scheduler.ScheduleExpression.expression(options.expression, TimeZone.of(zone)),
      target: new targets.LambdaInvoke(options.target, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromObject({ job: options.job }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
  }
}
