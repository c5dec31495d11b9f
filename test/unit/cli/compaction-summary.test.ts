import { describe, expect, it } from 'vitest';
import { compactionSummary } from '../../../cli/compaction.js';
import type { CompactionResult } from '../../../lambda/pipeline/compact-archive.js';

const result = (months: CompactionResult['months']): CompactionResult => ({
  complete: true,
  months,
  unreadable: [],
  strays: [],
  files: 27,
  removed: 0,
  viewsUpdated: 0,
});

describe('compactionSummary', () => {
  it('counts only the month files written, and says which months left the curated layer', () => {
    // Prepare: April's every answer removed from raw/; one day of May compacted.
    const months = [
      { table: 'daily_visit_trend', month: '2026-04', read: 0, replaced: 0, removed: 30, rows: 0, bytes: 0, file: '' },
      {
        table: 'daily_visit_trend',
        month: '2026-05',
        read: 1,
        replaced: 0,
        removed: 0,
        rows: 2,
        bytes: 900,
        file: 'curated/daily_visit_trend/month=2026-05/part-x.parquet',
      },
    ] as const;

    // Act
    const line = compactionSummary(result([...months]), 0.4);

    // Assess
    expect(line).toBe(
      'Compacted 1 answer(s) (30 removed from raw/ left out) into 1 month file(s) of 1 table(s) in 0.4 s; 1 month(s) left the curated layer (every answer removed from raw/); the curated layer has 27 month file(s)',
    );
  });
});
