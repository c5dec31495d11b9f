import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { availability, GIVE_THE_STACK_A_REGION, refuse, regionsWithout, warnAboutRegion } from '../regions.js';
import type { ReporterEgressNetwork } from './egress-network.js';
import type { ReporterFanOut } from './fan-out.js';
import { functionRole, grantParameters, parameterKeyStatement, reporterFunction } from './reporter-function.js';
import type { ReporterStateTables } from './state-tables.js';

/**
 * How WeChat reaches the platform function. Both hand it the same request (payload format 2.0)
 * and get the same answer; the function checks every push the same way.
 * - `FUNCTION_URL`: a Lambda Function URL (free; not offered in the AWS China and GovCloud regions
 *   nor in most regions opened since 2022: `NOT_OFFERED.functionUrl` in `lib/regions.ts`).
 * - `HTTP_API`: an Amazon API Gateway HTTP API with one route, `POST /` (offered in every region;
 *   $1 per million requests; a custom domain can be put in front).
 */
export type PlatformEndpointType = 'FUNCTION_URL' | 'HTTP_API';

/**
 * The endpoint asked for, refused where Lambda offers no Function URLs; or, unset, the one the
 * stack's region offers: a Function URL where it is offered, an HTTP API where it is not and in a
 * region this version does not know (the regions opened since 2022 came without Function URLs). A
 * stack without a region at synth keeps a Function URL (what such a stack always had, so its URL
 * does not change), with a warning that says where CloudFormation would refuse it.
 */
export function platformEndpointFor(scope: Construct, asked: PlatformEndpointType | undefined): PlatformEndpointType {
  const stack = Stack.of(scope);
  const functionUrls = availability(stack, 'functionUrl');
  if (asked === 'FUNCTION_URL' && functionUrls === 'not-offered')
    refuse(
      stack,
      'platformEndpoint "FUNCTION_URL"',
      'functionUrl',
      'leave platformEndpoint unset or set "HTTP_API" (API Gateway)',
    );
  if (asked) return asked;
  if (functionUrls === 'region-unset')
    warnAboutRegion(
      scope,
      'platformEndpointRegion',
      `the region is not known at synth, so the platform endpoint is a Lambda Function URL; deployed to a region without them (${regionsWithout('functionUrl')}) the stack fails to deploy: ${GIVE_THE_STACK_A_REGION}, or set platformEndpoint: "HTTP_API"`,
    );
  if (functionUrls === 'region-unknown')
    warnAboutRegion(
      scope,
      'platformEndpointNewRegion',
      `${stack.region} is not among the regions this version knows, so the platform endpoint is an API Gateway HTTP API (offered everywhere; the regions opened since 2022 have no Function URLs); set platformEndpoint: "FUNCTION_URL" if Lambda offers Function URLs there`,
    );
  return functionUrls === 'offered' || functionUrls === 'region-unset' ? 'FUNCTION_URL' : 'HTTP_API';
}

export interface ReporterPlatformEndpointProps {
  /** The platform's functions share the fan-out's log group and environment. */
  readonly fanOut: ReporterFanOut;
  /** The registry (written here), the ledger (read) and the platform's shared tokens (`platform: true`). */
  readonly state: ReporterStateTables;
  /** The deployment's SSM folder: the platform's secrets are read from it and the ticket is written to it. */
  readonly parameterPrefix: string;
  /** The KMS key of the SecureString parameters. @default the AWS-managed aws/ssm key */
  readonly parameterKey?: kms.IKey;
  /**
   * How WeChat reaches the function; `FUNCTION_URL` is refused where Lambda does not offer it.
   * @default the one the stack's region offers: 'FUNCTION_URL' where Lambda offers Function URLs,
   * else 'HTTP_API' (see `platformEndpointFor`)
   */
  readonly endpoint?: PlatformEndpointType;
  /** Run the function in this network (the platform's IP whitelist). @default outside any VPC */
  readonly network?: ReporterEgressNetwork;
  /** The deployment's name, in the API's name. @default 'wxa-reporter' */
  readonly name?: string;
  /** How long the HTTP API's access log is kept. @default one month */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A WeChat third-party platform's side of the deployment: the function behind the platform's
 * authorization event URL (授权事件接收URL), which takes `component_verify_ticket` every 10 minutes
 * and the authorization events, and also runs the daily discovery of the platform's authorizers.
 * It alone writes the ticket (SSM) and the registry. WeChat calls it without AWS credentials: every
 * push is authenticated by its `msg_signature` and AES decryption with the platform's keys, capped
 * in size, and refused when stale or replayed.
 */
export class ReporterPlatformEndpoint extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  /** With `endpoint: 'FUNCTION_URL'`. */
  readonly url?: lambda.FunctionUrl;
  /** With `endpoint: 'HTTP_API'`. */
  readonly api?: apigwv2.HttpApi;
  /** The authorization event URL to set on the open platform's page, whichever the endpoint. */
  readonly endpointUrl: string;

  constructor(scope: Construct, id: string, props: ReporterPlatformEndpointProps) {
    super(scope, id);
    const { fanOut, state } = props;
    const table = state.platformTable;
    if (!table) throw new Error('ReporterPlatformEndpoint needs state tables made with platform: true');
    const stack = Stack.of(this);
    this.role = functionRole(
      this,
      'PlatformRole',
      'wxa-reporter platform: take WeChat pushes, store the ticket, keep the registry in step',
      fanOut.logGroup,
    );
    props.network?.allowInterfaces(this.role);
    this.function = reporterFunction(this, 'Platform', {
      entry: 'platform-handler.ts',
      role: this.role,
      logGroup: fanOut.logGroup,
      environment: { ...fanOut.environment },
      memorySize: 256,
      timeout: Duration.minutes(5),
      description:
        "wxa-reporter: the platform's authorization event URL (tickets, authorization events) and its daily discovery",
      network: props.network,
    });
    state.appsTable.grantReadWriteData(this.role);
    state.ledgerTable.grantReadData(this.role);
    table.grantReadWriteData(this.role);
    grantParameters(this.role, props.parameterPrefix, props.parameterKey);
    const ticketParameter = stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: `${props.parameterPrefix.slice(1)}component/verify-ticket`,
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: [ticketParameter] }));
    this.role.addToPolicy(parameterKeyStatement(stack, ['kms:Encrypt', 'kms:GenerateDataKey'], props.parameterKey));

    if (platformEndpointFor(this, props.endpoint) === 'FUNCTION_URL') {
      this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
      this.endpointUrl = this.url.url;
    } else {
      const { api, stage } = this.httpApi(props.name ?? 'wxa-reporter', props.logRetention);
      this.api = api;
      this.endpointUrl = stage.url;
    }
  }

  /** An HTTP API whose one route, `POST /`, hands the request to the function; its `$default` stage. */
  private httpApi(
    name: string,
    logRetention: logs.RetentionDays | undefined,
  ): { api: apigwv2.HttpApi; stage: apigwv2.HttpStage } {
    const api = new apigwv2.HttpApi(this, 'PlatformApi', {
      apiName: `${name}-platform`,
      description: "wxa-reporter: the third-party platform's authorization event URL",
      createDefaultStage: false,
    });
    const [route] = api.addRoutes({
      path: '/',
      methods: [apigwv2.HttpMethod.POST],
      // Payload format 2.0: the request a Function URL hands over, field for field.
      integration: new HttpLambdaIntegration('PlatformIntegration', this.function),
    });
    if (route) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          "WeChat pushes without AWS credentials; the function authenticates each push by its msg_signature (SHA-1 over the platform's token, timestamp, nonce and ciphertext) and AES decryption, and refuses stale and replayed ones.",
      });
    }
    const accessLogs = new logs.LogGroup(this, 'PlatformApiAccessLogs', {
      retention: logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = new apigwv2.HttpStage(this, 'PlatformApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      // WeChat pushes a ticket every 10 minutes and an event per authorization: a flood is not WeChat.
      throttle: { rateLimit: 10, burstLimit: 20 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // The path and not the query string: the query carries the push's signature.
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            length: '$context.responseLength',
            latency: '$context.integrationLatency',
            error: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    return { api, stage };
  }
}
