import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  aesKeyOf,
  decryptMessage,
  encryptMessage,
  MessageCryptoError,
  messageSignature,
} from '../../../lambda/wechat/component/message-crypto.js';

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const COMPONENT = 'wxcomponent000000001';
const TICKET =
  '<xml><AppId><![CDATA[wxcomponent000000001]]></AppId><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket></xml>';

describe("WeChat's message crypto", () => {
  it('decrypts what it encrypts, padded to 32-byte blocks', () => {
    const encrypted = encryptMessage(TICKET, COMPONENT, AES_KEY);

    expect(Buffer.from(encrypted, 'base64').length % 32).toBe(0);
    expect(decryptMessage(encrypted, COMPONENT, AES_KEY)).toBe(TICKET);
  });

  it('matches an independent construction of the plaintext (random, length, message, AppID)', () => {
    // Built here by hand from the published scheme, not with encryptMessage.
    const key = aesKeyOf(AES_KEY);
    const random = Buffer.alloc(16, 7);
    const body = Buffer.from('hello 你好');
    const plain = Buffer.concat([random, Buffer.from([0, 0, 0, body.length]), body, Buffer.from(COMPONENT)]);
    const pad = 32 - (plain.length % 32);
    const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const encrypted = Buffer.concat([
      cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
      cipher.final(),
    ]).toString('base64');

    expect(decryptMessage(encrypted, COMPONENT, AES_KEY)).toBe('hello 你好');
    expect(encryptMessage('hello 你好', COMPONENT, AES_KEY, random)).toBe(encrypted);
  });

  it('refuses a message for another AppID, a tampered ciphertext and another key', () => {
    const encrypted = encryptMessage(TICKET, COMPONENT, AES_KEY);
    const tampered = Buffer.from(encrypted, 'base64');
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0xff;

    expect(() => decryptMessage(encrypted, 'wxsomeoneelse0000001', AES_KEY)).toThrow(
      /for wxcomponent000000001, not wxsomeoneelse/,
    );
    expect(() => decryptMessage(tampered.toString('base64'), COMPONENT, AES_KEY)).toThrow(MessageCryptoError);
    expect(() => decryptMessage(encrypted, COMPONENT, 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut')).toThrow(
      MessageCryptoError,
    );
    expect(() => aesKeyOf('short')).toThrow(/43 letters and digits/);
  });

  it('signs as WeChat does: SHA-1 of the sorted token, timestamp, nonce and ciphertext', () => {
    // sha1("1409304348msg_encrypttokenxxxxxx"), computed with Python's hashlib.
    expect(messageSignature('token', '1409304348', 'xxxxxx', 'msg_encrypt')).toBe(
      '2e2c39e2288380ec6334d97a2145d649029cda2e',
    );
    expect(messageSignature('b', '2', '3', 'a')).toBe(messageSignature('3', 'a', 'b', '2'));
  });
});
