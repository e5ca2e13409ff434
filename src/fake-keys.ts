import { Buffer } from 'node:buffer';
import { randomBytes, randomInt } from 'node:crypto';
import { accountIdFromKeyId } from './detect/account-id.js';
import { judgeKeyIdBody, judgeSecret } from './detect/plausibility.js';

/**
 * Fresh, random, key-shaped values for the demo and the tests. They have the exact shape of real
 * credentials but belong to no one. The repository never contains a key-shaped literal: every
 * fixture is generated here at run time.
 */

export const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export type KeyIdPrefix = 'AKIA' | 'ASIA' | 'ABIA' | 'ACCA';

export function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * A random access key ID of the current generation, as AWS issues them: it encodes a 12-digit
 * account ID (its fifth character is not I or J, and its account bits stay below 10^12). Bodies
 * the detector would call placeholders (about one in a million) are drawn again.
 */
export function freshKeyId(prefix: KeyIdPrefix = 'AKIA'): string {
  for (;;) {
    const keyId = prefix + randomString(BASE32_ALPHABET, 16);
    if (accountIdFromKeyId(keyId) !== undefined && judgeKeyIdBody(keyId.slice(4)) === 'credential') return keyId;
  }
}

/** A random secret access key: 40 of [A-Za-z0-9+/]. */
export function freshSecret(): string {
  for (;;) {
    const value = randomString(SECRET_ALPHABET, 40);
    if (judgeSecret(value) === 'credential') return value;
  }
}

/** A session-token-shaped value: the leading bytes real tokens have, then random base64. */
export function freshSessionToken(length = 600): string {
  const head = Buffer.from([0x21, 0x0a, 0x09, ...Buffer.from('origin_ec')]).toString('base64');
  const body = randomBytes(Math.ceil((length * 3) / 4)).toString('base64');
  return (head + body).slice(0, length);
}

/**
 * An access key ID that decodes to `accountId`: the inverse of the offline decoding, with the
 * account in bits 7..46 of the body's first 48 bits and every other bit random.
 */
export function keyIdForAccount(accountId: string, prefix: KeyIdPrefix = 'AKIA'): string {
  for (;;) {
    const first48 = (BigInt(randomInt(2)) << 47n) | (BigInt(accountId) << 7n) | BigInt(randomInt(128));
    const all80 = (first48 << 32n) | BigInt(randomInt(2 ** 32 - 1));
    let body = '';
    for (let i = 15; i >= 0; i--) body += BASE32_ALPHABET[Number((all80 >> BigInt(i * 5)) & 31n)];
    if (body[0] !== 'I' && body[0] !== 'J' && judgeKeyIdBody(body) === 'credential') return prefix + body;
  }
}

/** A random 12-digit AWS account ID (never one of the documentation's example accounts). */
export function freshAccountId(): string {
  for (;;) {
    const account = String(randomInt(10 ** 11, 10 ** 12 - 1)).padStart(12, '0');
    if (!/^(\d{4})\1\1$|^123456789012$|^(\d)\2+$/.test(account)) return account;
  }
}

/** A random service-specific credential password: base64 of 32 random bytes, as IAM generates them. */
export function freshServicePassword(): string {
  for (;;) {
    const password = randomBytes(32).toString('base64');
    if (/[a-z]/.test(password) && /[A-Z]/.test(password) && !/(.)\1{4}/.test(password)) return password;
  }
}

/** A long-term Amazon Bedrock API key: `ABSK` + base64 of `BedrockAPIKey-xxxx-at-<account>:<password>`. */
export function freshBedrockApiKey(accountId = freshAccountId(), iamUser = `BedrockAPIKey-${randomString('abcdefghijklmnopqrstuvwxyz0123456789', 4)}`): string {
  return `ABSK${Buffer.from(`${iamUser}-at-${accountId}:${freshServicePassword()}`).toString('base64')}`;
}

/**
 * A short-term Amazon Bedrock API key, shaped as AWS's token generator makes it: `bedrock-api-key-`
 * + base64 of a SigV4-presigned `CallWithBearerToken` request (signed here with random bytes).
 */
export function freshBedrockShortTermKey(options: { signingKeyId?: string; region?: string; signedAt?: Date; expiresSeconds?: number } = {}): string {
  const keyId = options.signingKeyId ?? freshKeyId('ASIA');
  const region = options.region ?? 'us-west-2';
  const stamp = (options.signedAt ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const query = [
    'Action=CallWithBearerToken',
    'X-Amz-Algorithm=AWS4-HMAC-SHA256',
    `X-Amz-Credential=${keyId}%2F${stamp.slice(0, 8)}%2F${region}%2Fbedrock%2Faws4_request`,
    `X-Amz-Date=${stamp}`,
    `X-Amz-Expires=${options.expiresSeconds ?? 43_200}`,
    `X-Amz-Security-Token=${encodeURIComponent(freshSessionToken(400))}`,
    'X-Amz-SignedHeaders=host',
    `X-Amz-Signature=${randomBytes(32).toString('hex')}`,
  ].join('&');
  return `bedrock-api-key-${Buffer.from(`bedrock.amazonaws.com/?${query}&Version=1`).toString('base64')}`;
}

/** An IAM Identity Center token as the AWS CLI caches it: `aoa…` (access) or `aor…` (refresh). */
export function freshSsoToken(type: 'access' | 'refresh' = 'access'): string {
  const head = type === 'access' ? 'aoa' : 'aor';
  return `${head}AAAAAG${randomBytes(180).toString('base64url')}:${randomBytes(72).toString('base64')}`;
}
