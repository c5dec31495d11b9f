import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendPacer } from '../../../lambda/notify/webhook/send-pacer.js';
import { WebhookChannel } from '../../../lambda/notify/webhook/webhook-channel.js';
import { WEBHOOK_KINDS, WebhookError, type WebhookKind } from '../../../lambda/notify/webhook/webhook-platform.js';
import { DeliveryError, deliverToAll } from '../../../lambda/pipeline/deliver.js';
import { silentLogger } from '../../../lambda/shared/logger.js';
import { type EchoingReceiver, startEchoingReceiver } from '../../support/echoing-receiver.js';
import { sampleDaily } from '../../support/sample-reports.js';

// Proxies and many frameworks answer a route they do not know with the request quoted: the secret
// in the URL (Slack's and Feishu's path token, WeCom's ?key=, DingTalk's ?access_token=, the JSON
// endpoint's path and query) would be copied into the error, the log, the ledger and FailedUnits.
let echo: EchoingReceiver;
beforeAll(async () => {
  echo = await startEchoingReceiver();
});
afterAll(() => echo?.close());

const channel = (kind: WebhookKind) =>
  new WebhookChannel({
    kind,
    url: echo.urls[kind],
    secret: echo.signing[kind],
    pacer: new SendPacer(
      () => 0,
      async () => {},
    ),
  });

describe('a webhook whose error page quotes the request', () => {
  it.each(WEBHOOK_KINDS)('%s: the error says what happened, without any secret', async (kind) => {
    // Act
    const error = await channel(kind)
      .deliver(sampleDaily())
      .then(
        () => undefined,
        (e: unknown) => e as WebhookError,
      );

    // Assess
    expect(error).toBeInstanceOf(WebhookError);
    expect(error?.retryable).toBe(false);
    expect(error?.message).toMatch(new RegExp(`^${kind} webhook \\(127\\.0\\.0\\.1:\\d+\\): HTTP 404: .*Cannot POST `));
    for (const secret of echo.secrets) {
      expect(error?.message).not.toContain(secret);
      expect(error?.message).not.toContain(encodeURIComponent(secret));
    }
  });

  it('leaves none in the line a person reads when every channel fails at once', async () => {
    const failure = await deliverToAll(WEBHOOK_KINDS.map(channel), sampleDaily(), [], silentLogger).then(
      () => undefined,
      (e: unknown) => e as DeliveryError,
    );

    expect(failure).toBeInstanceOf(DeliveryError);
    expect(failure?.failures).toHaveLength(6);
    for (const secret of echo.secrets) expect(failure?.message).not.toContain(secret);
  });
});
