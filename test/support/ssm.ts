import { SSMClient } from '@aws-sdk/client-ssm';
import { MOTO_CREDENTIALS, MOTO_REGION } from './moto.js';

export function ssmClientFor(endpoint: string): SSMClient {
  return new SSMClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
}
