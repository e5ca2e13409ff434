import { createHash, pbkdf2, pbkdf2Sync } from '../lazy-crypto.js';
import type { CredentialKind } from './types.js';

/**
 * The identity of a credential value inside keyguard (kg1): an unsalted SHA-256 of kind and value,
 * fast enough to key every detection with. It is never written anywhere any more: reports,
 * baselines and the exposure record use the stretched form below. Baselines and allow lists
 * written by keyguard 0.1 hold kg1 values, and keep working: at scan time the value is known, so
 * both forms can be computed and compared.
 */
export function fingerprintOf(kind: CredentialKind, value: string): string {
  return 'kg1:' + createHash('sha256').update(`keyguard\0${kind}\0${value}`).digest('hex').slice(0, 32);
}

/** A fingerprint as keyguard writes it (kg2) or wrote it (kg1). */
export const FINGERPRINT_PATTERN = /^kg[12]:[0-9a-f]{32}$/;

/**
 * What a report, a baseline or the exposure record reveals about an access key ID, taken together:
 * its prefix, its last two characters (10 bits), and the AWS account decoded from it (40 bits);
 * the first bit after the account's is 1 in every key AWS issues. Of the 80 bits of the key's 16
 * base32 characters, 29 stay unknown. Each guess must then be checked against the fingerprint,
 * which costs PBKDF2-HMAC-SHA256 with 4,096 iterations: 2 × 4,096 SHA-256 compressions (2^13). In
 * all, 2^42 SHA-256 computations to try every key the outputs allow (half of that on average),
 * at least 2^40 as asked. Secret keys and session tokens hold 240 random bits or more: a plain
 * SHA-256 of them cannot be reversed, and they are not stretched.
 */
export const KEY_ID_STRETCH_ITERATIONS = 4096;
const DIGEST_BYTES = 16;
const KEY_ID_SALT = 'keyguard-kg2\0access-key-id';

/**
 * Computed digests, shared by every copy of this module: the CLI's bundle and the chunks it loads on
 * demand each carry one (see scripts/build.mjs), and a stretched digest is worth computing once.
 */
const SHARED = Symbol.for('keyguard.credentialDigests');
const digests: Map<string, Buffer> = ((globalThis as Record<symbol, unknown>)[SHARED] as Map<string, Buffer> | undefined) ?? new Map();
(globalThis as Record<symbol, unknown>)[SHARED] = digests;
const memoKey = (kind: CredentialKind, value: string) => `${kind}\0${value}`;

function fastDigest(kind: CredentialKind, value: string): Buffer {
  return createHash('sha256').update(`keyguard-kg2\0${kind}\0${value}`).digest().subarray(0, DIGEST_BYTES);
}

/** The 16-byte digest a kg2 fingerprint shows (stretched for access key IDs), computed once per value. */
export function credentialDigest(kind: CredentialKind, value: string): Buffer {
  const key = memoKey(kind, value);
  let digest = digests.get(key);
  if (digest === undefined) {
    digest = kind === 'access-key-id' ? pbkdf2Sync(value, KEY_ID_SALT, KEY_ID_STRETCH_ITERATIONS, DIGEST_BYTES) : fastDigest(kind, value);
    digests.set(key, digest);
  }
  return digest;
}

/**
 * Computes the digests of many values at once, the stretched ones on libuv's thread pool (all cores),
 * so that a report of a hundred key IDs does not wait for a hundred PBKDF2 runs one after another.
 */
export async function prepareCredentialDigests(items: Iterable<{ kind: CredentialKind; value: string }>): Promise<void> {
  const pending = new Map<string, Promise<void>>();
  for (const { kind, value } of items) {
    const key = memoKey(kind, value);
    if (digests.has(key) || pending.has(key)) continue;
    if (kind !== 'access-key-id') {
      digests.set(key, fastDigest(kind, value));
      continue;
    }
    pending.set(
      key,
      pbkdf2(value, KEY_ID_SALT, KEY_ID_STRETCH_ITERATIONS, DIGEST_BYTES).then((digest) => {
        digests.set(key, digest);
      }),
    );
  }
  await Promise.all(pending.values());
}

/**
 * The fingerprint keyguard writes (kg2): identifies a credential across clones and machines (no
 * per-repository salt, so baselines and allow lists stay valid), and does not give the key back.
 */
export function publicFingerprintOf(kind: CredentialKind, value: string): string {
  return 'kg2:' + credentialDigest(kind, value).toString('hex');
}

/** The fingerprints a configuration entry may hold for this credential: the current form and the 0.1 one. */
export function fingerprintsOf(kind: CredentialKind, value: string): [string, string] {
  return [publicFingerprintOf(kind, value), fingerprintOf(kind, value)];
}

const KEY_ID = /^(AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}$/;

/**
 * Enough to recognise a credential you own, never enough to use it or to guess it: an access key ID
 * shows its prefix and last two characters (see KEY_ID_STRETCH_ITERATIONS for why not more), other
 * values their first and last four characters.
 */
export function redact(value: string): string {
  if (KEY_ID.test(value)) return `${value.slice(0, 4)}...${value.slice(-2)}`;
  if (value.length <= 12) return value.slice(0, 2) + '...';
  return `${value.slice(0, 4)}...${value.slice(-4)}`;
}
