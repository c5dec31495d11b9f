/**
 * One classification of every dependency's failures, for the worker, `wxa-report run` and the CLI:
 * **transient** (another try after a backoff may succeed: connection refused or reset, timeouts,
 * HTTP 5xx, throttling) or **needs a person** (a missing bucket or table, a refused permission, a
 * request the service calls invalid, an unverified SES identity, bad credentials: trying again
 * changes nothing, so it is recorded at once with what to fix).
 *
 * Pure: it reads what the errors carry (duck typing), never imports an SDK. The signals, in order:
 * an explicit boolean `retryable` (WeChat's `WechatApiError`/`WechatTransportError`, `WebhookError`
 * and the project's own errors keep their classes; this wraps them), the AWS SDK v3's
 * `name`/`$metadata.httpStatusCode`/`$retryable`/`$fault`, Node's socket `code`s, nodemailer's
 * `code`/`responseCode`, and `cause` chains (an `ArchiveError` around an S3 error). Anything it
 * does not recognise (a bug, a TypeError) needs a person: retrying a bug only delays the alarm.
 */

import { printable } from './printable.js';

export type FailureKind = 'transient' | 'needs-person';

export interface FailureClass {
  readonly kind: FailureKind;
  /** `kind === 'transient'`: whether another try after a backoff may succeed. */
  readonly retryable: boolean;
  /** The signal it was read from, in a few words: "HTTP 503 SlowDown", "ECONNREFUSED", "AccessDenied". */
  readonly signal: string;
  /** For a failure that needs a person: what to do, when known. */
  readonly fix?: string;
  /**
   * One line: the error's own message (which names where it happened), then what to do: the fix,
   * or "(temporary: …)" for a transient failure.
   */
  readonly line: string;
}

type Signals = {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly responseCode?: unknown;
  readonly retryable?: unknown;
  readonly fix?: unknown;
  /** The message already says what happened and what to do (a line written for a person): nothing is added. */
  readonly explained?: unknown;
  readonly cause?: unknown;
  readonly failures?: unknown;
  readonly BucketName?: unknown;
  readonly $retryable?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
};

type Verdict = {
  readonly kind: FailureKind;
  readonly signal: string;
  readonly fix?: string;
  /** The message already explains each part (an aggregate of channel failures). */
  readonly explained?: boolean;
};

// AWS error names (S3's XML codes, the JSON services' __type) that mean "slow down" or "busy".
const AWS_TRANSIENT = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestLimitExceededException',
  'BandwidthLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  'PriorRequestNotComplete',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'InternalServiceError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'KMSInternalException',
  'ConcurrentModificationException',
]);

// Node's (and undici's) socket failures: the peer may be back in a minute.
const SOCKET_TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // nodemailer's own codes for the same.
  'ECONNECTION',
  'ESOCKET',
  'EDNS_TIMEOUT',
]);

const GRANT = "grant it to the function's role (or to the credentials this command runs with)";

/** What to do about credentials or a region the SDK could not find or use, by the error's name or words. */
function credentialsFix(name: string, message: string): string | undefined {
  if (/^(InvalidAccessKeyId|UnrecognizedClientException|InvalidClientTokenId|SignatureDoesNotMatch)$/.test(name))
    return 'the AWS credentials are not valid here: check the access key, AWS_PROFILE and AWS_REGION';
  if (/^ExpiredToken(Exception)?$/.test(name)) return 'the AWS credentials have expired: sign in again';
  // The SDK found no credentials at all (no environment, profile, SSO session or role).
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message))
    return 'no AWS credentials were found: set AWS_PROFILE (a profile of ~/.aws/config), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them (aws sso login, an instance role)';
  if (/^Region is missing$/i.test(message))
    return 'no AWS region is set: set AWS_REGION (e.g. cn-north-1, ap-east-1), or region in the AWS_PROFILE';
  return undefined;
}

/** What to do about an AWS error that needs a person, by its name. */
function awsFix(name: string, error: Signals): string | undefined {
  const message = typeof error.message === 'string' ? error.message : '';
  const credentials = credentialsFix(name, message);
  if (credentials) return credentials;
  if (/^KMS/.test(name) || (/AccessDenied/.test(name) && /\bkms:/i.test(message)))
    return `the KMS key refused it: ${GRANT.replace('grant it', 'grant kms:Decrypt and kms:GenerateDataKey on the key')}, and check the key is enabled`;
  if (/^(AccessDenied|AccessDeniedException|Forbidden|UnauthorizedOperation|AuthorizationError)$/.test(name))
    return `a permission is missing: ${GRANT}`;
  if (name === 'NoSuchBucket') {
    const bucket = typeof error.BucketName === 'string' ? ` ${error.BucketName}` : '';
    return `the bucket${bucket} does not exist: create it, or correct the name (WXA_ARCHIVE_BUCKET in the deployment, --archive s3://BUCKET locally)`;
  }
  if (name === 'ResourceNotFoundException')
    return 'the table (or other resource) does not exist in this account and region: check its name and AWS_REGION';
  if (/QueueDoesNotExist|NonExistentQueue/.test(name)) return 'the queue does not exist: check the queue URL';
  if (/^ParameterNotFound$/.test(name)) return 'the SSM parameter is missing: store it';
  if (name === 'MessageRejected') return sesRejectedFix(message);
  if (name === 'MailFromDomainNotVerifiedException')
    return "the MAIL FROM domain is not verified in SES: publish its MX and SPF records, or remove the identity's custom MAIL FROM";
  if (/^(AccountSuspendedException|SendingPausedException)$/.test(name))
    return "SES has paused sending for this account or configuration set: see the SES console's reputation dashboard";
  if (name === 'NotFoundException') return 'the SES identity or configuration set does not exist: create it';
  if (/Validation|InvalidParameter|InvalidRequest|SerializationException|BadRequest/.test(name))
    return 'the service refused the request as invalid: the message names the field';
  return undefined;
}

/**
 * SES refuses a message it will not send: in the sandbox, to any recipient that is not a verified
 * identity ("Email address is not verified. The following identities failed the check in region
 * …"); anywhere, from a sender that is not ("Did not have authority to send from email …").
 * `sender` names the setting the sender comes from (the SES API's email.identity, SMTP's --from).
 */
export function sesRejectedFix(message: string, sender = 'email.identity'): string {
  if (/authority to send from|not authorized to send from|from address/i.test(message))
    return `the sender is not a verified SES identity: verify its address or domain in this region, and send from it (${sender})`;
  if (/not verified/i.test(message))
    return 'the account is in the SES sandbox, where every recipient must be a verified identity too (or the address is not verified): verify the recipients (aws sesv2 create-email-identity --email-identity ADDRESS) or request production access (SES console → Account dashboard → Request production access)';
  return 'SES refused this message: the reason is in its answer';
}

/**
 * SES's daily sending quota (the messages of a rolling 24 hours) is used up: the API says so in a
 * ThrottlingException (SES v2 also as LimitExceededException), SES's SMTP interface in a "454
 * Throttling failure" (SES Developer Guide, "Errors related to the sending quotas"). Unlike its
 * sending-rate throttling, it does not clear in minutes: like WeChat's daily quota (45009), a person
 * sends it again later, and raises the quota if the portfolio outgrew it.
 */
const SES_DAILY_QUOTA = /daily message quota exceeded|daily sending quota exceeded/i;
const SES_DAILY_QUOTA_FIX =
  "SES's daily sending quota (messages in a rolling 24 hours) is used up: re-run the period once the window has moved on (what was sent is skipped), and if it happens again, request a higher quota (SES console → Account dashboard → Request a sending quota increase) or spread the schedule";

/** SES's daily quota, whichever way it was said (API error name, SMTP reply). */
function sesDailyQuotaVerdict(error: Signals, nameOrCode: string, message: string): Verdict | undefined {
  const responseCode = typeof error.responseCode === 'number' ? error.responseCode : undefined;
  if (!SES_DAILY_QUOTA.test(message) || !(nameOrCode || responseCode)) return undefined;
  return {
    kind: 'needs-person',
    signal: responseCode !== undefined ? `SMTP ${responseCode}` : nameOrCode,
    fix: SES_DAILY_QUOTA_FIX,
  };
}

/** nodemailer's SMTP failures: its `code`, and the server's reply code where there is one (RFC 5321 §4.2.1). */
function smtpVerdict(code: string, responseCode: number | undefined, message: string): Verdict | undefined {
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500)
    return { kind: 'transient', signal: `SMTP ${responseCode}` };
  if (code === 'EAUTH')
    return {
      kind: 'needs-person',
      signal: code,
      fix: 'the SMTP server refused the login: check the user and password',
    };
  const tls =
    'TLS with the SMTP server failed: port 465 is TLS from the first byte (smtps://), 587 upgrades with STARTTLS';
  if (code === 'ETLS' || code === 'EREQUIRETLS') return { kind: 'needs-person', signal: code, fix: tls };
  // A socket error that is really a TLS mismatch or a certificate refused will not heal by itself.
  if (
    code === 'ESOCKET' &&
    /certificate|wrong version number|self[- ]signed|unable to verify|SSL routines/i.test(message)
  )
    return { kind: 'needs-person', signal: code, fix: tls };
  if (code === 'EDNS')
    return { kind: 'needs-person', signal: code, fix: 'the SMTP host name does not resolve: check it' };
  if (code === 'EENVELOPE' || (responseCode !== undefined && responseCode >= 500))
    return {
      kind: 'needs-person',
      signal: responseCode !== undefined ? `SMTP ${responseCode}` : code,
      fix: 'the SMTP server refused the message or its addresses: check the sender and recipients',
    };
  if (code === 'EMESSAGE' || code === 'EPROTOCOL') return { kind: 'needs-person', signal: code };
  return undefined;
}

const isObject = (value: unknown): value is Signals => typeof value === 'object' && value !== null;

/** An AWS service answered (the SDK's `$metadata` and `$fault`): throttling and 5xx are transient, the rest needs a person. */
/** The SDK's words when an answer is not the service's own (an HTML page, a proxy's error), not worth showing. */
const SDK_DESERIALIZATION =
  /\.?\s*Deserialization error: to see the raw response, inspect the hidden field \{error\}\.\$response on this object\.?/;
const NOT_AWS_FIX =
  "what answered is not the AWS service (an HTML page or a proxy's error, not its XML or JSON): check AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_S3 and the like) if set, the region, and any proxy or firewall on the way";

function awsVerdict(error: Signals, name: string): Verdict | undefined {
  const status = typeof error.$metadata?.httpStatusCode === 'number' ? error.$metadata.httpStatusCode : undefined;
  if (status === undefined && error.$fault === undefined) return undefined;
  const signal = status !== undefined ? `HTTP ${status} ${name}`.trim() : name;
  // A wrong endpoint or a proxy's refusal answers the same page again: a person is needed. A
  // gateway's 502/503/504 page in front of the service may pass, and is retried as any 5xx.
  const gatewayPage = status !== undefined && status >= 500 && status !== 501;
  if (!gatewayPage && typeof error.message === 'string' && SDK_DESERIALIZATION.test(error.message))
    return { kind: 'needs-person', signal, fix: NOT_AWS_FIX };
  if (
    AWS_TRANSIENT.has(name) ||
    /Throttl/.test(name) ||
    error.$retryable ||
    error.$fault === 'server' ||
    (status ?? 0) >= 500 ||
    status === 429
  )
    return { kind: 'transient', signal };
  return { kind: 'needs-person', signal, fix: awsFix(name, error) };
}

/** The verdict of one error object alone, or undefined when it carries no signal (then its cause is read). */
function verdictOf(error: Signals): Verdict | undefined {
  const name = typeof error.name === 'string' ? error.name : '';
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (typeof error.retryable === 'boolean') return { kind: error.retryable ? 'transient' : 'needs-person', signal: '' };
  if (Array.isArray(error.failures)) return aggregate(error.failures);
  const quota = sesDailyQuotaVerdict(error, name || code, message);
  if (quota) return quota;
  const aws = awsVerdict(error, name);
  if (aws) return aws;
  const responseCode = typeof error.responseCode === 'number' ? error.responseCode : undefined;
  const smtp = smtpVerdict(code, responseCode, message);
  if (smtp) return smtp;
  // No answer at all: the SDK (after its own retries), fetch and nodemailer keep Node's socket code.
  if (AWS_TRANSIENT.has(name)) return { kind: 'transient', signal: name };
  if (SOCKET_TRANSIENT.has(code)) return { kind: 'transient', signal: code };
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'ABORT_ERR')
    return { kind: 'transient', signal: 'timeout' };
  if (code === 'ENOTFOUND')
    return { kind: 'needs-person', signal: code, fix: 'the host name does not resolve: check it' };
  const fix = awsFix(name, error);
  return fix ? { kind: 'needs-person', signal: name, fix } : undefined;
}

/** Several failures at once (channels of one report): transient only if every one of them is. */
function aggregate(failures: readonly unknown[]): Verdict {
  const each = failures.map((f) => classifyFailure(isObject(f) && 'error' in f ? (f as { error: unknown }).error : f));
  const person = each.find((c) => c.kind === 'needs-person');
  const signal = [...new Set(each.map((c) => c.signal).filter(Boolean))].join(', ');
  return { kind: person ? 'needs-person' : 'transient', signal, explained: true };
}

function messageOf(error: unknown): string {
  if (isObject(error) && typeof error.message === 'string' && error.message)
    return printable(error.message.replace(SDK_DESERIALIZATION, ''), { keepNewlines: true });
  if (isObject(error) && typeof error.name === 'string') return error.name;
  return String(error);
}

function lineOf(
  message: string,
  kind: FailureKind,
  signal: string,
  fix: string | undefined,
  explained: boolean,
): string {
  if (explained) return message;
  if (kind === 'transient') return `${message} (temporary${signal && !message.includes(signal) ? `: ${signal}` : ''})`;
  return fix && !message.includes(fix) ? `${message}: ${fix}` : message;
}

/** Classifies a failure of any dependency; see the module comment for the signals read. */
export function classifyFailure(error: unknown): FailureClass {
  let verdict: Verdict | undefined;
  let fix: string | undefined;
  // Outermost first: a wrapper that knows more (a fix naming the bucket and prefix) speaks first.
  let current: unknown = error;
  for (let depth = 0; depth < 6 && isObject(current) && !verdict; depth++) {
    if (!fix && typeof current.fix === 'string' && current.fix) fix = current.fix;
    verdict = verdictOf(current);
    current = current.cause;
  }
  const kind: FailureKind = verdict?.kind ?? 'needs-person';
  const signal = verdict?.signal ?? (isObject(error) && typeof error.name === 'string' ? error.name : 'error');
  const todo = kind === 'needs-person' ? (fix ?? verdict?.fix) : undefined;
  const explained = verdict?.explained === true || (isObject(error) && error.explained === true);
  const line = lineOf(messageOf(error), kind, signal, todo, explained);
  return { kind, retryable: kind === 'transient', signal, ...(todo ? { fix: todo } : {}), line };
}

/**
 * Whether an AWS service answered (or its SDK gave up reaching it) somewhere in the error's cause
 * chain: the SDK's `$metadata` or `$fault`. Tells a refusal of the platform the run stands on
 * (AccessDenied, a missing table) from the run's own failures.
 */
export function fromAwsService(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && isObject(current); depth++) {
    if (typeof current.$metadata === 'object' || current.$fault !== undefined) return true;
    current = current.cause;
  }
  return false;
}

/** The one line a person reads for a failure: what happened, where, and what to do. */
export const explainFailure = (error: unknown): string => classifyFailure(error).line;
