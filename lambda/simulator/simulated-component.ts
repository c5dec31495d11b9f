import { randomBytes } from 'node:crypto';
import { encryptMessage, messageSignature } from '../wechat/component/message-crypto.js';

/** A Mini Program that authorized the simulated platform. */
export interface SimulatedAuthorizer {
  readonly appid: string;
  readonly name: string;
  /** The permission sets granted (18 and 21 open the datacube). */
  readonly permissionSets: readonly number[];
  refreshToken: string;
  readonly authTime: number;
}

/** A third-party platform the simulator knows: its credentials, the ticket WeChat pushed last, its authorizers. */
export interface SimulatedComponent {
  readonly appid: string;
  readonly secret: string;
  /** The message token and EncodingAESKey of its authorization event URL. */
  readonly token: string;
  readonly encodingAesKey: string;
  verifyTicket: string;
  readonly authorizers: SimulatedAuthorizer[];
}

/** The demo platform: three Mini Programs, the third without the data-analysis permission. */
export function demoComponent(authorizerCount = 3): SimulatedComponent {
  const names = ['喵喵商城', 'Daily Brew Coffee', '鲜果到家', '书香阅读', '城市骑行'];
  return {
    appid: 'wxc0mp0nent0000001',
    secret: 'c0mp0nent5ecret0c0mp0nent5ecret0',
    token: 'wxa-component-token',
    encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    verifyTicket: 'ticket@@@demo-ticket',
    authorizers: Array.from({ length: authorizerCount }, (_, i) => ({
      appid:
        i === 0
          ? 'wx5f1d0c3a9e7b2d41'
          : i === 1
            ? 'wx0b8e2f6c1a3d5e97'
            : `wx${(0xa1000000 + i).toString(16).padStart(16, '0')}`,
      name: names[i % names.length] ?? `app ${i}`,
      permissionSets: i % 3 === 2 ? [1, 2, 3] : [1, 3, 18],
      refreshToken: `refreshtoken@@@${i}`,
      authTime: 1_700_000_000 + i,
    })),
  };
}

/**
 * A push to the platform's authorization event URL, encrypted and signed as WeChat does: the
 * query (timestamp, nonce, encrypt_type, msg_signature, signature) and the XML body.
 */
export function encryptedPush(
  component: SimulatedComponent,
  infoType: string,
  fields: Readonly<Record<string, string>>,
  now: Date,
): { query: Record<string, string>; body: string } {
  const createTime = String(Math.floor(now.getTime() / 1000));
  const inner = `<xml><AppId><![CDATA[${component.appid}]]></AppId><CreateTime>${createTime}</CreateTime><InfoType><![CDATA[${infoType}]]></InfoType>${Object.entries(
    fields,
  )
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</xml>`;
  const encrypted = encryptMessage(inner, component.appid, component.encodingAesKey);
  const nonce = randomBytes(5).toString('hex');
  return {
    query: {
      signature: messageSignature(component.token, createTime, nonce),
      timestamp: createTime,
      nonce,
      encrypt_type: 'aes',
      msg_signature: messageSignature(component.token, createTime, nonce, encrypted),
    },
    body: `<xml><AppId><![CDATA[${component.appid}]]></AppId><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
  };
}
