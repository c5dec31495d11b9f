import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookKind } from '../../lambda/notify/webhook/webhook-platform.js';

/**
 * A webhook endpoint that answers every request the way proxies and many frameworks answer a path
 * they do not route: 404 with the request quoted ("Cannot POST /services/T…/B…/<token>"), in the
 * forms such pages use (the path and query as received, the full URL, percent-encoded). Each of
 * the six kinds gets a URL of its platform's shape, its secrets where that platform keeps them.
 */
export interface EchoingReceiver {
  readonly urls: Readonly<Record<WebhookKind, string>>;
  /** Signing secrets of the kinds that sign. */
  readonly signing: Readonly<Partial<Record<WebhookKind, string>>>;
  /** Every secret a report or error must never show: URL keys, path tokens, signing secrets. */
  readonly secrets: readonly string[];
  requests(): number;
  close(): Promise<void>;
}

export async function startEchoingReceiver(): Promise<EchoingReceiver> {
  let count = 0;
  const server: Server = createServer(async (req, res) => {
    for await (const _ of req);
    count += 1;
    const url = req.url ?? '/';
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!DOCTYPE html><html><body><pre>Cannot ${req.method} ${url}</pre>` +
        `<p>No route for http://${req.headers.host}${url} (${encodeURIComponent(url)})</p></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokens = {
    wecom: '5f1d0c3a-9e7b-4d41-wecom-k3y',
    feishu: '9f8e7d6c-feishu-h00k-t0ken',
    lark: '4c3b2a19-lark-h00k-t0ken',
    dingtalk: '3a9c0e1d2b4fdingtalkAccessT0ken',
    slack: 'xoxbSlackW3bhookT0ken99',
    jsonPath: 'zap1erPathS3cret',
    jsonQuery: 'qu3ryS3cretT0ken',
  };
  const signing = {
    feishu: 'Fs1gnS3cretAbC123',
    lark: 'Lk1gnS3cretXyZ789',
    dingtalk: 'SECdingtalkS1gnS3cret0123456789',
    json: `whsec_${Buffer.from('an-echoing-receiver-signing-key!').toString('base64')}`,
  };
  const urls: Record<WebhookKind, string> = {
    wecom: `${base}/cgi-bin/webhook/send?key=${tokens.wecom}`,
    feishu: `${base}/open-apis/bot/v2/hook/${tokens.feishu}`,
    lark: `${base}/open-apis/bot/v2/hook/${tokens.lark}`,
    dingtalk: `${base}/robot/send?access_token=${tokens.dingtalk}`,
    slack: `${base}/services/T0A1B2C3D/B4E5F6G7H/${tokens.slack}`,
    json: `${base}/hooks/catch/1234567/${tokens.jsonPath}/?token=${tokens.jsonQuery}`,
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
