/**
 * Character classes as lookup tables indexed by UTF-16 code unit. The scanner tests characters in
 * tight loops over untrusted, possibly huge input, so these stay branch-light and allocation-free.
 */

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';

/** The alphabet of a secret access key. */
const SECRET = table(UPPER + LOWER + DIGITS + '+/');
/** Standard and URL-safe base64, without the padding ('=' ends a run, and base64 decoders stop there). */
const BASE64 = table(UPPER + LOWER + DIGITS + '+/-_');
const HEX = table(DIGITS + 'abcdefABCDEF');

export const isSecretChar = (c: number): boolean => c < 128 && SECRET[c] === 1;
export const isBase64Char = (c: number): boolean => c < 128 && BASE64[c] === 1;
export const isHexChar = (c: number): boolean => c < 128 && HEX[c] === 1;

export const BACKSLASH = 92;
export const PERCENT = 37;
export const SLASH = 47;
export const EQUALS = 61;
