import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AWS_HTTP_OPTIONS } from '../shared/aws-http.js';

export { documents, sqs } from './aws-clients.js';

// The worker's own SDK clients, made in the init phase so warm invocations reuse their connections.
// An S3-compatible endpoint (moto in the tests) needs path-style addressing; AWS itself does not.
const customS3Endpoint = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
export const s3Client = new S3Client({ forcePathStyle: customS3Endpoint, requestHandler: AWS_HTTP_OPTIONS });
export const ssmClient = new SSMClient({ requestHandler: AWS_HTTP_OPTIONS });
