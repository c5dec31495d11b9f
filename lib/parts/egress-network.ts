import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { IMPLICIT_TLS_PORTS } from '../../lambda/notify/smtp/smtp-settings.js';
import type { FunctionNetwork } from './reporter-function.js';

export interface ReporterEgressNetworkProps {
  /** The deployment's name, on the Elastic IP's Name tag. @default 'wxa-reporter' */
  readonly name?: string;
  /**
   * The two Availability Zones of the functions' subnets, e.g. `['cn-north-1a', 'cn-north-1b']`.
   * @default the stack's: `WxaReporterStack` resolves them at deploy time (`Fn::GetAZs`), so synth
   * needs no AWS credentials; another stack with an account and region looks them up as CDK does
   */
  readonly availabilityZones?: readonly string[];
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
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ...(props.availabilityZones ? { availabilityZones: [...props.availabilityZones] } : { maxAzs: 2 }),
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

  /** Lets a function with this role run in the VPC. */
  allowInterfaces(role: iam.IRole): void {
    this.permissions.attachToRole(role);
  }
}
