import { randomUUID } from 'node:crypto';
import { GetObjectCommand, HeadBucketCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type Logger, silentLogger } from '../../shared/logger.js';
import { type Archive, ArchiveError, archiveKeys, type Provenance } from '../archive.js';

/** `s3://bucket/prefix` → { bucket, prefix }. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match?.[1]) throw new ArchiveError(`"${url}" is not an S3 location of the form s3://BUCKET[/PREFIX]`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
/** 412 PreconditionFailed: to `If-None-Match: *`, the key is archived already; to `If-Match`, it changed. */
const preconditionFailed = (error: unknown) =>
  statusOf(error) === 412 || (error as { name?: string }).name === 'PreconditionFailed';
const conditionalConflict = (error: unknown) =>
  statusOf(error) === 409 && (error as { name?: string }).name === 'ConditionalRequestConflict';

const isAccessDenied = (error: unknown) =>
  statusOf(error) === 403 || (error as { name?: string }).name === 'AccessDenied';

/**
 * The archive in S3. Bodies are stored as sent by WeChat with `Content-Type: application/json` and a
 * SHA-256 checksum S3 verifies on receipt; provenance goes in user metadata.
 *
 * Without `s3:ListBucket`, S3 answers a key that is not there with 403 AccessDenied, not 404. Such
 * a 403 is told apart once (HeadBucket needs `s3:ListBucket` too): then a 403 is read as "not
 * archived" — safe, since writing a key again is harmless — and a warning names the grant once; if
 * listing is allowed, the 403 is a real refusal, named with the grant it needs.
 *
 * A put never overwrites blindly (see Archive): it is conditional (`If-None-Match: *`); when S3
 * answers 412 the key is there, and the stored bytes are compared: the same answer changes nothing
 * (the first bytes and metadata stay), a different one is noted under `replaced/` and then written
 * with `If-Match` on the compared version. The bucket's versioning keeps the replaced bytes.
 */
export class S3Archive implements Archive {
  private listing: Promise<boolean> | undefined;
  private warned = false;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix = '',
    private readonly logger: Logger = silentLogger,
  ) {}

  async put(key: string, body: Buffer, provenance: Provenance): Promise<void> {
    try {
      await this.archive(key, body, provenance);
    } catch (error) {
      throw new ArchiveError(`cannot write ${this.locate(key)}: ${(error as Error).message}`, {
        cause: error,
        ...(isAccessDenied(error)
          ? {
              fix: `grant s3:PutObject on ${await this.arn(`${this.objectKey('')}*`)} (and kms:GenerateDataKey on the bucket's key if it has one)`,
            }
          : {}),
      });
    }
  }

  private async archive(key: string, body: Buffer, provenance: Provenance, attempt = 1): Promise<void> {
    const again = () => {
      if (attempt >= 3) throw new Error('the key changed under every try to archive it');
      return this.archive(key, body, provenance, attempt + 1);
    };
    try {
      await this.write(key, body, provenance, { IfNoneMatch: '*' });
      return;
    } catch (error) {
      // 409: another conditional write of the key was in flight; S3 asks to try again.
      if (conditionalConflict(error)) return again();
      if (!preconditionFailed(error)) throw error;
    }
    if ((await this.replaceIfDifferent(key, body, provenance)) === 'changed-meanwhile') return again();
  }

  /** The key is there: the same bytes change nothing; different ones are noted, then written over the version compared. */
  private async replaceIfDifferent(
    key: string,
    body: Buffer,
    provenance: Provenance,
  ): Promise<'same' | 'replaced' | 'changed-meanwhile'> {
    const current = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    const bytes = Buffer.from((await current.Body?.transformToByteArray()) ?? new Uint8Array());
    if (bytes.equals(body)) return 'same';
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(archiveKeys.replacement(key, new Date(), randomUUID().slice(0, 8))),
        Body: JSON.stringify({ key, fetchedAt: provenance.fetchedAt }),
        ContentType: 'application/json',
      }),
    );
    try {
      await this.write(key, body, provenance, { IfMatch: current.ETag });
      return 'replaced';
    } catch (error) {
      if (preconditionFailed(error) || conditionalConflict(error)) return 'changed-meanwhile';
      throw error;
    }
  }

  private async write(
    key: string,
    body: Buffer,
    provenance: Provenance,
    condition: { IfNoneMatch: string } | { IfMatch: string | undefined },
  ): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        ...condition,
        Body: body,
        ContentLength: body.length,
        ContentType: 'application/json',
        ChecksumAlgorithm: 'SHA256',
        Metadata: {
          appid: provenance.appid,
          api: provenance.api,
          // User metadata travels as HTTP headers: ASCII only, which these JSON strings are.
          request: JSON.stringify(provenance.request),
          'fetched-at': provenance.fetchedAt,
          'tool-version': provenance.toolVersion,
          shape: provenance.shape ?? 'https',
          ...(provenance.accessPoint ? { 'access-point': provenance.accessPoint } : {}),
        },
      }),
    );
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!answer.Body) return Buffer.alloc(0);
      return Buffer.from(await answer.Body.transformToByteArray());
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      if (isAccessDenied(error)) {
        if (!(await this.canList())) return this.missingWithoutListing();
        throw new ArchiveError(`cannot read ${this.locate(key)}: ${(error as Error).message}`, {
          cause: error,
          fix: `grant s3:GetObject on ${await this.arn(`${this.objectKey('')}*`)} (and kms:Decrypt on the bucket's key if it has one)`,
        });
      }
      throw new ArchiveError(`cannot read ${this.locate(key)}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Whether this caller may list the bucket (HeadBucket needs s3:ListBucket); asked once. */
  private canList(): Promise<boolean> {
    this.listing ??= this.s3.send(new HeadBucketCommand({ Bucket: this.bucket })).then(
      () => true,
      // Anything but a refusal (a timeout, say) proves nothing: the 403 is then taken as a refusal.
      (error: unknown) => !isAccessDenied(error),
    );
    return this.listing;
  }

  private async missingWithoutListing(): Promise<undefined> {
    if (!this.warned) {
      this.warned = true;
      this.logger.warn(
        `s3://${this.bucket}: this caller lacks s3:ListBucket, so S3 answers 403 AccessDenied (not 404) for a key that is not there; such a 403 is read as "not archived yet" and the answer is fetched from WeChat again. Grant s3:ListBucket on ${await this.arn('')}${this.prefix ? ` (condition s3:prefix "${this.prefix}/*")` : ''} so what is archived is found`,
      );
    }
    return undefined;
  }

  /** The ARN of the bucket or of keys in it, in the client's partition (aws-cn in the China regions). */
  private async arn(keyPattern: string): Promise<string> {
    const region = await Promise.resolve(this.s3.config.region()).catch(() => '');
    const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
    return `arn:${partition}:s3:::${this.bucket}${keyPattern ? `/${keyPattern}` : ''}`;
  }

  locate(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }
}
