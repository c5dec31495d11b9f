import * as z from 'zod/mini';

/** A successful token answer from /cgi-bin/token or /cgi-bin/stable_token. */
export const tokenResponseSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.int().check(z.positive()),
});

/** A token service's answer: the lifetime may be left out. */
export const serviceTokenResponseSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.optional(z.int().check(z.positive())),
});

/** WeChat's error envelope; success answers of the datacube APIs have no errcode at all. */
export const errorEnvelopeSchema = z.object({
  errcode: z.int(),
  errmsg: z.optional(z.string()),
});

/** A count of users or visits. */
export const count = z.int().check(z.nonnegative());
/** A duration or ratio; zod 4 numbers are finite: Infinity and NaN are refused. */
export const measure = z.number().check(z.nonnegative());

/** The metrics of the visit trend (daily, weekly, monthly). Every one is optional: WeChat omits what it has not computed. */
export const visitTrendMetrics = {
  session_cnt: z.optional(count),
  visit_pv: z.optional(count),
  visit_uv: z.optional(count),
  visit_uv_new: z.optional(count),
  stay_time_uv: z.optional(measure),
  stay_time_session: z.optional(measure),
  visit_depth: z.optional(measure),
};

/** One day of getDailyVisitTrend. */
export const dailyVisitTrendItemSchema = z.looseObject({
  ref_date: z.string().check(z.regex(/^\d{8}$/, 'expected yyyymmdd')),
  ...visitTrendMetrics,
});

export const dailyVisitTrendResponseSchema = z.looseObject({
  list: z.array(dailyVisitTrendItemSchema),
});

const retainEntrySchema = z.object({
  key: z.int().check(z.gte(0), z.lte(1, 'only keys 0 (the month) and 1 (the month after) exist')),
  value: count,
});

const retainSeriesSchema = z
  .array(retainEntrySchema)
  .check(z.refine((entries) => new Set(entries.map((e) => e.key)).size === entries.length, 'a key appears twice'));

/** getMonthlyRetain: key 0 is the month itself, key 1 the month after (present once it has ended). */
export const monthlyRetainResponseSchema = z.looseObject({
  ref_date: z.string().check(z.regex(/^\d{6}$/, 'expected yyyymm')),
  visit_uv_new: z.optional(retainSeriesSchema),
  visit_uv: z.optional(retainSeriesSchema),
});

/** `list.0.visit_uv: expected number` — names the field so the message is actionable. */
export function describeZodError(error: { readonly issues: readonly z.core.$ZodIssue[] }): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}
