import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendPacer } from '../../../lambda/notify/webhook/send-pacer.js';
import { WebhookChannel } from '../../../lambda/notify/webhook/webhook-channel.js';
import { WEBHOOK_KINDS, WebhookError, type WebhookKind } from '../../../lambda/notify/webhook/webhook-platform.js';
import { DeliveryError, deliverToAll } from '../../../lambda/pipeline/deliver.js';
import { classifyFailure } from '../../../lambda/shared/classify-failure.js';
import { silentLogger } from '../../../lambda/shared/logger.js';
import {
  type EchoingAnswer,
  type EchoingReceiver,
  secretPiecesIn,
  startEchoingReceiver,
} from '../../support/echoing-receiver.js';
import { sampleDaily } from '../../support/sample-reports.js';

// Proxies and many frameworks answer a route they do not know with the request quoted: the secret
// in the URL (Slack's and Feishu's path token, WeCom's ?key=, DingTalk's ?access_token=, the JSON
// endpoint's path and query) would be copied into the error, the log, the ledger and FailedUnits.
const echo: Partial<Record<EchoingAnswer, EchoingReceiver>> = {};
beforeAll(async () => {
  for (const answer of ['html', 'json', 'redirect'] as const) echo[answer] = await startEchoingReceiver(answer);
});
afterAll(() => Promise.all(Object.values(echo).map((receiver) => receiver.close())));

const channel = (kind: WebhookKind, answer: EchoingAnswer = 'html') => {
  const receiver = echo[answer] as EchoingReceiver;
  return new WebhookChannel({
    kind,
    url: receiver.urls[kind],
    secret: receiver.signing[kind],
    pacer: new SendPacer(
      () => 0,
      async () => {},
    ),
  });
};
const failureOf = (kind: WebhookKind, answer: EchoingAnswer) =>
  channel(kind, answer)
    .deliver(sampleDaily())
    .then(
      () => undefined,
      (e: unknown) => e as WebhookError,
    );

describe('a webhook whose error page quotes the request', () => {
  it.each(WEBHOOK_KINDS.flatMap((kind) => (['html', 'json'] as const).map((answer) => [kind, answer] as const)))(
    '%s answering a %s 404: the error says what happened, without any secret or piece of one',
    async (kind, answer) => {
      // Act
      const error = await failureOf(kind, answer);

      // Assess
      expect(error).toBeInstanceOf(WebhookError);
      expect(error?.retryable).toBe(false);
      expect(error?.message).toMatch(
        new RegExp(
          `^${kind} webhook \\(127\\.0\\.0\\.1:\\d+\\): HTTP 404: .*${answer === 'html' ? 'Cannot POST ' : '"error":"not found"'}`,
        ),
      );
      expect(secretPiecesIn(error?.message ?? '', (echo[answer] as EchoingReceiver).secrets)).toEqual([]);
    },
  );

  it('the JSON endpoint quoting its URL past the first 200 characters leaves no piece of its sig', async () => {
    // The sig starts at character 166 of the answer: a cut to 200 before redacting kept 34 of its 43.
    const error = await failureOf('json', 'json');

    expect(error?.message).toMatch(/HTTP 404: \{"error":"not found","path":"\*\*\*\?\*\*\*"/);
    expect(secretPiecesIn(error?.message ?? '', (echo.json as EchoingReceiver).secrets)).toEqual([]);
  });

  it('leaves none in the line a person reads when every channel fails at once', async () => {
    const failure = await deliverToAll(
      WEBHOOK_KINDS.map((kind) => channel(kind, 'json')),
      sampleDaily(),
      [],
      silentLogger,
    ).then(
      () => undefined,
      (e: unknown) => e as DeliveryError,
    );

    expect(failure).toBeInstanceOf(DeliveryError);
    expect(failure?.failures).toHaveLength(6);
    expect(secretPiecesIn(failure?.message ?? '', (echo.json as EchoingReceiver).secrets)).toEqual([]);
  });
});

describe('a webhook that answers with a redirect', () => {
  it.each(WEBHOOK_KINDS)(
    '%s: "the URL redirects", where to with secrets masked, for a person, tried once',
    async (kind) => {
      // Prepare
      const receiver = echo.redirect as EchoingReceiver;
      const before = receiver.requests();

      // Act
      const error = await failureOf(kind, 'redirect');

      // Assess
      expect(error).toBeInstanceOf(WebhookError);
      expect(error?.retryable).toBe(false);
      expect(receiver.requests() - before).toBe(1);
      expect(error?.message).toMatch(
        new RegExp(
          `^${kind} webhook \\(127\\.0\\.0\\.1:\\d+\\): the URL redirects \\(HTTP 301 to https://moved\\.example\\.com.*, secrets masked\\): .*put the address it should post to in its URL$`,
        ),
      );
      expect(error?.message).not.toMatch(/connection failed|tried \d+ times/);
      expect(secretPiecesIn(error?.message ?? '', receiver.secrets)).toEqual([]);
      expect(classifyFailure(error)).toMatchObject({ kind: 'needs-person', line: error?.message });
    },
  );
});
