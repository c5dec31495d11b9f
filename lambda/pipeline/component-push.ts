import type { Clock } from '../calendar/beijing-calendar.js';
import {
  decryptMessage,
  MessageCryptoError,
  messageSignature,
  signatureMatches,
} from '../wechat/component/message-crypto.js';

/** Where the latest component_verify_ticket is kept (WeChat pushes one every 10 minutes). */
export interface TicketStore {
  put(ticket: string, receivedAt: Date): Promise<void>;
}

/** Remembers pushes already taken, so a replayed one is refused: false when `key` was seen. */
export interface ReplayGuard {
  firstTime(key: string, forgetAfter: Date): Promise<boolean>;
  /** Lets a push that could not be taken be taken when WeChat sends it again. */
  forget(key: string): Promise<void>;
}

export type AuthorizationEvent = {
  readonly kind: 'authorized' | 'updateauthorized' | 'unauthorized';
  readonly authorizerAppid: string;
};

export interface PushResult {
  /** The HTTP status to answer WeChat with; 200 with "success" when taken. */
  readonly status: number;
  readonly body: string;
  readonly event?: AuthorizationEvent | { readonly kind: 'ticket' };
}

/** A push that passed every check but could not be taken (stored or applied); WeChat should send it again. */
export class PushNotTakenError extends Error {
  override name = 'PushNotTakenError';
}

/** Pushes older or newer than this are refused: a replay cannot be far from its timestamp. */
const MAX_SKEW_SECONDS = 300;
const MAX_BODY_BYTES = 64 * 1024;

const field = (xml: string, name: string) =>
  new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`)
    .exec(xml)
    ?.slice(1)
    .find((v) => v !== undefined);

type PushDependencies = {
  readonly component: { readonly appid: string; readonly token: string; readonly encodingAesKey: string };
  readonly tickets: TicketStore;
  readonly replays: ReplayGuard;
  readonly clock: Clock;
  /**
   * Applies an authorization event (the registry); when it fails the push is answered 503 and
   * forgotten, so WeChat's own retry of it is taken. @default the event is only handed back
   */
  readonly onAuthorization?: (event: AuthorizationEvent) => Promise<void>;
};

type PushRequest = { readonly query: Readonly<Record<string, string | undefined>>; readonly body: string };

const refuse = (status: number, body: string): PushResult => ({ status, body });

/**
 * A push to the platform's authorization event URL: checked (signature, timestamp, replay, the
 * receiving AppID), decrypted, and taken — the ticket stored, an authorization event handed back
 * for the registry. Anything that fails a check is refused with 4xx and stores nothing.
 */
export async function receiveComponentPush(deps: PushDependencies, request: PushRequest): Promise<PushResult> {
  const opened = openPush(deps, request);
  if ('refused' in opened) return opened.refused;
  const { message, replayKey, forgetAfter } = opened;
  if (!(await deps.replays.firstTime(replayKey, forgetAfter))) return refuse(401, 'replayed');
  // Whatever fails from here was a genuine push: forgotten, so WeChat's retry of it is taken.
  const taking = async (what: string, take: () => Promise<void>) => {
    try {
      await take();
    } catch (error) {
      await deps.replays.forget(replayKey);
      throw new PushNotTakenError(what, { cause: error });
    }
  };
  const infoType = field(message, 'InfoType');
  if (infoType === 'component_verify_ticket') {
    const ticket = field(message, 'ComponentVerifyTicket');
    if (!ticket) return refuse(400, 'no ComponentVerifyTicket');
    await taking('the ticket could not be stored', () => deps.tickets.put(ticket, deps.clock()));
    return { status: 200, body: 'success', event: { kind: 'ticket' } };
  }
  if (infoType === 'authorized' || infoType === 'updateauthorized' || infoType === 'unauthorized') {
    const authorizerAppid = field(message, 'AuthorizerAppid');
    if (!authorizerAppid) return refuse(400, 'no AuthorizerAppid');
    const event = { kind: infoType, authorizerAppid } as const;
    await taking(`the ${infoType} event of ${authorizerAppid} could not be applied`, async () =>
      deps.onAuthorization?.(event),
    );
    return { status: 200, body: 'success', event };
  }
  // Other notices are acknowledged, as WeChat expects, and otherwise ignored.
  return { status: 200, body: 'success' };
}

/** The checks that need no store: size, query, timestamp, signature, decryption for this platform. */
function openPush(
  deps: PushDependencies,
  request: PushRequest,
): { refused: PushResult } | { message: string; replayKey: string; forgetAfter: Date } {
  if (Buffer.byteLength(request.body) > MAX_BODY_BYTES) return { refused: refuse(413, 'too large') };
  const { timestamp, nonce, msg_signature: signature, encrypt_type: encryptType } = request.query;
  if (!timestamp || !nonce || !signature || encryptType !== 'aes')
    return { refused: refuse(400, 'expected timestamp, nonce, msg_signature and encrypt_type=aes') };
  const sent = Number(timestamp);
  if (!Number.isFinite(sent) || Math.abs(deps.clock().getTime() / 1000 - sent) > MAX_SKEW_SECONDS)
    return { refused: refuse(401, 'stale or future timestamp') };
  const encrypted = field(request.body, 'Encrypt');
  if (!encrypted) return { refused: refuse(400, 'no Encrypt element') };
  if (!signatureMatches(messageSignature(deps.component.token, timestamp, nonce, encrypted), signature))
    return { refused: refuse(401, 'bad signature') };
  try {
    return {
      message: decryptMessage(encrypted, deps.component.appid, deps.component.encodingAesKey),
      replayKey: `${timestamp}:${nonce}:${signature}`,
      forgetAfter: new Date((sent + 2 * MAX_SKEW_SECONDS) * 1000),
    };
  } catch (error) {
    if (error instanceof MessageCryptoError) return { refused: refuse(400, 'does not decrypt for this platform') };
    throw error;
  }
}
