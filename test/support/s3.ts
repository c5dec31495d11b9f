import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { MOTO_CREDENTIALS, MOTO_REGION } from './moto.js';

export function s3ClientFor(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, forcePathStyle: true });
}

let bucketCounter = 0;
export async function createBucket(s3: S3Client): Promise<string> {
  bucketCounter += 1;
  const bucket = `wxa-test-${process.pid}-${bucketCounter}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Every object under a prefix, downloaded into a folder (as `aws s3 sync s3://bucket/prefix folder` would). */
export async function downloadPrefix(s3: S3Client, bucket: string, prefix: string, folder: string): Promise<number> {
  const { GetObjectCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { dirname, join } = await import('node:path');
  let token: string | undefined;
  let count = 0;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix ? `${prefix}/` : undefined, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const key = o.Key ?? '';
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const path = join(folder, prefix ? key.slice(prefix.length + 1) : key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, (await body.Body?.transformToByteArray()) ?? new Uint8Array());
      count += 1;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return count;
}
