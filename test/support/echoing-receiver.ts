import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookKind } from '../../lambda/notify/webhook/webhook-platform.js';

/**
 * A webhook endpoint that answers every request the way proxies and many frameworks answer a path
 * they do not route: 404 with the request quoted ("Cannot POST /services/T…/B…/<token>"), in the
 * forms such pages use (the path and query as received, the full URL, percent-encoded). Each of
 * the six kinds gets a URL of its platform's shape, its secrets where that platform keeps them;
 * the JSON endpoint's is an Azure Logic Apps trigger URL (a long path, the key in `?sig=`).
 *
 * `answer`: `html` (an error page), `json` (an API gateway's `{"error":"not found","path":…}`,
 * where the secret sits past the first 200 characters), or `redirect` (301 to the same path and
 * query on another host, as a moved endpoint or an http→https rule answers).
 */
export type EchoingAnswer = 'html' | 'json' | 'redirect';

export interface EchoingReceiver {
  readonly urls: Readonly<Record<WebhookKind, string>>;
  /** Signing secrets of the kinds that sign. */
  readonly signing: Readonly<Partial<Record<WebhookKind, string>>>;
  /** Every secret a report or error must never show: URL keys, path tokens, signing secrets. */
  readonly secrets: readonly string[];
  requests(): number;
  close(): Promise<void>;
}

export async function startEchoingReceiver(answer: EchoingAnswer = 'html'): Promise<EchoingReceiver> {
  let count = 0;
  const server: Server = createServer(async (req, res) => {
    for await (const _ of req);
    count += 1;
    const url = req.url ?? '/';
    if (answer === 'redirect') {
      res.writeHead(301, { location: `https://moved.example.com${url}`, 'content-type': 'text/plain' });
      res.end(`Moved Permanently. Redirecting to https://moved.example.com${url}`);
      return;
    }
    if (answer === 'json') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: 'not found',
          path: url,
          method: req.method,
          message: `No route matches ${req.method} http://${req.headers.host}${url}`,
          requestId: '9f86d081884c7d65',
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!DOCTYPE html><html><body><pre>Cannot ${req.method} ${url}</pre>` +
        `<p>No route for http://${req.headers.host}${url} (${encodeURIComponent(url)})</p></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokens = {
    wecom: '8c2e4a6b-1d3f-4e5a-wecom-k3y',
    feishu: '9f8e7d6c-feishu-h00k-t0ken',
    lark: '4c3b2a19-lark-h00k-t0ken',
    dingtalk: '3a9c0e1d2b4f9e8dAccessT0ken77',
    slack: 'xoxbSlackW3bhookT0ken99',
    jsonWorkflow: '4f1c2b9e8d7a6c5b4a3f2e1d0c9b8a7f',
    jsonSig: 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE',
  };
  const signing = {
    feishu: 'Fs1gnS3cretAbC123',
    lark: 'Lk1gnS3cretXyZ789',
    dingtalk: 'SEC8d2f1e0c9b7a6S1gnS3cret0123456789',
    json: `whsec_${Buffer.from('an-echoing-receiver-signing-key!').toString('base64')}`,
  };
  const urls: Record<WebhookKind, string> = {
    wecom: `${base}/cgi-bin/webhook/send?key=${tokens.wecom}`,
    feishu: `${base}/open-apis/bot/v2/hook/${tokens.feishu}`,
    lark: `${base}/open-apis/bot/v2/hook/${tokens.lark}`,
    dingtalk: `${base}/robot/send?access_token=${tokens.dingtalk}`,
    slack: `${base}/services/T0A1B2C3D/B4E5F6G7H/${tokens.slack}`,
    json: `${base}/workflows/${tokens.jsonWorkflow}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${tokens.jsonSig}`,
  };
  return {
    urls,
    signing,
    secrets: [...Object.values(tokens), ...Object.values(signing)],
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Every piece of a secret (8 characters or more, whole or percent-encoded) found in a text: a secret
 * cut short by a length limit is still a leak. Empty when the text holds none.
 */
export function secretPiecesIn(text: string, secrets: readonly string[], piece = 8): string[] {
  const found = new Set<string>();
  for (const secret of secrets)
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      for (let i = 0; i + piece <= form.length; i++) {
        const part = form.slice(i, i + piece);
        if (text.includes(part)) found.add(part);
      }
  return [...found];
}
