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
