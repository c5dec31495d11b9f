import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type JobKind, ledgerKey, type RunLedger, type RunRecord } from '../run-ledger.js';

/** The run ledger as small JSON objects under `<prefix>state/` in the archive bucket. */
export class S3RunLedger implements RunLedger {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix = '',
  ) {}

  async get(job: JobKind, appid: string, period: string): Promise<RunRecord | undefined> {
    try {
      const answer = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(job, appid, period) }),
      );
      return JSON.parse((await answer.Body?.transformToString()) ?? '') as RunRecord;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async set(job: JobKind, appid: string, period: string, record: RunRecord): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(job, appid, period),
        Body: JSON.stringify(record),
        ContentType: 'application/json',
      }),
    );
  }

  private key(job: JobKind, appid: string, period: string): string {
    return `${this.prefix}${ledgerKey(job, appid, period)}`;
  }
}
