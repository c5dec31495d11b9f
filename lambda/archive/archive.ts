import type { IsoDate, YearMonth } from '../calendar/beijing-calendar.js';

/** Where a raw body came from; kept beside it (S3 metadata, or a local sidecar outside `raw/`). */
export interface Provenance {
  readonly appid: string;
  readonly api: string;
  /** The request body sent to WeChat, e.g. `{"begin_date":"20261122","end_date":"20261122"}`. */
  readonly request: Readonly<Record<string, string>>;
  /** ISO 8601 instant the answer arrived. */
  readonly fetchedAt: string;
  readonly toolVersion: string;
  /**
   * The shape of the bytes: `https` (WeChat's snake_case answer) or `cloud-call` (camelCase with
   * `errMsg`, through the CloudBase relay). Absent in files archived before it was recorded: `https`.
   */
  readonly shape?: 'https' | 'cloud-call';
  /**
   * Which of WeChat's access points answered (`https://api2.weixin.qq.com`), or the relay's URL for a
   * cloud call. Absent in files archived before it was recorded.
   */
  readonly accessPoint?: string;
}

/**
 * The raw-response archive. Bodies go in and come out byte for byte; the same key always names
 * the same period, so writing twice is harmless. It is also the pipeline's memory of past days.
 *
 * A key's bytes never change unless WeChat's answer did: archiving the same answer again keeps the
 * first bytes and their provenance; a different answer for the period (the monthly retention once
 * its key 1 is known, a damaged body fetched again) replaces them, and the replacement is noted
 * first under `replaced/` (see archiveKeys.replacement), so the compacted layer derived from the
 * archive knows which of its rows are stale.
 */
export interface Archive {
  /** Archives an answer: new, the same again (nothing changes), or a different one (replaced, and noted). */
  put(key: string, body: Buffer, provenance: Provenance): Promise<void>;
  /** The stored body, or undefined when nothing is stored under the key. */
  get(key: string): Promise<Buffer | undefined>;
  /** A human-readable location for a key (`s3://bucket/key`, a file path). */
  locate(key: string): string;
}

export class ArchiveError extends Error {
  override name = 'ArchiveError';
  /** What to do, when the archive knows better than the generic classification (which grant, on what). */
  readonly fix?: string;

  constructor(message: string, options?: { cause?: unknown; fix?: string }) {
    super(message, options);
    if (options?.fix) this.fix = options.fix;
  }
}

// An AppID names a partition folder: refuse anything that could climb out of it.
const SAFE_APPID = /^[A-Za-z0-9_-]{1,64}$/;

function partitionAppid(appid: string): string {
  if (!SAFE_APPID.test(appid)) throw new ArchiveError(`"${appid}" cannot be an archive partition: use the AppID (wx…)`);
  return appid;
}

/**
 * The archive layout, in one place, shared by every adapter so a local archive can be synced to S3
 * as it is. Hive-style partitions let Athena (partition projection) query it directly.
 */
export const archiveKeys = {
  /** Any API: `raw/<folder>/appid=<appid>/<partition>/response.json`. */
  raw: (folder: string, appid: string, partition: string) =>
    `raw/${folder}/appid=${partitionAppid(appid)}/${partition}/response.json`,
  dailyVisitTrend: (appid: string, date: IsoDate) =>
    `raw/daily-visit-trend/appid=${partitionAppid(appid)}/dt=${date}/response.json`,
  monthlyRetain: (appid: string, month: YearMonth) =>
    `raw/monthly-retain/appid=${partitionAppid(appid)}/month=${month}/response.json`,
  /**
   * The note that a raw key's bytes were replaced, outside `raw/` (tables over `raw/` never see it):
   * `replaced/<folder>/appid=…/<partition>/<when>-<id>.json`, one per replacement, written before
   * the bytes change. The compaction reads and removes these notes; `wxa-report query` reads the
   * noted keys from raw until then.
   */
  replacement: (rawKey: string, at: Date, id: string) =>
    `replaced/${rawKey.replace(/^raw\//, '').replace(/\/response\.json$/, '')}/${at.toISOString().replace(/[-:.]/g, '')}-${id}.json`,
  /** The raw key a replacement note is about. */
  replacedKey: (noteKey: string) =>
    `raw/${noteKey.replace(/^replaced\//, '').replace(/\/[^/]+\.json$/, '')}/response.json`,
};
