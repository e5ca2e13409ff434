import { createHash } from '../lazy-crypto.js';
import type { CredentialKind } from './types.js';

/**
 * A stable identifier for a credential value that does not reveal it: allowlists and baselines
 * store this instead of the secret. The kind is part of the input so that the same characters seen
 * as two kinds never collide. 128 bits of SHA-256 are plenty to make an accidental match (which
 * would hide a different secret) practically impossible.
 */
export function fingerprintOf(kind: CredentialKind, value: string): string {
  return 'kg1:' + createHash('sha256').update(`keyguard\0${kind}\0${value}`).digest('hex').slice(0, 32);
}

/** First and last four characters: enough to recognise a key you own, never enough to use it. */
export function redact(value: string): string {
  if (value.length <= 12) return value.slice(0, 2) + '...';
  return `${value.slice(0, 4)}...${value.slice(-4)}`;
}
