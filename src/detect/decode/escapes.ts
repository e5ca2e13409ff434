import { DecodedBuilder, type Decoded } from './decoded.js';
import { hexDigit } from './hex.js';

/**
 * Characters written as escapes, every one of them or most: `\x41\x4b…` (C, Python, JavaScript,
 * shell), `\u0041\u004b…` (JSON, JavaScript, Java, C#), `%41%4B…` (URLs), `&#65;&#x4B;…` and named
 * entities (HTML, XML), `0x41, 0x4b, …` (byte arrays in C, Java, C#, Go). A key written this way
 * has no AKIA and no 40-character run in it, so such text is found by its density of escapes of
 * printable ASCII characters: CLUSTER consecutive ones. A cluster is decoded together with the text
 * around it (escapes resolved, everything else kept) and the result is scanned again.
 */

/** Consecutive escapes of printable ASCII that make a region worth decoding (a key ID is 20, a secret 40). */
export const CLUSTER = 8;

/**
 * One escape of a printable ASCII character (0x20-0x7F), per notation. Written once for both
 * dialects: JavaScript regular expressions and POSIX extended ones (grep -E in the hook launcher),
 * so only groups, classes, counts and alternation.
 */
const ESCAPE_UNITS = [
  '\\\\x[2-7][0-9A-Fa-f]',
  '\\\\u00[2-7][0-9A-Fa-f]',
  '%[2-7][0-9A-Fa-f]',
  '&#[xX]0*[2-7][0-9A-Fa-f];',
  '&#0*[3-9][0-9];',
  '&#0*1[0-2][0-9];',
  '0[xX][2-7][0-9A-Fa-f], ?',
];

/** A run of CLUSTER escapes of printable characters, as a POSIX ERE (also a valid JavaScript pattern). */
export const ESCAPE_CLUSTER_ERE = `(${ESCAPE_UNITS.join('|')}){${CLUSTER}}`;
/** The same for JavaScript, without capturing groups. */
export const ESCAPE_CLUSTER_SOURCE = `(?:${ESCAPE_UNITS.join('|')}){${CLUSTER}}`;

const hexValue = hexDigit;

/** The value of `count` hex digits at `i`, or -1. */
function hexAt(text: string, i: number, count: number): number {
  let value = 0;
  for (let k = 0; k < count; k++) {
    const digit = hexValue(text.charCodeAt(i + k));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * Named entities that stand for characters of keys, their names, or the punctuation around them.
 * (HTML has no named entity for a letter or digit.)
 */
const NAMED_ENTITIES: Record<string, number> = {
  amp: 38, lt: 60, gt: 62, quot: 34, apos: 39, sol: 47, plus: 43, equals: 61, lowbar: 95, UnderBar: 95,
  colon: 58, period: 46, comma: 44, semi: 59, nbsp: 32, hyphen: 45, dash: 45, num: 35, excl: 33,
  lpar: 40, rpar: 41, lsqb: 91, rsqb: 93, lbrack: 91, rbrack: 93, lcub: 123, rcub: 125, bsol: 92, NewLine: 10, Tab: 9,
};
const LONGEST_ENTITY = 10;

interface Unescaped {
  code: number;
  width: number;
}

const BACKSLASH = 92;
const AMPERSAND = 38;
const PERCENT = 37;

/** The escape at `i` and what it stands for, or undefined (then the character stands for itself). */
function escapeAt(text: string, i: number): Unescaped | undefined {
  const c = text.charCodeAt(i);
  if (c === BACKSLASH) {
    const kind = text.charCodeAt(i + 1);
    if (kind === 120 /* x */) {
      const code = hexAt(text, i + 2, 2);
      return code < 0 ? undefined : { code, width: 4 };
    }
    if (kind === 117 /* u */) {
      if (text.charCodeAt(i + 2) === 123 /* { */) {
        const close = text.indexOf('}', i + 3);
        if (close < 0 || close > i + 9) return undefined;
        const code = hexAt(text, i + 3, close - i - 3);
        return code < 0 || code > 0xffff ? undefined : { code, width: close + 1 - i };
      }
      const code = hexAt(text, i + 2, 4);
      return code < 0 ? undefined : { code, width: 6 };
    }
    return undefined;
  }
  if (c === PERCENT) {
    const code = hexAt(text, i + 1, 2);
    return code < 0 ? undefined : { code, width: 3 };
  }
  if (c === AMPERSAND) return entityAt(text, i);
  if (c === 48 /* 0 */ && (text.charCodeAt(i + 1) | 0x20) === 120 /* x */ && hexValue(text.charCodeAt(i - 1)) < 0) {
    const code = hexAt(text, i + 2, 2);
    if (code < 0 || hexValue(text.charCodeAt(i + 4)) >= 0) return undefined;
    // A byte array: the separator after the byte belongs to it when another byte follows.
    let width = 4;
    let k = i + 4;
    while (k < text.length && k - i < 12 && (text.charCodeAt(k) === 44 || isSpace(text.charCodeAt(k)))) k++;
    if (k > i + 4 && text.charCodeAt(k) === 48 && (text.charCodeAt(k + 1) | 0x20) === 120) width = k - i;
    return { code, width };
  }
  return undefined;
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

function entityAt(text: string, i: number): Unescaped | undefined {
  if (text.charCodeAt(i + 1) === 35 /* # */) {
    const hex = (text.charCodeAt(i + 2) | 0x20) === 120;
    let k = i + (hex ? 3 : 2);
    let code = 0;
    const start = k;
    for (; k < text.length && k - start < 8; k++) {
      const digit = hexValue(text.charCodeAt(k));
      if (digit < 0 || (!hex && digit > 9)) break;
      code = code * (hex ? 16 : 10) + digit;
    }
    if (k === start || text.charCodeAt(k) !== 59 /* ; */ || code > 0xffff) return undefined;
    return { code, width: k + 1 - i };
  }
  const semicolon = text.indexOf(';', i + 2);
  if (semicolon < 0 || semicolon - i - 1 > LONGEST_ENTITY) return undefined;
  const code = NAMED_ENTITIES[text.slice(i + 1, semicolon)];
  return code === undefined ? undefined : { code, width: semicolon + 1 - i };
}

/**
 * [from, to) with every escape resolved (several notations may mix). Escapes of escapes
 * (`&amp;#65;`) are resolved once; the caller scans the result again, which resolves the next level.
 */
export function unescapeRegion(text: string, from: number, to: number): Decoded {
  const out = new DecodedBuilder(to - from);
  for (let i = from; i < to; ) {
    const escape = escapeAt(text, i);
    if (escape !== undefined && i + escape.width <= to) {
      out.push(escape.code, i);
      i += escape.width;
    } else {
      out.push(text.charCodeAt(i), i);
      i++;
    }
  }
  return out.finish(to);
}

/**
 * Where a cluster of CLUSTER or more consecutive escapes of printable ASCII that starts at `i` ends,
 * or -1 when there is none there.
 */
export function escapeClusterEnd(text: string, i: number): number {
  let count = 0;
  for (;;) {
    const escape = escapeAt(text, i);
    if (escape === undefined || escape.code < 0x20 || escape.code > 0x7f) break;
    count++;
    i += escape.width;
  }
  return count >= CLUSTER ? i : -1;
}

/** Whether [from, to) holds an escape at all (a cheap test before decoding a region). */
export function hasEscapes(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if ((c === BACKSLASH || c === PERCENT || c === AMPERSAND || c === 48) && escapeAt(text, i) !== undefined) return true;
  }
  return false;
}
