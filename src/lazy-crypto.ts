import { createRequire } from 'node:module';

/**
 * node:crypto, loaded on first use. Loading it costs several milliseconds of start-up, and the
 * commit hook needs it only when it has found something (fingerprints, line identities).
 */
const load = createRequire(import.meta.url);
let crypto: typeof import('node:crypto') | undefined;

export function createHash(algorithm: string): import('node:crypto').Hash {
  crypto ??= load('node:crypto') as typeof import('node:crypto');
  return crypto.createHash(algorithm);
}
