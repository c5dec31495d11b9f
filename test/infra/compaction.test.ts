import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SQL_TABLES } from '../../lambda/sql/tables.js';
import { buildStack, COMPACT_CONFIG, resourceNamed, type TemplateResource } from './stack-fixture.js';

let template: Template;
let outdir: string;
beforeAll(() => {
  const { app, stack } = buildStack({ config: { ...COMPACT_CONFIG, archivePrefix: 'wxa/' } });
  template = Template.fromStack(stack);
  outdir = app.outdir;
});

type Resource = TemplateResource;
const named = (type: string, prefix: string): Resource => resourceNamed(template, type, prefix);
const compaction = () => named('AWS::Lambda::Function', 'ReporterCompactionFunction');
const statements = (rolePrefix: string) =>
  Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(rolePrefix))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } })
          .Properties.PolicyDocument.Statement,
    );

describe('the compaction step (archive.compact)', () => {
  it('is a function of its own: x86_64 for DuckDB, Node 24, 15 minutes, 10 GiB of /tmp, JSON logs to the deployment log group', () => {
    expect(compaction().Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['x86_64'],
      Timeout: 900,
      MemorySize: 2048,
      EphemeralStorage: { Size: 10240 },
      LoggingConfig: expect.objectContaining({ LogFormat: 'JSON' }),
      Environment: {
        Variables: expect.objectContaining({ WXA_ARCHIVE_PREFIX: 'wxa/', WXA_GLUE_DATABASE: 'wxa_reporter' }),
      },
    });
  });

  it("carries DuckDB's linux-x64 binding beside its bundle, and the worker carries none of it", () => {
    const asset = (resource: Resource) =>
      join(outdir, `asset.${((resource.Properties.Code as { S3Key: string }).S3Key ?? '').replace(/\.zip$/, '')}`);
    const compact = asset(compaction());
    const worker = asset(named('AWS::Lambda::Function', 'ReporterFunction'));

    expect(existsSync(join(compact, 'node_modules/@duckdb/node-bindings-linux-x64/duckdb.node'))).toBe(true);
    expect(statSync(join(compact, 'node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so')).size).toBeGreaterThan(
      10_000_000,
    );
    expect(existsSync(join(compact, 'node_modules/@duckdb/node-api/package.json'))).toBe(true);
    expect(existsSync(join(worker, 'node_modules'))).toBe(false);
    const chunks = readdirSync(worker).filter((f) => f.endsWith('.mjs'));
    expect(chunks.some((f) => readFileSync(join(worker, f), 'utf8').includes('@duckdb/'))).toBe(false);
  });

  it('takes requests from a FIFO queue (one at a time, the same request once), with a dead-letter queue', () => {
    const queues = template.findResources('AWS::SQS::Queue', { Properties: { FifoQueue: true } });

    expect(Object.values(queues).map((q) => (q as Resource).Properties.ContentBasedDeduplication)).toEqual([
      undefined,
      true,
    ]);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^ReporterCompactionFunction') },
      BatchSize: 1,
      // A run blocked by another compaction hands its request back without an error.
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('is asked by the worker when a day settles, and by a schedule after the cut-off', () => {
    const worker = named('AWS::Lambda::Function', 'ReporterFunction');

    expect((worker.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toHaveProperty(
      'WXA_COMPACTION_QUEUE_URL',
    );
    expect(
      statements('ReporterRole').some(
        (s) => [s.Action].flat().includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes('Compaction'),
      ),
    ).toBe(true);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 18 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      Target: Match.objectLike({
        Input: '{"job":"compact","reason":"schedule"}',
        SqsParameters: { MessageGroupId: 'compaction' },
      }),
    });
  });

  it('may read raw/, provenance/ and replaced/, write only curated/, and update only the ten views', () => {
    const granted = statements('ReporterCompactionRole');
    const on = (action: string) =>
      JSON.stringify(granted.filter((s) => [s.Action].flat().includes(action)).map((s) => s.Resource));

    expect(on('s3:GetObject')).toMatch(/wxa\/raw\/\*.*wxa\/replaced\/\*.*wxa\/provenance\/\*.*wxa\/curated\/\*/);
    expect(on('s3:PutObject')).toMatch(/wxa\/curated\/\*"/);
    expect(on('s3:PutObject')).not.toMatch(/raw/);
    expect(on('s3:DeleteObject')).toMatch(/wxa\/curated\/\*.*wxa\/replaced\/\*/);
    expect(on('s3:DeleteObject')).not.toMatch(/raw/);
    for (const table of SQL_TABLES) expect(on('glue:UpdateTable')).toContain(`:table/wxa_reporter/${table.name}"`);
    expect(on('glue:UpdateTable')).not.toMatch(/_raw|_curated|\*/);
  });

  it('raises an alarm when it fails, or a request fails for good', () => {
    const descriptions = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => (a as Resource).Properties.AlarmDescription,
    );

    expect(descriptions).toEqual(
      expect.arrayContaining([
        'wxa-reporter: the compaction failed: the curated layer lags behind raw (queries stay right, only slower); its log says why',
        'wxa-reporter: a compaction request failed five times: see the compaction function log',
      ]),
    );
  });

  it('expires the versions its superseded files leave after a day, not ninety', () => {
    const rules = (named('AWS::S3::Bucket', 'ReporterArchive').Properties.LifecycleConfiguration as { Rules: object[] })
      .Rules;

    expect(rules).toContainEqual({
      Id: 'curated-superseded',
      Prefix: 'wxa/curated/',
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      Status: 'Enabled',
    });
  });

  it('names the function to invoke on demand in an output', () => {
    template.hasOutput('CompactionFunctionName', {
      Value: { Ref: Match.stringLikeRegexp('^ReporterCompactionFunction') },
      Description: Match.stringLikeRegexp(`--payload '\\{"job":"compact"\\}'`),
    });
  });

  it('is not deployed unless the config asks', () => {
    const plain = Template.fromStack(buildStack().stack);

    expect(Object.keys(plain.findResources('AWS::Lambda::Function')).filter((id) => id.includes('Compaction'))).toEqual(
      [],
    );
    plain.resourcePropertiesCountIs('AWS::SQS::Queue', { FifoQueue: true }, 0);
  });
});
