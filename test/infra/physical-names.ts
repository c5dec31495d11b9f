import type { Template } from 'aws-cdk-lib/assertions';

/**
 * The properties that name a resource in its account and region, by type: what a second
 * deployment must not repeat. CloudFormation generates the others' names from the stack's.
 */
const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Scheduler::Schedule': 'Name',
  'AWS::Scheduler::ScheduleGroup': 'Name',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::EC2::SecurityGroup': 'GroupName',
  'AWS::Athena::WorkGroup': 'Name',
  'AWS::ApiGatewayV2::Api': 'Name',
};

type Resource = { Type: string; Properties?: Record<string, unknown> };

/**
 * Every physical name a template gives (`glue:db`, `glue:db.table`, `athena:workgroup`,
 * `ssm:/prefix/`, `service:name`, `<type>:<name>`), and the SSM folder its functions read.
 */
export function physicalNamesOf(template: Template): { readonly names: string[]; readonly parameterPrefix: string } {
  const names = new Set<string>();
  let parameterPrefix = '';
  for (const { Type, Properties: p = {} } of Object.values(template.toJSON().Resources as Record<string, Resource>)) {
    const named = NAME_PROPERTIES[Type];
    if (named && typeof p[named] === 'string')
      names.add(`${Type === 'AWS::Athena::WorkGroup' ? 'athena' : Type}:${p[named]}`);
    if (Type === 'AWS::Glue::Database') names.add(`glue:${(p.DatabaseInput as { Name: string }).Name}`);
    if (Type === 'AWS::Glue::Table') names.add(`glue:${p.DatabaseName}.${(p.TableInput as { Name: string }).Name}`);
    const variables = (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    if (typeof variables?.WXA_CONFIG === 'string') {
      parameterPrefix = (JSON.parse(variables.WXA_CONFIG) as { parameterPrefix: string }).parameterPrefix;
      names.add(`ssm:${parameterPrefix}`);
      names.add(`service:${variables.POWERTOOLS_SERVICE_NAME}`);
    }
  }
  return { names: [...names].sort(), parameterPrefix };
}
