import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins for the five webhook platforms. Each checks what the real one checks, written from
 * the platforms' documentation (not from our code): the signature recipe, timestamp units, the URL
 * key, and the size limits. Faults can be queued per platform.
 */
export type ReceiverKind = 'wecom' | 'feishu' | 'dingtalk' | 'slack' | 'json';

export interface ReceivedWebhook {
  readonly kind: ReceiverKind;
  readonly rawBody: string;
  readonly body: unknown;
  readonly headers: IncomingMessage['headers'];
  readonly rawQuery: string;
}

export interface Fault {
  readonly status: number;
  readonly body: string;
}

export interface WebhookReceivers {
  readonly base: string;
  readonly wecomKey: string;
  readonly secrets: { readonly feishu: string; readonly dingtalk: string; readonly json: string };
  urls: Record<ReceiverKind, string>;
  /** Accepted messages only. */
  accepted(kind: ReceiverKind): ReceivedWebhook[];
  /** The parsed body of the n-th accepted message; throws when there is none. */
  body<T>(kind: ReceiverKind, n?: number): T;
  /** Every request, accepted or not. */
  requests(kind: ReceiverKind): number;
  failNext(kind: ReceiverKind, times: number, fault: Fault): void;
  reset(): void;
  close(): Promise<void>;
}

const json = (value: unknown): Fault => ({ status: 200, body: JSON.stringify(value) });

/** What each platform answers to a message it accepted. */
const SUCCESS: Record<ReceiverKind, Fault> = {
  wecom: json({ errcode: 0, errmsg: 'ok' }),
  feishu: json({ code: 0, msg: 'success', data: {} }),
  dingtalk: json({ errcode: 0, errmsg: 'ok' }),
  slack: { status: 200, body: 'ok' },
  json: { status: 204, body: '' },
};

function hmacBase64(key: string | Buffer, message: string): string {
  return createHmac('sha256', key).update(message, 'utf8').digest('base64');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startWebhookReceivers(now: () => number = () => Date.now()): Promise<WebhookReceivers> {
  const wecomKey = '693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa';
  const secrets = {
    feishu: 'Fs3cretSignKeyAbC123',
    dingtalk: 'SEC1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c',
    json: `whsec_${Buffer.from('a-standard-webhooks-test-key-32b').toString('base64')}`,
  };
  const accepted: ReceivedWebhook[] = [];
  const counts = new Map<ReceiverKind, number>();
  const faults = new Map<ReceiverKind, { fault: Fault; left: number }[]>();

  const checks: Record<ReceiverKind, (r: ReceivedWebhook) => Fault | undefined> = {
    wecom(r) {
      const key = new URLSearchParams(r.rawQuery).get('key');
      if (key !== wecomKey) return json({ errcode: 93000, errmsg: 'invalid webhook url, hint: [1]' });
      const b = r.body as { msgtype?: string; markdown?: { content?: string } };
      if (b?.msgtype !== 'markdown' || typeof b.markdown?.content !== 'string')
        return json({ errcode: 40008, errmsg: 'invalid message type' });
      if (Buffer.byteLength(b.markdown.content, 'utf8') > 4096)
        return json({ errcode: 40058, errmsg: 'markdown.content exceed max length 4096' });
      return undefined;
    },
    feishu(r) {
      if (Buffer.byteLength(r.rawBody) > 20 * 1024) return json({ code: 9499, msg: 'request body too large' });
      const b = r.body as { timestamp?: string; sign?: string; msg_type?: string };
      // Feishu: timestamp in seconds, string in the body; sign = base64(HmacSHA256(key = ts + "\n" + secret, data = "")).
      const ts = Number(b?.timestamp);
      const fresh = Number.isInteger(ts) && Math.abs(now() / 1000 - ts) <= 3600;
      const expected = hmacBase64(`${b?.timestamp}\n${secrets.feishu}`, '');
      if (!fresh || typeof b?.sign !== 'string' || !sameText(b.sign, expected)) {
        return json({ code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' });
      }
      if (b.msg_type !== 'interactive') return json({ code: 9499, msg: 'Bad Request' });
      return undefined;
    },
    dingtalk(r) {
      // DingTalk: timestamp in milliseconds in the query; sign = urlEncode(base64(HmacSHA256(key = secret, data = ts + "\n" + secret))).
      const raw = Object.fromEntries(r.rawQuery.split('&').map((kv) => kv.split('=') as [string, string]));
      const ts = Number(raw.timestamp);
      const expected = hmacBase64(secrets.dingtalk, `${raw.timestamp}\n${secrets.dingtalk}`);
      const fresh = Number.isInteger(ts) && Math.abs(now() - ts) <= 3_600_000;
      if (raw.access_token !== 'dt-robot-token') return json({ errcode: 300001, errmsg: 'token is not exist' });
      if (!fresh || !raw.sign || !sameText(decodeURIComponent(raw.sign), expected))
        return json({ errcode: 310000, errmsg: 'sign not match' });
      const b = r.body as { msgtype?: string; markdown?: { title?: string; text?: string } };
      if (b?.msgtype !== 'markdown' || !b.markdown?.title || !b.markdown.text)
        return json({ errcode: 40035, errmsg: 'missing parameter' });
      if (Buffer.byteLength(r.rawBody) > 20_000) return json({ errcode: 460101, errmsg: 'message too long' });
      return undefined;
    },
    slack(r) {
      const b = r.body as { text?: string; blocks?: { type: string; text?: { type: string; text: string } }[] };
      if (typeof b?.text !== 'string' || !Array.isArray(b.blocks)) return { status: 400, body: 'invalid_payload' };
      if (b.blocks.length > 50) return { status: 400, body: 'invalid_blocks' };
      for (const block of b.blocks) {
        if (block.type === 'section' && (block.text?.text.length ?? 0) > 3000)
          return { status: 400, body: 'invalid_blocks' };
        if (block.type === 'header' && (block.text?.text.length ?? 0) > 150)
          return { status: 400, body: 'invalid_blocks' };
      }
      return undefined;
    },
    json(r) {
      // Standard Webhooks: sign "<webhook-id>.<webhook-timestamp>.<body>" with the base64 key after whsec_.
      const id = String(r.headers['webhook-id'] ?? '');
      const ts = String(r.headers['webhook-timestamp'] ?? '');
      const key = Buffer.from(secrets.json.slice('whsec_'.length), 'base64');
      const expected = hmacBase64(key, `${id}.${ts}.${r.rawBody}`);
      const offered = String(r.headers['webhook-signature'] ?? '')
        .split(' ')
        .filter((s) => s.startsWith('v1,'))
        .map((s) => s.slice(3));
      if (!id || Math.abs(now() / 1000 - Number(ts)) > 300 || !offered.some((s) => sameText(s, expected))) {
        return { status: 401, body: 'bad signature' };
      }
      if (Buffer.byteLength(r.rawBody) > 20 * 1024) return { status: 413, body: 'too large' };
      return undefined;
    },
  };

  const kindOf = (path: string): ReceiverKind | undefined => {
    if (path === '/cgi-bin/webhook/send') return 'wecom';
    if (path.startsWith('/open-apis/bot/v2/hook/')) return 'feishu';
    if (path === '/robot/send') return 'dingtalk';
    if (path.startsWith('/services/')) return 'slack';
    if (path === '/hooks/json') return 'json';
    return undefined;
  };

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const [path = '', rawQuery = ''] = (req.url ?? '').split('?');
    const kind = kindOf(path);
    if (!kind || req.method !== 'POST') {
      res.writeHead(404).end('no such hook');
      return;
    }
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const received: ReceivedWebhook = { kind, rawBody, body, headers: req.headers, rawQuery };
    const queued = faults.get(kind)?.find((f) => f.left > 0);
    if (queued) queued.left -= 1;
    const answer = queued ? queued.fault : checks[kind](received);
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      return;
    }
    accepted.push(received);
    const ok = SUCCESS[kind];
    res.writeHead(ok.status, { 'content-type': 'application/json' }).end(ok.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    wecomKey,
    secrets,
    urls: {
      wecom: `${base}/cgi-bin/webhook/send?key=${wecomKey}`,
      feishu: `${base}/open-apis/bot/v2/hook/0f1e2d3c-feishu`,
      dingtalk: `${base}/robot/send?access_token=dt-robot-token`,
      slack: `${base}/services/T000/B000/XXXXXXXX`,
      json: `${base}/hooks/json`,
    },
    accepted: (kind) => accepted.filter((a) => a.kind === kind),
    body<T>(kind: ReceiverKind, n = 0): T {
      const message = accepted.filter((a) => a.kind === kind)[n];
      if (!message) throw new Error(`no accepted ${kind} message #${n}`);
      return message.body as T;
    },
    requests: (kind) => counts.get(kind) ?? 0,
    failNext: (kind, times, fault) => faults.set(kind, [...(faults.get(kind) ?? []), { fault, left: times }]),
    reset: () => {
      accepted.length = 0;
      counts.clear();
      faults.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
