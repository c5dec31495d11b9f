import { GetParameterError } from '@aws-lambda-powertools/parameters';
import { ProvisionedThroughputExceededException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';
import { MessageRejected } from '@aws-sdk/client-sesv2';
import { RequestThrottled } from '@aws-sdk/client-sqs';
import { ParameterNotFound, ThrottlingException } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { ArchiveError } from '../../../lambda/archive/archive.js';
import { EmailDeliveryError } from '../../../lambda/notify/email-sender.js';
import { WebhookError } from '../../../lambda/notify/webhook/webhook-platform.js';
import { DeliveryError, UnconfirmedDeliveryError } from '../../../lambda/pipeline/deliver.js';
import { classifyFailure, explainFailure } from '../../../lambda/shared/classify-failure.js';
import { DamagedRecordError, LedgerError } from '../../../lambda/state/ledger.js';
import { WechatApiError, WechatTransportError } from '../../../lambda/wechat/errors.js';

// The SDK's own exception classes, built as its deserialisers build them; Node's and nodemailer's
// errors as they document them (code, responseCode). What real peers answer is tested end to end.
const meta = (httpStatusCode: number) => ({ httpStatusCode, attempts: 3, totalRetryDelay: 300 });
const s3Error = (name: string, status: number, message: string) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: meta(status), message });
const socket = (code: string, message = `connect ${code} 127.0.0.1:9`) =>
  Object.assign(new Error(message), { code, $metadata: { attempts: 3, totalRetryDelay: 120 } });
const nodemailer = (code: string, responseCode?: number, message = `${code} from the server`) =>
  Object.assign(new Error(message), { code, ...(responseCode ? { responseCode } : {}) });

describe('classifyFailure: transient (back off and try again)', () => {
  it.each([
    ['S3 503 SlowDown', s3Error('SlowDown', 503, 'Please reduce your request rate.'), 'HTTP 503 SlowDown'],
    ['S3 500 InternalError', s3Error('InternalError', 500, 'We encountered an internal error.'), 'HTTP 500'],
    [
      'DynamoDB throughput exceeded',
      new ProvisionedThroughputExceededException({ $metadata: meta(400), message: 'Rate exceeded' }),
      'ProvisionedThroughputExceededException',
    ],
    [
      'SQS throttling',
      new RequestThrottled({ $metadata: meta(403), message: 'Request is throttled' }),
      'RequestThrottled',
    ],
    [
      'SSM throttling',
      new ThrottlingException({ $metadata: meta(400), message: 'Rate exceeded', Message: 'Rate exceeded' }),
      'Throttling',
    ],
    ['a refused connection (after the SDK retried)', socket('ECONNREFUSED'), 'ECONNREFUSED'],
    ['a reset connection', socket('ECONNRESET', 'socket hang up'), 'ECONNRESET'],
    [
      "the SDK's request timeout",
      Object.assign(new Error('request has exceeded the configured 30000 ms requestTimeout'), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      }),
      'ETIMEDOUT',
    ],
    [
      'SMTP connection refused (nodemailer)',
      nodemailer('ECONNECTION', undefined, 'connect ECONNREFUSED'),
      'ECONNECTION',
    ],
    ['SMTP 421 try later', nodemailer('EENVELOPE', 421, 'Service not available'), 'SMTP 421'],
    ['WeChat busy', new WechatApiError('getDailyVisitTrend', -1, 'system error'), ''],
    ['WeChat 502', new WechatTransportError('getDailyVisitTrend', 'HTTP 502 from api.weixin.qq.com', true), ''],
    ['a webhook answering 503', new WebhookError('wecom webhook (qyapi.weixin.qq.com): HTTP 503', true), ''],
    ['ledger contention', new LedgerError('the ledger kept changing under us', { retryable: true }), ''],
    [
      "SES's sending rate (not its daily quota)",
      Object.assign(new Error('Maximum sending rate exceeded.'), {
        name: 'TooManyRequestsException',
        $fault: 'client',
        $metadata: meta(429),
      }),
      'HTTP 429',
    ],
  ])('%s', (_what, error, signal) => {
    const failure = classifyFailure(error);
    expect(failure).toMatchObject({ kind: 'transient', retryable: true });
    expect(failure.signal).toContain(signal);
    expect(failure.line).toMatch(/\(temporary(: .+)?\)$/);
  });

  it("reads through wrappers, keeping the wrapper's words first", () => {
    const wrapped = new ArchiveError('cannot write s3://wxa/raw/x.json: Please reduce your request rate.', {
      cause: s3Error('SlowDown', 503, 'Please reduce your request rate.'),
    });
    const powertools = new GetParameterError('Rate exceeded', {
      cause: new ThrottlingException({ $metadata: meta(400), message: 'Rate exceeded', Message: 'Rate exceeded' }),
    });

    expect(explainFailure(wrapped)).toBe(
      'cannot write s3://wxa/raw/x.json: Please reduce your request rate. (temporary: HTTP 503 SlowDown)',
    );
    expect(classifyFailure(powertools).kind).toBe('transient');
  });
});

describe('classifyFailure: needs a person (recorded at once, naming what to fix)', () => {
  it.each<readonly [string, unknown, RegExp]>([
    [
      'a missing bucket',
      new NoSuchBucket({ $metadata: meta(404), message: 'The specified bucket does not exist' }),
      /the bucket .*does not exist: create it, or correct the name/,
    ],
    ['access denied', s3Error('AccessDenied', 403, 'Access Denied'), /a permission is missing: grant it/],
    [
      'a missing table',
      new ResourceNotFoundException({ $metadata: meta(400), message: 'Requested resource not found' }),
      /table .*does not exist in this account and region/,
    ],
    [
      'a missing SSM parameter',
      new ParameterNotFound({ $metadata: meta(400), message: '' }),
      /the SSM parameter is missing/,
    ],
    [
      'a validation error',
      s3Error('ValidationException', 400, '1 validation error detected'),
      /refused the request as invalid/,
    ],
    [
      'SES in the sandbox, an unverified recipient',
      new MessageRejected({
        $metadata: meta(400),
        message:
          'Email address is not verified. The following identities failed the check in region US-EAST-1: growth@example.com',
      }),
      /account is in the SES sandbox.*verify the recipients.*request production access/,
    ],
    [
      'SES, an unverified sender',
      new MessageRejected({ $metadata: meta(400), message: 'Did not have authority to send from email a@x.org' }),
      /the sender is not a verified SES identity/,
    ],
    [
      'SMTP login refused',
      nodemailer('EAUTH', 535, 'Invalid login: 535 Authentication failed'),
      /check the user and password/,
    ],
    [
      'SMTP recipient refused',
      nodemailer('EENVELOPE', 550, 'Recipient address rejected'),
      /check the sender and recipients/,
    ],
    [
      'an SMTP certificate refused',
      nodemailer('ESOCKET', undefined, 'self-signed certificate in certificate chain'),
      /TLS with the SMTP server failed/,
    ],
    ['a host that does not resolve', socket('ENOTFOUND', 'getaddrinfo ENOTFOUND smtp.exmaple.com'), /does not resolve/],
    [
      'a damaged ledger record',
      new DamagedRecordError('ledger table L, item pk "daily#2026-11-22", sk "app#shop"', 'updatedAt …', 'delete it'),
      /is damaged \(updatedAt …\): delete it$/,
    ],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'list')"), /^Cannot read properties/],
    // SES's daily quota does not clear in minutes: a wait until the 24 hours move on, like WeChat's 45009.
    ...(['LimitExceededException', 'ThrottlingException'] as const).map(
      (name) =>
        [
          `SES's daily quota (${name})`,
          new EmailDeliveryError('SES: Daily message quota exceeded.', {
            cause: Object.assign(new Error('Daily message quota exceeded.'), {
              name,
              $fault: 'client',
              $metadata: meta(400),
            }),
          }),
          /^SES: Daily message quota exceeded\.: SES's daily sending quota .* is used up: re-run the period once the window has moved on/,
        ] as const,
    ),
    [
      "SES's daily quota over its SMTP interface",
      nodemailer('EENVELOPE', 454, '454 Throttling failure: Daily message quota exceeded.'),
      /request a higher quota/,
    ],
    ['bad WeChat credentials', new WechatApiError('getDailyVisitTrend', 40013, 'invalid appid'), /40013/],
  ])('%s', (_what, error, line) => {
    const failure = classifyFailure(error);
    expect(failure).toMatchObject({ kind: 'needs-person', retryable: false });
    expect(failure.line).toMatch(line);
  });

  it('takes the fix a wrapper knows (which grant, on what) over the generic one', () => {
    const error = new ArchiveError('cannot read s3://wxa/raw/x.json: Access Denied', {
      cause: s3Error('AccessDenied', 403, 'Access Denied'),
      fix: 'grant s3:GetObject on arn:aws:s3:::wxa/*',
    });

    expect(explainFailure(error)).toBe(
      'cannot read s3://wxa/raw/x.json: Access Denied: grant s3:GetObject on arn:aws:s3:::wxa/*',
    );
  });
});

describe('classifyFailure: several channels at once', () => {
  const failed = (...errors: Error[]) =>
    new DeliveryError(
      ['s3://wxa/raw/x.json'],
      [],
      errors.map((error, i) => ({ channel: ['email', 'wecom webhook (h)'][i] ?? `c${i}`, error })),
    );

  it('is transient only when every channel failed for a temporary reason', () => {
    const busy = failed(socket('ECONNREFUSED'), new WebhookError('wecom webhook (h): HTTP 503', true));
    const one = failed(
      new MessageRejected({ $metadata: meta(400), message: 'Email address is not verified.' }),
      new WebhookError('wecom webhook (h): HTTP 503', true),
    );
    const interrupted = failed(new UnconfirmedDeliveryError('email: may or may not have arrived'));

    expect(classifyFailure(busy).kind).toBe('transient');
    expect(classifyFailure(one).kind).toBe('needs-person');
    expect(classifyFailure(interrupted).kind).toBe('needs-person');
  });

  it("says each channel's own fix or that it was temporary, once", () => {
    const line = explainFailure(
      failed(
        new MessageRejected({ $metadata: meta(400), message: 'Email address is not verified.' }),
        new WebhookError('wecom webhook (h): HTTP 503', true),
      ),
    );

    expect(line).toMatch(/^the data is archived \(s3:\/\/wxa\/raw\/x\.json\), but sending failed on email: /);
    expect(line).toMatch(/SES sandbox/);
    expect(line).toMatch(/wecom webhook \(h\): HTTP 503 \(temporary\)$/);
  });
});

describe('classifyFailure: an answer that is not the AWS service (a proxy, a wrong endpoint)', () => {
  it("needs a person, without the SDK's advice to inspect a hidden field", () => {
    const sdk = s3Error(
      'Error',
      501,
      '@aws-sdk XML parse error: mismatched tags <meta> and </head>. Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.',
    );
    const wrapped = new ArchiveError(`cannot write s3://bucket/x: ${sdk.message}`, { cause: sdk });

    const failure = classifyFailure(wrapped);

    expect(failure.kind).toBe('needs-person');
    expect(failure.line).toBe(
      "cannot write s3://bucket/x: @aws-sdk XML parse error: mismatched tags <meta> and </head>: what answered is not the AWS service (an HTML page or a proxy's error, not its XML or JSON): check AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_S3 and the like) if set, the region, and any proxy or firewall on the way",
    );
  });
});

describe('classifyFailure: a line already written for a person', () => {
  it('keeps its words and still reads its kind from the signals under it', () => {
    // Prepare
    const refused = socket('ECONNREFUSED');
    const smtp = new EmailDeliveryError(
      'SMTP server smtp.qq.com:465 refused the connection: check the host and port in SMTP_URL',
      { cause: refused, explained: true },
    );
    const login = new EmailDeliveryError('SMTP server smtp.qq.com:465 refused the login: check the user and password', {
      cause: Object.assign(new Error('Invalid login: 535'), { code: 'EAUTH', responseCode: 535 }),
      explained: true,
    });

    // Act
    const [a, b] = [classifyFailure(smtp), classifyFailure(login)];

    // Assess
    expect(a).toMatchObject({ kind: 'transient', line: smtp.message });
    expect(b).toMatchObject({ kind: 'needs-person', line: login.message });
  });
});
