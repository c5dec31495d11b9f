import { ContextProvider, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ContextProvider as ContextProviderType } from 'aws-cdk-lib/cloud-assembly-schema';
import { Construct } from 'constructs';
import { DeploymentConfigError } from '../../lambda/config/deployment-config.js';
import { IMPLICIT_TLS_PORTS } from '../../lambda/notify/smtp/smtp-settings.js';
import { GIVE_THE_STACK_A_REGION, warnAboutRegion } from '../regions.js';
import type { FunctionNetwork } from './reporter-function.js';

export interface ReporterEgressNetworkProps {
  /** The deployment's name, on the Elastic IP's Name tag. @default 'wxa-reporter' */
  readonly name?: string;
  /**
   * The two Availability Zones of the functions' subnets, e.g. `['cn-north-1a', 'cn-north-1b']`:
   * two different zones of the stack's region, by name (not zone IDs such as `cnn1-az1`).
   * @default the first two zones of the stack's account and region as `cdk.context.json` holds them
   * (from an earlier lookup, so an existing VPC keeps its subnets), else the first two that
   * CloudFormation lists at deploy time (`Fn::GetAZs`). Either way synth makes no AWS call.
   */
  readonly availabilityZones?: readonly string[];
}

/** An Availability Zone's name: its region and a letter (`cn-north-1a`). */
const ZONE_NAME = /^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$/;

/**
 * The zones of the VPC: the given ones, checked against the stack's region; else those of an
 * earlier lookup; else resolved at deploy time. Never looked up at synth: that would need AWS
 * credentials whenever the stack has an account.
 */
function zonesFor(stack: Stack, given: readonly string[] | undefined): string[] {
  if (given) return checkedZones(stack, given);
  if (!Token.isUnresolved(stack.account) && !Token.isUnresolved(stack.region)) {
    const { key } = ContextProvider.getKey(stack, { provider: ContextProviderType.AVAILABILITY_ZONE_PROVIDER });
    const cached: unknown = stack.node.tryGetContext(key);
    if (Array.isArray(cached) && cached.length >= 2 && cached.every((z) => typeof z === 'string'))
      return cached.slice(0, 2);
  }
  return [0, 1].map((i) => Fn.select(i, Fn.getAzs()));
}

function checkedZones(stack: Stack, zones: readonly string[]): string[] {
  const region = Token.isUnresolved(stack.region) ? undefined : stack.region;
  const example = (r: string) => `e.g. ["${r}a", "${r}b"]`;
  if (zones.length !== 2 || new Set(zones).size !== 2)
    throw new DeploymentConfigError(
      `availabilityZones must name two different Availability Zones${region ? ` of ${region}, ${example(region)}` : ''}, not ${JSON.stringify(zones)}`,
    );
  const named = zones.filter((zone) => !Token.isUnresolved(zone));
  for (const zone of named) {
    if (!ZONE_NAME.test(zone))
      throw new DeploymentConfigError(
        `availabilityZones: "${zone}" is not the name of an Availability Zone (a region and a letter, ${example(region ?? 'cn-north-1')}; zone IDs such as cnn1-az1 are not names)`,
      );
  }
  const regionOf = (zone: string) => ZONE_NAME.exec(zone)?.[1] as string;
  const elsewhere = named.find((zone) => region !== undefined && regionOf(zone) !== region);
  if (region !== undefined && elsewhere)
    throw new DeploymentConfigError(
      `availabilityZones: ${elsewhere} is a zone of ${regionOf(elsewhere)}, and the stack deploys to ${region}: name two zones of ${region}, ${example(region)}`,
    );
  if (new Set(named.map(regionOf)).size > 1)
    throw new DeploymentConfigError(
      `availabilityZones: ${named.map((zone) => `${zone} is in ${regionOf(zone)}`).join(', ')}: name two zones of the region the stack deploys to`,
    );
  return [...zones];
}

/**
 * Builds the VPC in the given zones without letting CDK look up the stack's zones: ec2.Vpc checks
 * given zones against `stack.availabilityZones`, which with an account set is a lookup that needs
 * credentials even when every zone is given (aws-cdk#21690). For that one check the stack answers
 * with these zones, as the issue's workaround (overriding the getter) does, then it is put back.
 */
function withStackZones<T>(stack: Stack, zones: string[], build: () => T): T {
  const own = Object.getOwnPropertyDescriptor(stack, 'availabilityZones');
  Object.defineProperty(stack, 'availabilityZones', { value: zones, configurable: true });
  try {
    return build();
  } finally {
    if (own) Object.defineProperty(stack, 'availabilityZones', own);
    else Reflect.deleteProperty(stack, 'availabilityZones');
  }
}

/**
 * A fixed egress IP for the functions that call WeChat: a VPC whose private subnets leave through
 * one NAT gateway with an Elastic IP (the address to whitelist), gateway endpoints for S3 and
 * DynamoDB (free, and they keep that traffic off the NAT's per-GB charge), a security group that
 * allows outbound HTTPS and SMTP only, and rejected traffic in flow logs.
 */
export class ReporterEgressNetwork extends Construct implements FunctionNetwork {
  readonly egressIp: ec2.CfnEIP;
  readonly vpc: ec2.Vpc;
  readonly vpcSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  readonly securityGroups: ec2.ISecurityGroup[];
  /**
   * What Lambda needs to put its network interfaces in the VPC, in a policy of its own (not the
   * managed one) so that only this wildcard is acknowledged: a wildcard elsewhere still fails synth.
   * Attach it to a function's role with `allowInterfaces`.
   */
  readonly permissions: iam.Policy;

  constructor(scope: Construct, id: string, props: ReporterEgressNetworkProps = {}) {
    super(scope, id);
    this.egressIp = new ec2.CfnEIP(this, 'EgressIp', {
      domain: 'vpc',
      tags: [{ key: 'Name', value: `${props.name ?? 'wxa-reporter'} egress` }],
    });
    const stack = Stack.of(this);
    const availabilityZones = zonesFor(stack, props.availabilityZones);
    const zoneRegion = props.availabilityZones?.map((zone) => ZONE_NAME.exec(zone)?.[1]).find(Boolean);
    if (zoneRegion && Token.isUnresolved(stack.region))
      warnAboutRegion(
        this,
        'availabilityZonesRegion',
        `availabilityZones are zones of ${zoneRegion}, and the stack's region is not known at synth: deployed to another region, its subnets fail to create; ${GIVE_THE_STACK_A_REGION}`,
      );
    this.vpc = withStackZones(stack, availabilityZones, () => this.network(availabilityZones));
    const securityGroup = new ec2.SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc: this.vpc,
      description: 'wxa-reporter worker: outbound HTTPS only',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'WeChat, AWS APIs, webhooks');
    // Every port the SMTP sender takes as TLS from the first byte (465; 994 at NetEase; 2465 at SES), and 587.
    for (const port of IMPLICIT_TLS_PORTS)
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), 'SMTP over TLS');
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(587), 'SMTP with STARTTLS');
    this.securityGroups = [securityGroup];
    this.permissions = new iam.Policy(this, 'VpcNetworkInterfaces', {
      statements: [
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(this.permissions).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "Lambda's network interfaces in the VPC: EC2 does not scope DescribeNetworkInterfaces to a resource, and the interfaces' ids are Lambda's.",
    });
  }

  /** The VPC: a public and a private subnet in each zone, one NAT gateway with the Elastic IP. */
  private network(availabilityZones: string[]): ec2.Vpc {
    return new ec2.Vpc(this, 'Vpc', {
      availabilityZones,
      natGateways: 1,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: [this.egressIp.attrAllocationId] }),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'worker', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'FlowLogs', {
              retention: logs.RetentionDays.ONE_MONTH,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });
  }

  /** Lets a function with this role run in the VPC. */
  allowInterfaces(role: iam.IRole): void {
    this.permissions.attachToRole(role);
  }
}
