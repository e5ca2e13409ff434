import { BACKSLASH, EQUALS, PERCENT, SLASH, isBase64Char, isHexChar, isSecretChar } from './chars.js';
import type { ValueEncoding } from './types.js';

/**
 * A run of secret-alphabet characters ([A-Za-z0-9+/]) as written in the text, where a JSON escape
 * (`\/`, `\u002F`, `\u002B`) or a URL escape (`%2F`, `%2B`) stands for one character, followed by
 * optional base64 padding (`=`, `%3D`, `\u003D`). `length` counts decoded characters, so
 * `wJal\/…` and `wJal%2F…` measure like `wJal/…`.
 */
export interface Run {
  start: number;
  end: number;
  /** Where the characters end and the padding (if any) begins. */
  bodyEnd: number;
  length: number;
  padding: number;
  escaped: 'json' | 'url' | undefined;
}

const U = 117; // 'u'

/** The 4 hex digits of a `\uXXXX` escape at `i`, lower-cased, or undefined. */
function unicodeEscape(text: string, i: number): string | undefined {
  if (text.charCodeAt(i) !== BACKSLASH || text.charCodeAt(i + 1) !== U) return undefined;
  for (let k = 2; k < 6; k++) if (!isHexChar(text.charCodeAt(i + k))) return undefined;
  return text.slice(i + 2, i + 6).toLowerCase();
}

/** Width of the escape at `i` that stands for one secret character, or 0 if there is none. */
function escapeWidth(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === BACKSLASH) {
    if (text.charCodeAt(i + 1) === SLASH) return 2;
    const code = unicodeEscape(text, i);
    return code === '002f' || code === '002b' ? 6 : 0;
  }
  if (c === PERCENT && text.charCodeAt(i + 1) === 50 /* 2 */) {
    const d = text.charCodeAt(i + 2) | 0x20; // lower-cased
    return d === 102 /* f */ || d === 98 /* b */ ? 3 : 0;
  }
  return 0;
}

function paddingWidth(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === EQUALS) return 1;
  if (c === PERCENT && text.charCodeAt(i + 1) === 51 /* 3 */ && (text.charCodeAt(i + 2) | 0x20) === 100 /* d */) {
    return 3;
  }
  if (c === BACKSLASH && unicodeEscape(text, i) === '003d') return 6;
  return 0;
}

/** Whether a run of the secret alphabet (or one of its escapes) starts or continues at `i`. */
export function continuesRun(text: string, i: number): boolean {
  return isSecretChar(text.charCodeAt(i)) || escapeWidth(text, i) > 0;
}

/**
 * Reads the run starting at `start`. Reading stops once `limit` decoded characters are exceeded, so
 * a caller that only wants 40-character runs never walks a megabyte of base64; `end` is then where
 * reading stopped and `length` is `limit + 1`.
 */
export function readRun(text: string, start: number, limit: number): Run {
  let i = start;
  let length = 0;
  let escaped: Run['escaped'];
  while (i < text.length && length <= limit) {
    if (isSecretChar(text.charCodeAt(i))) {
      i++;
    } else {
      const width = escapeWidth(text, i);
      if (width === 0) break;
      escaped ??= text.charCodeAt(i) === BACKSLASH ? 'json' : 'url';
      i += width;
    }
    length++;
  }
  const bodyEnd = i;
  let padding = 0;
  while (length <= limit && padding < 3) {
    const width = paddingWidth(text, i);
    if (width === 0) break;
    i += width;
    padding++;
  }
  return { start, end: i, bodyEnd, length, padding, escaped };
}

/** The run's characters with escapes resolved and padding (`=`, `%3D`, `\u003D`) dropped. */
export function runValue(text: string, run: Run): string {
  const raw = text.slice(run.start, run.bodyEnd);
  if (run.escaped === undefined) return raw;
  return raw
    .replace(/\\\//g, '/')
    .replace(/\\u002[fF]|%2[fF]/g, '/')
    .replace(/\\u002[bB]|%2[bB]/g, '+');
}

export function encodingOf(run: Run): ValueEncoding {
  if (run.escaped === 'json') return 'json-escaped';
  if (run.escaped === 'url') return 'url-encoded';
  return 'plain';
}

/**
 * Whether a base64 token may start at `i`: the character before is not part of the alphabet, or is
 * the tail of an escape (`\n` in JSON strings; `%3D`, `%22` in URLs) rather than a run character.
 * `%2F` and `%2B` stand for base64 characters, so they continue a run.
 */
export function base64BoundaryBefore(text: string, i: number): boolean {
  if (i === 0) return true;
  const before = text.charCodeAt(i - 1);
  if (before === SLASH && i >= 2 && text.charCodeAt(i - 2) === BACKSLASH) return false; // \/ continues the run
  if (!isBase64Char(before)) return true;
  if (i >= 2 && text.charCodeAt(i - 2) === BACKSLASH) return true;
  if (i >= 6 && unicodeEscape(text, i - 6) !== undefined) return escapeWidth(text, i - 6) === 0;
  if (i >= 3 && text.charCodeAt(i - 3) === PERCENT && isHexChar(text.charCodeAt(i - 2)) && isHexChar(before)) {
    return escapeWidth(text, i - 3) === 0;
  }
  return false;
}

/**
 * Width of an escape at `i` that stands for a character outside the secret alphabet (`\n`, `\"`,
 * `%3A`, `%26`), which the tokenizer steps over as a unit so that its tail is never read as the first
 * character of a run; 0 if there is none.
 */
export function foreignEscapeWidth(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === BACKSLASH) {
    if (escapeWidth(text, i) > 0 || paddingWidth(text, i) > 0) return 0;
    return unicodeEscape(text, i) !== undefined ? 6 : 2;
  }
  if (c === PERCENT && isHexChar(text.charCodeAt(i + 1)) && isHexChar(text.charCodeAt(i + 2))) {
    return escapeWidth(text, i) === 0 && paddingWidth(text, i) === 0 ? 3 : 0;
  }
  return 0;
}

/** Position just after the run (escapes and padding included) that continues at `i`. */
export function skipRun(text: string, i: number): number {
  while (i < text.length) {
    if (isSecretChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const width = escapeWidth(text, i) || paddingWidth(text, i);
    if (width === 0) break;
    i += width;
  }
  return i;
}

/**
 * A position at or before `i` from which tokenizing forward stays in step with run boundaries: the
 * start of the run containing `i`, or `i` itself between runs. When `i` lies deeper than `maxBack`
 * inside a run, that run is longer than any credential and the position after it is returned.
 */
export function alignToRunBoundary(text: string, i: number, maxBack: number): number {
  let j = i;
  while (j > 0 && i - j < maxBack) {
    const c = text.charCodeAt(j - 1);
    if (isSecretChar(c) || c === PERCENT || c === BACKSLASH || c === EQUALS) j--;
    else break;
  }
  return i - j >= maxBack ? skipRun(text, i) : j;
}

/**
 * The next run starting in [from, to). Escapes of other characters (`\n`, `%3A`) are stepped over as
 * units. A run longer than `limit` comes back with `length` limit + 1 and `end` after its last
 * character, so callers can move past it in one step.
 */
export function nextRun(text: string, from: number, to: number, limit: number): Run | undefined {
  let i = from;
  while (i < to) {
    const foreign = foreignEscapeWidth(text, i);
    if (foreign > 0) {
      i += foreign;
    } else if (continuesRun(text, i)) {
      const run = readRun(text, i, limit);
      if (run.length > limit) run.end = skipRun(text, run.end);
      return run;
    } else {
      i++;
    }
  }
  return undefined;
}
