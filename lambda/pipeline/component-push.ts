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

/**
 * A push to the platform's authorization event URL: checked (signature, timestamp, replay, the
 * receiving AppID), decrypted, and taken — the ticket stored, an authorization event handed back
 * for the registry. Anything that fails a check is refused with 4xx and stores nothing.
 */
export async function receiveComponentPush(
  deps: {
    readonly component: { readonly appid: string; readonly token: string; readonly encodingAesKey: string };
    readonly tickets: TicketStore;
    readonly replays: ReplayGuard;
    readonly clock: Clock;
    /**
     * Applies an authorization event (the registry); when it fails the push is answered 503 and
     * forgotten, so WeChat's own retry of it is taken. @default the event is only handed back
     */
    readonly onAuthorization?: (event: AuthorizationEvent) => Promise<void>;
  },
  request: { readonly query: Readonly<Record<string, string | undefined>>; readonly body: string },
): Promise<PushResult> {
  const refuse = (status: number, body: string): PushResult => ({ status, body });
  if (Buffer.byteLength(request.body) > MAX_BODY_BYTES) return refuse(413, 'too large');
  const { timestamp, nonce, msg_signature: signature, encrypt_type: encryptType } = request.query;
  if (!timestamp || !nonce || !signature || encryptType !== 'aes')
    return refuse(400, 'expected timestamp, nonce, msg_signature and encrypt_type=aes');
  const now = deps.clock().getTime() / 1000;
  const sent = Number(timestamp);
  if (!Number.isFinite(sent) || Math.abs(now - sent) > MAX_SKEW_SECONDS)
    return refuse(401, 'stale or future timestamp');
  const encrypted = field(request.body, 'Encrypt');
  if (!encrypted) return refuse(400, 'no Encrypt element');
  if (!signatureMatches(messageSignature(deps.component.token, timestamp, nonce, encrypted), signature))
    return refuse(401, 'bad signature');
  let message: string;
  try {
    message = decryptMessage(encrypted, deps.component.appid, deps.component.encodingAesKey);
  } catch (error) {
    if (error instanceof MessageCryptoError) return refuse(400, 'does not decrypt for this platform');
    throw error;
  }
  const replayKey = `${timestamp}:${nonce}:${signature}`;
  if (!(await deps.replays.firstTime(replayKey, new Date((sent + 2 * MAX_SKEW_SECONDS) * 1000))))
    return refuse(401, 'replayed');
  const infoType = field(message, 'InfoType');
  if (infoType === 'component_verify_ticket') {
    const ticket = field(message, 'ComponentVerifyTicket');
    if (!ticket) return refuse(400, 'no ComponentVerifyTicket');
    try {
      await deps.tickets.put(ticket, deps.clock());
    } catch (error) {
      await deps.replays.forget(replayKey);
      throw new PushNotTakenError('the ticket could not be stored', { cause: error });
    }
    return { status: 200, body: 'success', event: { kind: 'ticket' } };
  }
  if (infoType === 'authorized' || infoType === 'updateauthorized' || infoType === 'unauthorized') {
    const authorizerAppid = field(message, 'AuthorizerAppid');
    if (!authorizerAppid) return refuse(400, 'no AuthorizerAppid');
    const event = { kind: infoType, authorizerAppid } as const;
    try {
      await deps.onAuthorization?.(event);
    } catch (error) {
      await deps.replays.forget(replayKey);
      throw new PushNotTakenError(`the ${infoType} event of ${authorizerAppid} could not be applied`, { cause: error });
    }
    return { status: 200, body: 'success', event };
  }
  // Other notices are acknowledged, as WeChat expects, and otherwise ignored.
  return { status: 200, body: 'success' };
}
