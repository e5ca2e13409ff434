import { DecodedBuilder, type Decoded } from './decoded.js';

/**
 * Bytes written as plain hexadecimal: `414b4941…` (`xxd -p`, `od`, `hexdump`, hex columns in
 * databases and logs), possibly with a space or a line end between bytes (`41 4b 49 41`, wrapped
 * dumps). Such text is found by the hex form of a key ID's prefix, or of a secret's value within the
 * evidence of a name (an 80-digit run, see scan-text.ts), never by decoding every hex run: hashes are
 * hex too.
 */

const PREFIX_BYTES: Record<string, string> = { AKIA: '414b4941', ASIA: '41534941', ABIA: '41424941', ACCA: '41434341' };

/** A byte's two hex digits in either case, with an optional space before the next byte. */
function bytePattern(hex: string, spaced: boolean): string {
  const digit = (d: string) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d);
  return `${digit(hex[0]!)}${digit(hex[1]!)}${spaced ? ' ?' : ''}`;
}

function prefixPattern(hex: string): string {
  const bytes = hex.match(/../g)!;
  return bytes.map((b, i) => bytePattern(b, i < bytes.length - 1)).join('');
}

/** The hex forms of the credential prefixes (POSIX ERE and JavaScript alike: classes, `?`, alternation). */
export const HEX_PREFIX_SOURCE = Object.values(PREFIX_BYTES).map(prefixPattern).join('|');

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}
export const hexDigit = (c: number): number => (c < 128 ? HEX_VALUE[c]! : -1);

/** Between two bytes: one space or tab, or a line end and the next line's indentation. */
function separatorEnd(text: string, i: number, limit: number): number {
  let k = i;
  while (k < limit && isBlank(text.charCodeAt(k))) k++;
  if (k === i + 1 && text.charCodeAt(k) !== 10 && text.charCodeAt(k) !== 13) return k; // one blank between bytes
  if (text.charCodeAt(k) === 13) k++;
  if (text.charCodeAt(k) !== 10) return i;
  k++;
  while (k < limit && isBlank(text.charCodeAt(k))) k++;
  return k;
}

const isBlank = (c: number): boolean => c === 32 || c === 9;

/** Where the separator (possibly none) that ends at `i` starts: the mirror of separatorEnd. */
function separatorBefore(text: string, i: number): number {
  let k = i;
  if (k > 0 && isBlank(text.charCodeAt(k - 1))) {
    let j = k - 1;
    while (j > 0 && isBlank(text.charCodeAt(j - 1))) j--;
    if (j > 0 && text.charCodeAt(j - 1) === 10) return j > 1 && text.charCodeAt(j - 2) === 13 ? j - 2 : j - 1;
    return k - 1;
  }
  if (k > 0 && text.charCodeAt(k - 1) === 10) k -= k > 1 && text.charCodeAt(k - 2) === 13 ? 2 : 1;
  return k;
}

/**
 * Decodes the hex bytes around `at` (where a byte starts) within `reach` characters each way: the
 * run of byte pairs with optional separators that holds `at`, read in step with the pair at `at`.
 */
export function decodeHexAround(text: string, at: number, reach: number): Decoded {
  const limit = Math.min(text.length, at + reach);
  // Back: whole pairs (and the separators between them) before `at`.
  let start = at;
  for (;;) {
    const k = separatorBefore(text, start);
    if (k < 2 || at - (k - 2) > reach || hexDigit(text.charCodeAt(k - 1)) < 0 || hexDigit(text.charCodeAt(k - 2)) < 0) break;
    start = k - 2;
  }
  const out = new DecodedBuilder(Math.ceil((limit - start) / 2));
  let i = start;
  while (i + 1 < limit) {
    const high = hexDigit(text.charCodeAt(i));
    const low = hexDigit(text.charCodeAt(i + 1));
    if (high < 0 || low < 0) break;
    out.push(high * 16 + low, i);
    i += 2;
    const next = separatorEnd(text, i, limit);
    if (next > i && (hexDigit(text.charCodeAt(next)) < 0 || hexDigit(text.charCodeAt(next + 1)) < 0)) break;
    i = next;
  }
  return out.finish(i);
}

/** An 80-digit hex run decoded to 40 characters (a secret written in hex), or undefined. */
export function decodeHexValue(value: string): string | undefined {
  if (value.length % 2 !== 0) return undefined;
  let out = '';
  for (let i = 0; i < value.length; i += 2) {
    const high = hexDigit(value.charCodeAt(i));
    const low = hexDigit(value.charCodeAt(i + 1));
    if (high < 0 || low < 0) return undefined;
    out += String.fromCharCode(high * 16 + low);
  }
  return out;
}
