import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type Archive, ArchiveError, type Provenance } from '../archive.js';

/** `s3://bucket/prefix` → { bucket, prefix }. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match?.[1]) throw new ArchiveError(`"${url}" is not an S3 location of the form s3://BUCKET[/PREFIX]`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/**
 * The archive in S3. Bodies are stored as sent by WeChat with `Content-Type: application/json` and a
 * SHA-256 checksum S3 verifies on receipt; provenance goes in user metadata.
 */
export class S3Archive implements Archive {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix = '',
  ) {}

  async put(key: string, body: Buffer, provenance: Provenance): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Body: body,
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
    } catch (error) {
      throw new ArchiveError(`cannot write ${this.locate(key)}: ${(error as Error).message}`, { cause: error });
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!answer.Body) return Buffer.alloc(0);
      return Buffer.from(await answer.Body.transformToByteArray());
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw new ArchiveError(`cannot read ${this.locate(key)}: ${(error as Error).message}`, { cause: error });
    }
  }

  locate(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }
}
