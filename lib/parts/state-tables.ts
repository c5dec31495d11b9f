import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** A table of the reporter's state: on-demand, point-in-time recovery, encrypted with the AWS-managed key. */
function stateTable(
  scope: Construct,
  id: string,
  props: Pick<dynamodb.TableProps, 'partitionKey' | 'sortKey' | 'timeToLiveAttribute' | 'removalPolicy'>,
): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    ...props,
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
  });
}

export interface ReporterStateTablesProps {
  /**
   * What deleting the stack does to both tables. Keep RETAIN for a real deployment: the registry is
   * the users' data, and a lost ledger lets a re-run send reports a second time.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * A third-party platform's shared tokens too (`PlatformState`, key `pk`, TTL `ttl`): the
   * component token, each authorizer's token and rotated refresh token. Always destroyed with the
   * stack: tokens expire within hours and refresh tokens are on WeChat's authorizer list.
   * @default false
   */
  readonly platform?: boolean;
}

/**
 * The app registry (key `name`: the app's entry, written by `wxa-report apps`) and the ledger (keys
 * `pk`, `sk`: one record per app, job, period and channel; TTL `ttl`). The keys are the code's.
 */
export class ReporterStateTables extends Construct {
  readonly appsTable: dynamodb.Table;
  readonly ledgerTable: dynamodb.Table;
  /** With `platform`. */
  readonly platformTable?: dynamodb.Table;

  constructor(scope: Construct, id: string, props: ReporterStateTablesProps = {}) {
    super(scope, id);
    this.appsTable = stateTable(this, 'Apps', {
      partitionKey: { name: 'name', type: dynamodb.AttributeType.STRING },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.ledgerTable = stateTable(this, 'Ledger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'ttl',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    if (props.platform) {
      this.platformTable = stateTable(this, 'PlatformState', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: 'ttl',
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
  }
}
