import { Buffer } from 'node:buffer';

/**
 * The base64 text that any encoding of `literal` must contain, at each of the three byte alignments
 * the literal can have inside the encoded data. Base64 maps 3 bytes to 4 characters, so a
 * character is fixed only when all six of its bits come from the literal; the fixed characters form
 * one contiguous fragment per alignment. Searching for these fragments finds, say, "AKIA" inside a
 * Kubernetes Secret's `data:` values without decoding every base64 string in the file.
 */
export function base64Fragments(literal: string): string[] {
  const fragments: string[] = [];
  for (let alignment = 0; alignment < 3; alignment++) {
    const bytes = Buffer.concat([Buffer.alloc(alignment), Buffer.from(literal, 'latin1')]);
    const encoded = bytes.toString('base64');
    const firstBit = alignment * 8;
    const lastBit = bytes.length * 8; // exclusive
    let fragment = '';
    for (let c = 0; c < encoded.length; c++) {
      const from = c * 6;
      if (from >= firstBit && from + 6 <= lastBit) fragment += encoded[c];
    }
    fragments.push(fragment);
  }
  return fragments;
}

/** Decodes base64 (standard or URL-safe) to a one-byte-per-character string; never throws. */
export function decodeBase64ToLatin1(encoded: string): string {
  return Buffer.from(encoded, 'base64').toString('latin1');
}
