import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';

/**
 * A fault-injecting HTTP proxy in front of moto: requests pass through unchanged unless a rule
 * matches, and then it answers what AWS answers in that situation (the error shapes each protocol
 * uses: S3's XML, the JSON protocols' `__type`, REST-JSON's `x-amzn-ErrorType`). It plays what moto
 * does not: a service answering 503 or throttling, S3 refusing a permission, SES's sandbox, and
 * S3 without `s3:ListBucket` (a 403 AccessDenied where the key is missing, as S3 documents).
 * Point one service at it with `AWS_ENDPOINT_URL_<SERVICE>`.
 */
export type AwsService = 's3' | 'dynamodb' | 'ssm' | 'sqs' | 'sesv2';

export interface ProxiedRequest {
  readonly service: AwsService;
  /** `DynamoDB_20120810.GetItem` → `GetItem`; S3 and SES: `<METHOD> <path>`. */
  readonly operation: string;
  readonly method: string;
  readonly path: string;
}

export interface FaultAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface FaultRule {
  readonly match: (request: ProxiedRequest) => boolean;
  /** What to answer instead of moto; or `no-list-bucket`: forward, then turn NoSuchKey into AccessDenied. */
  readonly answer: FaultAnswer | 'no-list-bucket';
  /** @default every time */
  readonly times?: number;
}

export interface FaultProxy {
  readonly url: string;
  /** Every request that reached the proxy, in order. */
  readonly requests: ProxiedRequest[];
  add(rule: FaultRule): void;
  reset(): void;
  close(): Promise<void>;
}

/** The error answer of an AWS service, in the shape its protocol uses. */
export function awsError(service: AwsService, status: number, code: string, message: string): FaultAnswer {
  if (service === 's3')
    return {
      status,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>FAULT0001</RequestId><HostId>fault-proxy</HostId></Error>`,
    };
  if (service === 'sesv2')
    return {
      status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': code, 'x-amzn-requestid': 'fault-0001' },
      body: JSON.stringify({ message }),
    };
  const contentType = service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
  return {
    status,
    headers: { 'content-type': contentType, 'x-amzn-requestid': 'fault-0001' },
    body: JSON.stringify({ __type: `com.amazonaws.${service}#${code}`, message }),
  };
}

function describe(method: string, path: string, headers: IncomingHttpHeaders): ProxiedRequest {
  const target = String(headers['x-amz-target'] ?? '');
  const [prefix = '', operation = ''] = target.split('.');
  if (prefix.startsWith('DynamoDB')) return { service: 'dynamodb', operation, method, path };
  if (prefix.startsWith('AmazonSSM')) return { service: 'ssm', operation, method, path };
  if (prefix.startsWith('AmazonSQS')) return { service: 'sqs', operation, method, path };
  if (path.startsWith('/v2/email')) return { service: 'sesv2', operation: `${method} ${path}`, method, path };
  return { service: 's3', operation: `${method} ${path}`, method, path };
}

/** Starts the proxy on loopback in front of `target` (moto's endpoint). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let rules: { rule: FaultRule; left: number }[] = [];
  const requests: ProxiedRequest[] = [];
  const send = (res: import('node:http').ServerResponse, answer: FaultAnswer, head: boolean) => {
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(head ? undefined : answer.body);
  };

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const request = describe(method, path.split('?')[0] ?? '/', req.headers);
    requests.push(request);
    const found = rules.find((r) => r.left > 0 && r.rule.match(request));
    if (found) found.left -= 1;
    const answer = found?.rule.answer;
    if (answer && answer !== 'no-list-bucket') return send(res, answer, method === 'HEAD');
    // Without s3:ListBucket, HeadBucket is refused too (it needs that permission).
    if (answer === 'no-list-bucket' && method === 'HEAD' && request.path.split('/').filter(Boolean).length === 1)
      return send(res, awsError('s3', 403, 'AccessDenied', 'Access Denied'), true);
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method,
        path,
        headers: { ...req.headers, host: upstream.host },
      },
      async (answerFromMoto) => {
        const parts: Buffer[] = [];
        for await (const chunk of answerFromMoto) parts.push(chunk as Buffer);
        const text = Buffer.concat(parts);
        // S3 answers a missing key with 403 when the caller may not list the bucket.
        if (answer === 'no-list-bucket' && answerFromMoto.statusCode === 404 && /NoSuchKey/.test(text.toString()))
          return send(res, awsError('s3', 403, 'AccessDenied', 'Access Denied'), method === 'HEAD');
        const headers = { ...answerFromMoto.headers };
        delete headers['transfer-encoding'];
        res.writeHead(answerFromMoto.statusCode ?? 502, { ...headers, 'content-length': String(text.length) });
        res.end(text);
      },
    );
    forwarded.on('error', () => send(res, { status: 502, body: 'moto unreachable' }, false));
    forwarded.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    add: (rule) => {
      rules.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    reset: () => {
      rules = [];
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An endpoint that refuses connections: a loopback port nothing listens on. */
export async function refusingEndpoint(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => resolve(free));
    });
  });
  return `http://127.0.0.1:${port}`;
}
