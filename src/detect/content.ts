import { Buffer, isAscii } from 'node:buffer';

/**
 * Bytes of a file → text to scan. Pure: no I/O.
 *
 * Text is UTF-8 (a byte-order mark is dropped so that columns match what editors show), UTF-16
 * (what Windows PowerShell's `>` and `Out-File` write), recognised by its byte-order mark or, without
 * one, by the NUL in every other byte that ASCII text in UTF-16 has, or UTF-32 with its byte-order
 * mark. Anything else is binary, the way git decides it (a NUL byte in the first 8,000 bytes) — and
 * binary content is scanned too, one character per byte: a key in a SQLite database or a pickle is
 * still a key.
 */
export type ContentEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be' | 'binary';

export interface DecodedContent {
  text: string;
  encoding: ContentEncoding;
}

const PROBE_BYTES = 8000;

/** Bytes per code unit: pieces of a stream are cut at multiples of it. */
export function unitBytes(encoding: ContentEncoding): 1 | 2 | 4 {
  if (encoding === 'utf-16le' || encoding === 'utf-16be') return 2;
  if (encoding === 'utf-32le' || encoding === 'utf-32be') return 4;
  return 1;
}

/** How the bytes are encoded, judged on their start, and how long the byte-order mark is. */
export function classifyContent(head: Uint8Array): { encoding: ContentEncoding; bom: number } {
  // UTF-32LE's mark starts with UTF-16LE's: test it first.
  if (head[0] === 0xff && head[1] === 0xfe && head[2] === 0 && head[3] === 0) return { encoding: 'utf-32le', bom: 4 };
  if (head[0] === 0 && head[1] === 0 && head[2] === 0xfe && head[3] === 0xff) return { encoding: 'utf-32be', bom: 4 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const probe = head.subarray(0, PROBE_BYTES);
  if (probe.indexOf(0) === -1) return { encoding: 'utf-8', bom };
  return { encoding: utf16WithoutBom(probe) ?? 'binary', bom: 0 };
}

/**
 * ASCII text in UTF-16 has a NUL in (nearly) every high byte and (nearly) none in the low bytes;
 * binary formats do not look like that for long.
 */
function utf16WithoutBom(probe: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.floor(probe.length / 2);
  if (pairs < 8) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (probe[i] === 0) evenZeros++;
    if (probe[i + 1] === 0) oddZeros++;
  }
  if (oddZeros >= pairs * 0.6 && evenZeros <= pairs * 0.05) return 'utf-16le';
  if (evenZeros >= pairs * 0.6 && oddZeros <= pairs * 0.05) return 'utf-16be';
  return undefined;
}

/** UTF-32 has no TextDecoder: code points are read four bytes at a time (invalid ones become U+FFFD). */
function decodeUtf32(buffer: Buffer, littleEndian: boolean): string {
  const parts: string[] = [];
  const units: number[] = [];
  const end = buffer.length - (buffer.length % 4);
  for (let i = 0; i < end; i += 4) {
    const code = littleEndian ? buffer.readUInt32LE(i) : buffer.readUInt32BE(i);
    const valid = code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
    units.push(valid ? code : 0xfffd);
    if (units.length === 8192) parts.push(String.fromCodePoint(...units.splice(0)));
  }
  if (end < buffer.length) units.push(0xfffd); // a truncated last unit
  parts.push(String.fromCodePoint(...units));
  return parts.join('');
}

/** Decodes bytes whose encoding is known (see classifyContent); binary maps one byte to one character. */
export function decodeAs(bytes: Uint8Array, encoding: ContentEncoding): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (encoding) {
    case 'utf-16le':
      return new TextDecoder('utf-16le').decode(buffer);
    case 'utf-16be':
      return new TextDecoder('utf-16be').decode(buffer);
    case 'utf-32le':
      return decodeUtf32(buffer, true);
    case 'utf-32be':
      return decodeUtf32(buffer, false);
    case 'binary':
      return buffer.toString('latin1');
    case 'utf-8':
      // One-byte decoding is about 50 % faster than UTF-8 decoding and identical for ASCII.
      return isAscii(buffer) ? buffer.toString('latin1') : buffer.toString('utf8');
  }
}

export function decodeContent(bytes: Uint8Array): DecodedContent {
  const { encoding, bom } = classifyContent(bytes);
  return { text: decodeAs(bytes.subarray(bom), encoding), encoding };
}

/**
 * Whether a text has to be read as raw bytes, where a key is recognised by its exact shape alone:
 * binary content, whose fields are stored back to back (`access_key_idAKIA…` in a SQLite row).
 */
export function isByteView(encoding: ContentEncoding): boolean {
  return encoding === 'binary';
}
