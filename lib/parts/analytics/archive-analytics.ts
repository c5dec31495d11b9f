import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DeploymentConfigError } from '../../../lambda/config/deployment-config.js';
import { SQL_TABLES } from '../../../lambda/sql/tables.js';
import { curatedTableInput, rawTableInput, viewTableInput } from './glue-tables.js';

export interface ArchiveAnalyticsProps {
  /** The archive bucket. */
  readonly bucket: s3.IBucket;
  /** Key prefix inside the archive bucket. @default none */
  readonly prefix?: string;
  /** Glue database name: lowercase letters, digits and underscores. @default wxa_reporter */
  readonly databaseName?: string;
  /** The Athena workgroup's name (one per account and region). @default `<database name with "-">-<stack name>` */
  readonly workGroupName?: string;
  /** Athena refuses queries that would scan more than this. @default 1 GB */
  readonly bytesScannedCutoffPerQuery?: number;
  /** Where the results bucket logs its access. @default no access logs */
  readonly accessLogsBucket?: s3.IBucket;
}

/**
 * SQL over the archive in Athena: one Glue table per API over its raw JSON (partition projection),
 * one over its compacted Parquet files (a symlink list the compaction replaces), one view per table
 * with the rows and columns `wxa-report query` has locally, a workgroup whose results are encrypted
 * and whose queries are capped, and named queries for the usual questions. The tables' Glue
 * definitions are `glue-tables.ts`; the compaction function (`ArchiveCompaction`) points each view
 * at the curated table for the periods it compacted.
 */
export class ArchiveAnalytics extends Construct {
  readonly database: glue.CfnDatabase;
  readonly databaseName: string;
  readonly workGroup: athena.CfnWorkGroup;
  readonly workGroupName: string;
  readonly resultsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ArchiveAnalyticsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.databaseName = props.databaseName ?? 'wxa_reporter';
    if (!/^[a-z0-9_]{1,255}$/.test(this.databaseName))
      throw new DeploymentConfigError(
        `analytics.databaseName "${this.databaseName}" must be lowercase letters, digits and underscores`,
      );
    this.workGroupName =
      props.workGroupName ?? `${this.databaseName.replaceAll('_', '-')}-${stack.stackName}`.slice(0, 128);
    const prefix = props.prefix ?? '';
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: this.databaseName, description: 'wxa-reporter: raw WeChat datacube answers' },
    });

    for (const table of SQL_TABLES) {
      const location = `s3://${props.bucket.bucketName}/${prefix}raw/${table.folder}/`;
      const raw = new glue.CfnTable(this, `${table.name}Raw`, {
        catalogId: stack.account,
        databaseName: this.databaseName,
        tableInput: rawTableInput(table, location),
      });
      raw.addResourceDependency(this.database);
      const view = new glue.CfnTable(this, `${table.name}View`, {
        catalogId: stack.account,
        databaseName: this.databaseName,
        tableInput: viewTableInput(table, this.databaseName),
      });
      view.addResourceDependency(raw);
      // The compacted layer: empty until a compaction writes its symlink list; the compaction
      // function then points the view at it for the periods compacted.
      const curated = new glue.CfnTable(this, `${table.name}Curated`, {
        catalogId: stack.account,
        databaseName: this.databaseName,
        tableInput: curatedTableInput(
          table,
          `s3://${props.bucket.bucketName}/${prefix}curated/${table.name}/_symlink/`,
        ),
      });
      curated.addResourceDependency(this.database);
      view.addResourceDependency(curated);
    }

    this.resultsBucket = new s3.Bucket(this, 'Results', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // Kept like the archive (a non-empty bucket cannot be deleted by CloudFormation); results expire in 30 days.
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.accessLogsBucket
        ? { serverAccessLogsBucket: props.accessLogsBucket, serverAccessLogsPrefix: 'athena-results/' }
        : {}),
    });
    if (!props.accessLogsBucket) {
      Validations.of(this.resultsBucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Query results only, kept 30 days; with a bring-your-own archive bucket there is no access-log bucket of ours to log into.',
      });
    }

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'wxa-reporter: SQL over the raw archive',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? 1_000_000_000,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    for (const [name, description, sql] of NAMED_QUERIES) {
      const query = new athena.CfnNamedQuery(this, name.replaceAll(' ', ''), {
        name: `wxa-reporter: ${name}`,
        description,
        database: this.databaseName,
        workGroup: this.workGroup.ref,
        queryString: sql,
      });
      query.addResourceDependency(this.workGroup);
    }
  }
}

/**
 * The questions users ask, as Athena named queries (the same SQL runs in `wxa-report query`). The
 * AppID is a `?` parameter: partition projection needs it in every query.
 */
export const NAMED_QUERIES: readonly (readonly [string, string, string])[] = [
  [
    'Daily visitors trend',
    'Visitors, new users and visits per day over the last 30 days',
    "SELECT dt, visit_uv, visit_uv_new, visit_pv FROM daily_visit_trend WHERE appid = ? AND dt >= date_format(current_date - interval '30' day, '%Y-%m-%d') ORDER BY dt",
  ],
  [
    'Seven day average',
    'Visitors per day and their 7-day moving average',
    'SELECT dt, visit_uv, round(avg(visit_uv) OVER (ORDER BY dt ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)) AS visit_uv_7d FROM daily_visit_trend WHERE appid = ? ORDER BY dt',
  ],
  [
    'Retention by cohort',
    "Each month's new and active users, and how many came back the month after",
    'SELECT c.month, c.visit_uv_new AS new_users, n.visit_uv_new AS new_users_retained, round(100.0 * n.visit_uv_new / nullif(c.visit_uv_new, 0), 1) AS new_retention_pct, c.visit_uv AS active_users, n.visit_uv AS active_users_retained FROM monthly_retain c LEFT JOIN monthly_retain n ON n.appid = c.appid AND n.month = c.month AND n.key = 1 WHERE c.appid = ? AND c.key = 0 ORDER BY c.month',
  ],
  [
    'Top pages',
    'The most visited pages over the last 7 days',
    "SELECT page_path, sum(page_visit_pv) AS visits, sum(page_visit_uv) AS visitors, sum(entrypage_pv) AS entries, sum(exitpage_pv) AS exits FROM visit_page WHERE appid = ? AND dt >= date_format(current_date - interval '7' day, '%Y-%m-%d') GROUP BY page_path ORDER BY visits DESC LIMIT 20",
  ],
];
