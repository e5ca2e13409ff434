import { Buffer, isAscii } from 'node:buffer';

/**
 * Bytes of a file → text to scan. Pure: no I/O.
 *
 * Text is UTF-8 (a byte-order mark is dropped so that columns match what editors show), or UTF-16
 * (what Windows PowerShell's `>` and `Out-File` write), recognised by its byte-order mark or, without
 * one, by the NUL in every other byte that ASCII text in UTF-16 has. Anything else is binary, the way
 * git decides it (a NUL byte in the first 8,000 bytes) — and binary content is scanned too, one
 * character per byte: a key in a SQLite database or a pickle is still a key.
 */
export type ContentEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'binary';

export interface DecodedContent {
  text: string;
  encoding: ContentEncoding;
}

const PROBE_BYTES = 8000;

/** How the bytes are encoded, judged on their start, and how long the byte-order mark is. */
export function classifyContent(head: Uint8Array): { encoding: ContentEncoding; bom: number } {
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

/** Decodes bytes whose encoding is known (see classifyContent); binary maps one byte to one character. */
export function decodeAs(bytes: Uint8Array, encoding: ContentEncoding): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (encoding) {
    case 'utf-16le':
      return new TextDecoder('utf-16le').decode(buffer);
    case 'utf-16be':
      return new TextDecoder('utf-16be').decode(buffer);
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
