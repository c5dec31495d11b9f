import { z } from 'zod';

/** A successful token answer from /cgi-bin/token or /cgi-bin/stable_token. */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
});

/** WeChat's error envelope; success answers of the datacube APIs have no errcode at all. */
export const errorEnvelopeSchema = z.object({
  errcode: z.number().int(),
  errmsg: z.string().optional(),
});

const count = z.number().int().nonnegative();
const measure = z.number().finite().nonnegative();

/** One day of getDailyVisitTrend. Every metric is optional: WeChat omits what it has not computed. */
export const dailyVisitTrendItemSchema = z.looseObject({
  ref_date: z.string().regex(/^\d{8}$/, 'expected yyyymmdd'),
  session_cnt: count.optional(),
  visit_pv: count.optional(),
  visit_uv: count.optional(),
  visit_uv_new: count.optional(),
  stay_time_uv: measure.optional(),
  stay_time_session: measure.optional(),
  visit_depth: measure.optional(),
});

export const dailyVisitTrendResponseSchema = z.looseObject({
  list: z.array(dailyVisitTrendItemSchema),
});

const retainEntrySchema = z.object({
  key: z.number().int().min(0).max(1, 'only keys 0 (the month) and 1 (the month after) exist'),
  value: count,
});

const retainSeriesSchema = z
  .array(retainEntrySchema)
  .refine((entries) => new Set(entries.map((e) => e.key)).size === entries.length, 'a key appears twice');

/** getMonthlyRetain: key 0 is the month itself, key 1 the month after (present once it has ended). */
export const monthlyRetainResponseSchema = z.looseObject({
  ref_date: z.string().regex(/^\d{6}$/, 'expected yyyymm'),
  visit_uv_new: retainSeriesSchema.optional(),
  visit_uv: retainSeriesSchema.optional(),
});

/** `list.0.visit_uv: expected number` — names the field so the message is actionable. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}
