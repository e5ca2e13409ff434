import { describe, expect, it } from 'vitest';
import { accountIdFromKeyId } from '../../src/detect/index.js';
import { entropyBitsPerChar, judgeKeyIdBody, judgeSecret } from '../../src/detect/plausibility.js';
import { BASE32_ALPHABET, SECRET_ALPHABET, freshKeyId, keyIdForAccount, randomString } from '../../src/fake-keys.js';

describe('thresholds, re-measured', () => {
  // The rules in plausibility.ts claim to reject real keys with probability below 1e-5. Sampling
  // 200,000 uniformly random keys must then reject at most a handful (expected: about 2).
  const SAMPLES = 200_000;

  it('rejects almost no uniformly random key ID bodies', () => {
    let rejected = 0;
    for (let i = 0; i < SAMPLES; i++) if (judgeKeyIdBody(randomString(BASE32_ALPHABET, 16)) !== 'credential') rejected++;
    expect(rejected / SAMPLES).toBeLessThan(1e-4);
  });

  it('rejects almost no uniformly random secrets', () => {
    let rejected = 0;
    let lowest = Infinity;
    for (let i = 0; i < SAMPLES; i++) {
      const value = randomString(SECRET_ALPHABET, 40);
      if (judgeSecret(value) !== 'credential') rejected++;
      lowest = Math.min(lowest, entropyBitsPerChar(value));
    }
    expect(rejected / SAMPLES).toBeLessThan(1e-4);
    expect(lowest).toBeGreaterThan(3.5); // the entropy threshold's margin
  });

  it('rejects what placeholders look like', () => {
    expect(judgeKeyIdBody('XXXXXXXXXXXXXXXX')).toBe('placeholder');
    expect(judgeKeyIdBody('ABCDEFGHIJKLMNOP')).toBe('placeholder');
    expect(judgeKeyIdBody('IOSFODNN7EXAMPLE')).toBe('example');
    expect(judgeSecret('x'.repeat(40))).toBe('placeholder');
    expect(judgeSecret('0123456789abcdef0123456789abcdef01234567')).toBe('placeholder');
    expect(judgeSecret('aaaaaBBBBBcccccDDDDDeeeeeFFFFFgggggHHHHH')).toBe('placeholder');
  });
});

describe('account ID decoding (offline)', () => {
  it('decodes the published test vector', () => {
    // Assembled at run time: the repository holds no key-shaped literal, not even a public one.
    // keyguard finds joined literals too; this one is AWS's published test vector.
    expect(accountIdFromKeyId(['ASIA', 'Y34FZKBOKMUTVV7A'].join(''))).toBe('609629065308'); // keyguard:allow
  });

  it('round-trips keys built from known account IDs', () => {
    for (const account of ['000000000001', '123456789012', '999999999999', '609629065308', '012345678901']) {
      for (const prefix of ['AKIA', 'ASIA'] as const) expect(accountIdFromKeyId(keyIdForAccount(account, prefix))).toBe(account);
    }
  });

  it('says nothing when the bits decode to more than 12 digits (not an account)', () => {
    // 40 account bits, all set: 1,099,511,627,775.
    const body = 'P' + '7'.repeat(8) + randomString(BASE32_ALPHABET, 7);
    expect(accountIdFromKeyId(`AKIA${body}`)).toBeUndefined();
    // The fixtures look like keys AWS issues: every one decodes to a 12-digit account.
    for (let i = 0; i < 2000; i++) expect(accountIdFromKeyId(freshKeyId())).toMatch(/^\d{12}$/);
  });

  it('says nothing for old-generation key IDs (fifth character I or J), whose bits do not encode the account', () => {
    expect(accountIdFromKeyId('AKIAIOSFODNN7EXAMPLE')).toBeUndefined();
    expect(accountIdFromKeyId(`AKIAJ${randomString(BASE32_ALPHABET, 15)}`)).toBeUndefined();
  });
});
