import { createRequire } from 'node:module';

/**
 * node:crypto, loaded on first use. Loading it costs several milliseconds of start-up, and the
 * commit hook needs it only when it has found something (fingerprints, line identities).
 */
const load = createRequire(import.meta.url);
let crypto: typeof import('node:crypto') | undefined;

function nodeCrypto(): typeof import('node:crypto') {
  crypto ??= load('node:crypto') as typeof import('node:crypto');
  return crypto;
}

export function createHash(algorithm: string): import('node:crypto').Hash {
  return nodeCrypto().createHash(algorithm);
}

export function createHmac(algorithm: string, key: Buffer): import('node:crypto').Hmac {
  return nodeCrypto().createHmac(algorithm, key);
}

export function randomBytes(size: number): Buffer {
  return nodeCrypto().randomBytes(size);
}

export function pbkdf2Sync(password: string, salt: string, iterations: number, length: number): Buffer {
  return nodeCrypto().pbkdf2Sync(password, salt, iterations, length, 'sha256');
}

/** PBKDF2-HMAC-SHA256 on libuv's thread pool: many at once use every core. */
export function pbkdf2(password: string, salt: string, iterations: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    nodeCrypto().pbkdf2(password, salt, iterations, length, 'sha256', (error, key) => (error ? reject(error) : resolve(key))),
  );
}
