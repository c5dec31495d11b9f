// The Glue definitions of the archive's tables live in lambda/sql/athena/glue-tables.ts: the
// construct's template and the compaction function (which points each view at what is compacted)
// build them with the same code.
export {
  curatedTableInput,
  type GlueTableInput,
  rawTableInput,
  viewTableInput,
} from '../../../lambda/sql/athena/glue-tables.js';
