import { Buffer } from 'node:buffer';
import { constants, gunzipSync } from 'node:zlib';
import { base64Fragments } from '../base64.js';
import { isBase64Char } from '../chars.js';
import { DecodedBuilder, type Decoded } from './decoded.js';

/**
 * base64 inside base64, and gzip inside base64: a Kubernetes Secret's `data:` holds base64 of what
 * the application stored, which may itself be base64, or base64 of gzip (Helm keeps each release as
 * base64 of gzipped JSON, so `kubectl get secret -o yaml` shows base64 of base64 of gzip).
 */

/**
 * base64 text that the base64 encoding of an encoded key ID prefix contains: the fragments of the
 * fragments (see base64Fragments), only those long enough to be rare in random base64.
 */
export function doubleEncodedPrefixes(prefixes: readonly string[]): string[] {
  return [...new Set(prefixes.flatMap(base64Fragments).flatMap(base64Fragments).filter((fragment) => fragment.length >= 5))];
}

/** gzip's magic and method bytes (1f 8b 08) in base64 at a run's start, and that text in base64 again. */
export const GZIP_IN_BASE64 = 'H4sI';
export const GZIP_IN_DOUBLE_BASE64 = 'SDRzS';

/** Decoded gzip is scanned up to this size; a larger stream is a decompression bomb as far as text goes. */
export const GZIP_OUTPUT_MAX = 64 * 1024 * 1024;
/** A base64 run longer than this is not decoded as a whole (a gzip stream is decoded whole). */
export const GZIP_RUN_MAX = 48 * 1024 * 1024;

/** The base64 run (standard or URL-safe) that holds `at`. */
export function base64RunAround(text: string, at: number): { start: number; end: number } {
  let start = at;
  while (start > 0 && isBase64Char(text.charCodeAt(start - 1))) start--;
  let end = at;
  while (end < text.length && isBase64Char(text.charCodeAt(end))) end++;
  return { start, end };
}

/**
 * Decodes [from, to) of a base64 run (from a 4-character boundary of it), mapping each byte back to
 * the characters that encode it (3 bytes to 4 characters).
 */
export function decodeBase64Span(text: string, from: number, to: number): Decoded {
  const bytes = Buffer.from(text.slice(from, to), 'base64');
  const out = new DecodedBuilder(bytes.length);
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i]!, from + Math.floor(i / 3) * 4 + (i % 3));
  return out.finish(to);
}

export class DecodeLimitError extends Error {}

/**
 * The bytes of a gzip stream written in base64 at [start, end), or undefined when it is not gzip
 * after all. A stream that inflates past GZIP_OUTPUT_MAX throws DecodeLimitError: it is not passed
 * over silently.
 */
export function gunzipBase64(text: string, start: number, end: number): Buffer | undefined {
  if (end - start > GZIP_RUN_MAX) throw new DecodeLimitError(`a base64 gzip stream of ${end - start} characters is too long to decode`);
  const compressed = Buffer.from(text.slice(start, end), 'base64');
  if (compressed[0] !== 0x1f || compressed[1] !== 0x8b) return undefined;
  // Most runs that start like gzip are not (random base64 does, one run in 16 million): the error
  // zlib throws then is expected, and its stack trace would cost more than the attempt.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return gunzipSync(compressed, { maxOutputLength: GZIP_OUTPUT_MAX, finishFlush: constants.Z_SYNC_FLUSH }); // a cut stream: what it holds
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DecodeLimitError(`a base64 gzip stream inflates to more than ${GZIP_OUTPUT_MAX / 1024 / 1024} MB`);
    }
    return undefined; // not a valid stream: nothing was compressed there
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** Characters of a base64 block as files hold it: one run, or lines of it, indented or not. */
const isBlockChar = (c: number): boolean => isBase64Char(c) || c === 61 /* = */ || c === 10 || c === 13 || c === 32 || c === 9;

/**
 * Where a base64 gzip stream begins that may go on past the end of `text` (a piece of a larger
 * file): the first gzip mark (`H4sI`, or `SDRzS` of base64 of base64) at the start of a run in the
 * block of base64 lines that reaches the end. A gzip stream cannot be decoded in parts, so a scan
 * in pieces keeps the text from there for the next piece. Undefined when no such stream is open.
 */
export function openGzipStreamStart(text: string): number | undefined {
  let blockStart = text.length;
  const furthest = Math.max(0, text.length - GZIP_RUN_MAX);
  while (blockStart > furthest && isBlockChar(text.charCodeAt(blockStart - 1))) blockStart--;
  let first: number | undefined;
  for (const mark of [GZIP_IN_BASE64, GZIP_IN_DOUBLE_BASE64]) {
    for (let at = text.indexOf(mark, blockStart); at >= 0 && (first === undefined || at < first); at = text.indexOf(mark, at + 1)) {
      if (at === 0 || !isBase64Char(text.charCodeAt(at - 1))) {
        first = at;
        break;
      }
    }
  }
  return first;
}
