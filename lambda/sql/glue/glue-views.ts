import { GetTableCommand, type GlueClient, type TableInput, UpdateTableCommand } from '@aws-sdk/client-glue';
import type { CompactionViews } from '../../curated/compaction-ports.js';
import { type GlueTableInput, viewTableInput } from '../athena/glue-tables.js';
import type { SqlTable } from '../tables.js';

/** A definition in the Glue API's spelling (the SDK's PascalCase), from CloudFormation's. */
export function toGlueApi(input: GlueTableInput): TableInput {
  const column = (c: { name: string; type: string }) => ({ Name: c.name, Type: c.type });
  const sd = input.storageDescriptor;
  return {
    Name: input.name,
    Description: input.description,
    TableType: input.tableType,
    Parameters: { ...input.parameters },
    ...(input.partitionKeys ? { PartitionKeys: input.partitionKeys.map(column) } : {}),
    StorageDescriptor: {
      ...(sd.location ? { Location: sd.location } : {}),
      Columns: sd.columns.map(column),
      ...(sd.inputFormat ? { InputFormat: sd.inputFormat } : {}),
      ...(sd.outputFormat ? { OutputFormat: sd.outputFormat } : {}),
      ...(sd.serdeInfo ? { SerdeInfo: { SerializationLibrary: sd.serdeInfo.serializationLibrary } } : {}),
    },
    ...(input.viewOriginalText ? { ViewOriginalText: input.viewOriginalText } : {}),
    ...(input.viewExpandedText ? { ViewExpandedText: input.viewExpandedText } : {}),
  };
}

/**
 * Athena's views in the Glue Data Catalog, pointed at the compacted periods: each view reads the
 * curated table for them and the raw table for every other period (glue-tables.ts). Updated only
 * when the periods changed, without archiving a table version each time (`SkipArchive`). A stack
 * update that resets a view to the template's (raw only) stays correct, slower, until the next
 * compaction points it again.
 */
export class GlueViews implements CompactionViews {
  constructor(
    private readonly glue: GlueClient,
    private readonly database: string,
  ) {}

  async update(table: SqlTable, periods: ReadonlySet<string>): Promise<'updated' | 'unchanged'> {
    const input = toGlueApi(viewTableInput(table, this.database, periods));
    const current = await this.glue.send(new GetTableCommand({ DatabaseName: this.database, Name: table.name }));
    if (current.Table?.ViewOriginalText === input.ViewOriginalText) return 'unchanged';
    await this.glue.send(new UpdateTableCommand({ DatabaseName: this.database, TableInput: input, SkipArchive: true }));
    return 'updated';
  }
}
