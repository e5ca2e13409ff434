import { createHash, pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { accountIdFromKeyId } from '../../src/detect/account-id.js';
import { KEY_ID_STRETCH_ITERATIONS, publicFingerprintOf, redact } from '../../src/detect/identity.js';
import { BASE32_ALPHABET, freshKeyId, freshSecret, keyIdForAccount } from '../../src/fake-keys.js';
import { Sandbox } from '../support/sandbox.js';

/**
 * What keyguard writes about a key ID must not give it back: the redacted form, the account and
 * the fingerprint together leave at least 2^40 SHA-256 computations to recover it. Fingerprints from
 * keyguard 0.1 (kg1) in baselines and allow lists keep working.
 */

const kg1 = (kind: string, value: string) => 'kg1:' + createHash('sha256').update(`keyguard\0${kind}\0${value}`).digest('hex').slice(0, 32);
const config = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

let repo: Sandbox | undefined;
afterEach(() => repo?.remove());

describe('fingerprints and redaction', () => {
  it('a key ID fingerprint is PBKDF2-HMAC-SHA256 with 4,096 iterations, the same on every machine', () => {
    const keyId = freshKeyId();
    const expected = pbkdf2Sync(keyId, 'keyguard-kg2\0access-key-id', 4096, 16, 'sha256').toString('hex');
    expect(publicFingerprintOf('access-key-id', keyId)).toBe(`kg2:${expected}`);
    expect(KEY_ID_STRETCH_ITERATIONS).toBeGreaterThanOrEqual(4096);
  });

  it('what the outputs show of a key ID leaves at least 2^40 SHA-256 computations to recover it', () => {
    for (let i = 0; i < 200; i++) {
      const keyId = keyIdForAccount('210987654321');
      const shown = redact(keyId);
      expect(shown).toMatch(/^AKIA\.\.\.[A-Z2-7]{2}$/);
      expect(accountIdFromKeyId(keyId)).toBe('210987654321');
      // Of the 16 base32 characters (80 bits): the account (40 bits), the bit above it (1 in AWS's
      // keys) and the two characters shown (10 bits) are known; the rest must be guessed.
      const shownChars = shown.length - 'AKIA...'.length;
      const unknownBits = 16 * Math.log2(BASE32_ALPHABET.length) - 40 - 1 - shownChars * 5;
      // Each guess costs one PBKDF2: 2 SHA-256 compressions per iteration.
      const costBits = Math.log2(2 * KEY_ID_STRETCH_ITERATIONS);
      expect(unknownBits + costBits).toBeGreaterThanOrEqual(42);
    }
  });

  it('outputs never carry a kg1 fingerprint or the key ID, in any format; the baseline writes kg2', () => {
    repo = Sandbox.create();
    const keyId = freshKeyId();
    repo.write('a.ini', `aws_access_key_id = ${keyId}\naws_secret_access_key = ${freshSecret()}\n`).gitOk('add', '.');
    for (const args of [['check', '--format', 'json'], ['check', '--format', 'sarif'], ['check', '--verbose']]) {
      const result = repo.keyguard(args);
      expect(result.status).toBe(1);
      expect(result.stdout + result.stderr).not.toMatch(/kg1:/);
      expect(result.stdout + result.stderr).toMatch(/kg2:[0-9a-f]{32}/);
      expect(result.stdout + result.stderr).not.toContain(keyId);
      expect(result.stdout + result.stderr).not.toContain(keyId.slice(-4));
    }
    repo.gitOk('commit', '--no-verify', '-m', 'keys');
    expect(repo.keyguard(['baseline']).status).toBe(0);
    const baseline = readFileSync(repo.path('.keyguard-baseline.json'), 'utf8');
    expect(baseline).toMatch(/kg2:/);
    expect(baseline).not.toMatch(/kg1:|AKIA/);
  });

  it('baselines and allow lists written by keyguard 0.1 (kg1) still match; kg2 ones match too', () => {
    repo = Sandbox.create();
    const keyId = freshKeyId();
    const secret = freshSecret();
    repo.write('a.ini', `aws_access_key_id = ${keyId}\n`).write('b.ini', `aws_secret_access_key = ${secret}\n`).gitOk('add', '.');
    const old = { note: 'keyguard 0.1', findings: [{ path: 'a.ini', kind: 'access-key-id', fingerprint: kg1('access-key-id', keyId) }] };
    repo.write('.keyguard-baseline.json', config(old));
    repo.write('keyguard.config.json', config({ allow: [kg1('secret-access-key', secret)] }));
    repo.gitOk('add', '.');
    const before = repo.findings(['--verbose']);
    expect(before).toMatchObject({ status: 0, findings: [] });

    repo.write('.keyguard-baseline.json', config({ findings: [{ path: 'a.ini', kind: 'access-key-id', fingerprint: publicFingerprintOf('access-key-id', keyId) }] }));
    repo.write('keyguard.config.json', config({ allow: [publicFingerprintOf('secret-access-key', secret)] }));
    repo.gitOk('add', '.');
    expect(repo.findings()).toMatchObject({ status: 0, findings: [] });
  });
});
