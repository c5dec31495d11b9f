import * as z from 'zod/mini';
import { isValidIsoDate } from '../calendar/beijing-calendar.js';
import { describeIssues, knownFields } from '../config/deployment-config.js';

const day = z.string().check(z.refine(isValidIsoDate, 'must be a date YYYY-MM-DD'));

/**
 * What the compaction function is asked to do: by the worker when a day's units have settled
 * (`settled`), by the daily schedule after the cut-off, by itself to go on after its time ran out
 * (`continued`), or by a person (`aws lambda invoke … --payload '{"job":"compact","from":…}'`).
 */
export const compactionRequestSchema = knownFields({
  job: z.literal('compact'),
  /** Only periods from this day on. @default all */
  from: z.optional(day),
  /** Only periods up to this day. @default all */
  to: z.optional(day),
  /** Read every raw answer of the periods again. @default false */
  rebuild: z.optional(z.boolean()),
  /** The day whose units settled (the worker's request; it also makes the message unique for a day). */
  settled: z.optional(day),
  /** When the run this one goes on from stopped (its message is unique). */
  continued: z.optional(z.string()),
  /** Who asked: `schedule`, a person's note. */
  reason: z.optional(z.string()),
});

export type CompactionRequest = z.infer<typeof compactionRequestSchema>;

export class InvalidCompactionRequestError extends Error {
  override name = 'InvalidCompactionRequestError';
}

/** A request checked at the boundary; a wrong one is named, field by field. */
export function parseCompactionRequest(json: unknown): CompactionRequest {
  const parsed = compactionRequestSchema.safeParse(json);
  if (!parsed.success)
    throw new InvalidCompactionRequestError(
      `not a compaction request (${describeIssues(parsed.error.issues).join('; ')}): send {"job":"compact"}, with "from", "to" (YYYY-MM-DD) and "rebuild" if needed`,
    );
  return parsed.data;
}
