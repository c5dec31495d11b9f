import { ArchiveError } from '../archive/archive.js';
import { type ProblemReason, reasonForErrcode } from '../report/problem-reason.js';
import { MissingSecretError } from '../secrets/secret-source.js';
import { classifyFailure, fromAwsService } from '../shared/classify-failure.js';
import { WechatApiError, WechatTransportError } from '../wechat/errors.js';
import { DeliveryError, UnconfirmedDeliveryError } from './deliver.js';

/**
 * Why a unit failed, as the code the digest says in its language, with WeChat's errcode where a
 * WeChat refusal is the cause. Channel errors are known by name: their classes live with the
 * renderers, which a unit loads only when a report goes out.
 */
export function problemReasonOf(error: unknown): { readonly reason: ProblemReason; readonly errcode?: number } {
  if (error instanceof WechatApiError) return { reason: reasonForErrcode(error.errcode), errcode: error.errcode };
  if (error instanceof WechatTransportError) return { reason: 'wechat-busy' };
  if (error instanceof MissingSecretError) return { reason: 'missing-secret' };
  if (error instanceof DeliveryError)
    return {
      reason: error.failures.some((f) => f.error instanceof UnconfirmedDeliveryError) ? 'unconfirmed' : 'delivery',
    };
  if (error instanceof Error && error.name === 'MissingChannelError') return { reason: 'delivery' };
  // S3, DynamoDB, SQS, SSM or SES refusing connections, timing out, answering 5xx or throttling.
  if (classifyFailure(error).kind === 'transient') return { reason: 'service-unavailable' };
  if (error instanceof ArchiveError) return { reason: 'archive' };
  // A missing permission, table or queue, a limit: the deployment needs fixing.
  if (fromAwsService(error)) return { reason: 'service-refused' };
  return { reason: 'unknown' };
}
