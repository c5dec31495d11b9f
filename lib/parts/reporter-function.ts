import { Duration, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { handlerCode } from '../lambda-bundle.js';
import { serviceHost } from '../regions.js';

/** Where a function runs when the deployment has a fixed egress IP. */
export interface FunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
  /** Lambda checks the network-interface permissions when it creates the function. */
  readonly permissions: iam.Policy;
}

export interface ReporterFunctionOptions {
  /** A handler of `lambda/handlers/`, e.g. `worker-handler.ts`. */
  readonly entry: string;
  readonly role: iam.Role;
  /** The deployment's one log group; the function writes JSON lines to it. */
  readonly logGroup: logs.ILogGroup;
  readonly environment: Record<string, string>;
  /** MB. */
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly description: string;
  /** Invoked asynchronously (by the Scheduler): retried twice, then kept in this queue. @default not invoked asynchronously */
  readonly asyncFailures?: sqs.IQueue;
  /** @default outside any VPC */
  readonly network?: FunctionNetwork;
}

/** One of the deployment's functions: its bundle, Node 24 on ARM64, JSON logs to the deployment's log group. */
export function reporterFunction(scope: Construct, id: string, options: ReporterFunctionOptions): lambda.Function {
  const fn = new lambda.Function(scope, id, {
    code: handlerCode(options.entry),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: options.memorySize,
    timeout: options.timeout,
    role: options.role,
    logGroup: options.logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    description: options.description,
    environment: options.environment,
    vpc: options.network?.vpc,
    vpcSubnets: options.network?.vpcSubnets,
    securityGroups: options.network?.securityGroups,
    // Async invocations (the Scheduler's): retried twice, then kept in a DLQ and alarmed.
    ...(options.asyncFailures
      ? {
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          onFailure: new destinations.SqsDestination(options.asyncFailures),
        }
      : {}),
  });
  if (options.network) fn.node.addDependency(options.network.permissions);
  return fn;
}

/** A function's own role, allowed to write to the deployment's log group and nothing else yet. */
export function functionRole(scope: Construct, id: string, description: string, logGroup: logs.ILogGroup): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return role;
}

/** Use of the parameters' key, only through SSM (the aws/ssm key, whose id is not known at synth, by default). */
export function parameterKeyStatement(stack: Stack, actions: string[], key: kms.IKey | undefined): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions,
    resources: [key?.keyArn ?? stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
    conditions: { StringEquals: { 'kms:ViaService': serviceHost(stack, 'ssm') } },
  });
}

/** Read access to every parameter under the deployment's SSM folder, decrypted through SSM only. */
export function grantParameters(role: iam.IRole, prefix: string, key: kms.IKey | undefined): void {
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      resources: [
        stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${prefix.slice(1)}*` }),
        stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: prefix.slice(1, -1) }),
      ],
    }),
  );
  role.addToPrincipalPolicy(parameterKeyStatement(stack, ['kms:Decrypt'], key));
}
