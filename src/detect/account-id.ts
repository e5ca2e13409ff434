const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const MAX_ACCOUNT_ID = 999_999_999_999;

/**
 * The AWS account an access key ID belongs to, decoded offline (the published decoding that
 * `aws sts get-access-key-info` performs online): base32-decode the 16 characters after the prefix,
 * read the first 48 bits as an integer z, and the account is (z & 0x7FFFFFFFFF80) >> 7.
 *
 * Key IDs whose fifth character is I or J are of the older generation, whose bits do not encode the
 * account; for them, for bits that decode to more than 12 digits, and for anything malformed this
 * returns undefined rather than a wrong number.
 */
export function accountIdFromKeyId(keyId: string): string | undefined {
  if (keyId.length !== 20) return undefined;
  const fifth = keyId[4];
  if (fifth === 'I' || fifth === 'J') return undefined;
  // The first 10 base32 characters hold 50 bits: enough for the 48 we need, and exact in a double.
  let bits50 = 0;
  for (let i = 4; i < 14; i++) {
    const digit = BASE32_ALPHABET.indexOf(keyId[i] ?? '');
    if (digit < 0) return undefined;
    bits50 = bits50 * 32 + digit;
  }
  const z = Math.floor(bits50 / 4); // the top 48 bits
  const account = Math.floor(z / 128) % 2 ** 40; // (z & 0x7FFFFFFFFF80) >> 7
  // 40 bits reach 1.1e12; account IDs have 12 digits. Beyond that the bits are not an account.
  if (account > MAX_ACCOUNT_ID) return undefined;
  return String(account).padStart(12, '0');
}
