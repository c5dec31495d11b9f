import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's message encryption for pushes to a third-party platform (the scheme of its
 * WXBizMsgCrypt samples): AES-256-CBC with the key decoded from the 43-character EncodingAESKey,
 * the IV the key's first 16 bytes, PKCS#7 padding to 32-byte blocks; the plaintext is 16 random
 * bytes, the message length (4 bytes, big-endian), the message, and the receiving AppID.
 * `msg_signature` is the SHA-1 of token, timestamp, nonce and the ciphertext, sorted and joined.
 */

const BLOCK = 32;

export class MessageCryptoError extends Error {
  override name = 'MessageCryptoError';
}

/** The AES key of an EncodingAESKey (43 characters of base64 without its final "="). */
export function aesKeyOf(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey))
    throw new MessageCryptoError('the EncodingAESKey must be the 43 letters and digits from the platform settings');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new MessageCryptoError('the EncodingAESKey does not decode to a 32-byte key');
  return key;
}

/** `msg_signature` (and the plain `signature` when given no ciphertext). */
export function messageSignature(token: string, timestamp: string, nonce: string, encrypted?: string): string {
  const parts = [token, timestamp, nonce, ...(encrypted === undefined ? [] : [encrypted])].sort();
  return createHash('sha1').update(parts.join('')).digest('hex');
}

export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function encryptMessage(
  message: string,
  appid: string,
  encodingAesKey: string,
  random = randomBytes(16),
): string {
  const key = aesKeyOf(encodingAesKey);
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([random, length, body, Buffer.from(appid, 'utf8')]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString(
    'base64',
  );
}

/** The message, after checking the padding and that it was meant for `appid`. */
export function decryptMessage(encrypted: string, appid: string, encodingAesKey: string): string {
  const key = aesKeyOf(encodingAesKey);
  const data = Buffer.from(encrypted, 'base64');
  if (data.length === 0 || data.length % 16 !== 0)
    throw new MessageCryptoError('the ciphertext is not whole AES blocks');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch (cause) {
    throw new MessageCryptoError('the ciphertext does not decrypt with this EncodingAESKey', { cause });
  }
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK || plain.subarray(plain.length - pad).some((b) => b !== pad))
    throw new MessageCryptoError('the padding is wrong: another EncodingAESKey, or a tampered message');
  const content = plain.subarray(16, plain.length - pad);
  if (content.length < 4) throw new MessageCryptoError('the message is too short');
  const length = content.readUInt32BE(0);
  if (4 + length > content.length) throw new MessageCryptoError('the message length is wrong');
  const receiver = content.subarray(4 + length).toString('utf8');
  if (receiver !== appid) throw new MessageCryptoError(`the message is for ${receiver || 'no AppID'}, not ${appid}`);
  return content.subarray(4, 4 + length).toString('utf8');
}
