import { CreateDatabaseCommand, CreateTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { curatedTableInput, rawTableInput, viewTableInput } from '../../lambda/sql/athena/glue-tables.js';
import { toGlueApi } from '../../lambda/sql/glue/glue-views.js';
import { SQL_TABLES } from '../../lambda/sql/tables.js';
import { MOTO_CREDENTIALS, MOTO_REGION } from './moto.js';

export function glueClientFor(endpoint: string): GlueClient {
  return new GlueClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
}

/** The Glue database and tables the stack's template creates, for an archive at `s3://bucket/prefix/`. */
export async function createAnalyticsTables(glue: GlueClient, database: string, bucket: string, prefix: string) {
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: database } }));
  const base = `s3://${bucket}/${prefix ? `${prefix}/` : ''}`;
  for (const table of SQL_TABLES)
    for (const input of [
      rawTableInput(table, `${base}raw/${table.folder}/`),
      curatedTableInput(table, `${base}curated/${table.name}/_symlink/`),
      viewTableInput(table, database),
    ])
      await glue.send(new CreateTableCommand({ DatabaseName: database, TableInput: toGlueApi(input) }));
}
