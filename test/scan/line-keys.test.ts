import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeContent, type ContentEncoding } from '../../src/detect/index.js';
import { LineKeys, lineKeyOf } from '../../src/scan/line-keys.js';
import { TextPieces } from '../../src/scan/text-pieces.js';

/** Text read in pieces must give the same text, and the same line keys, as the whole file read at once. */

function encode(text: string, encoding: ContentEncoding): Buffer {
  switch (encoding) {
    case 'utf-16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf-16be':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    case 'utf-32le':
    case 'utf-32be': {
      const points = [0xfeff, ...[...text].map((ch) => ch.codePointAt(0)!)];
      const out = Buffer.alloc(points.length * 4);
      points.forEach((p, i) => (encoding === 'utf-32le' ? out.writeUInt32LE(p, i * 4) : out.writeUInt32BE(p, i * 4)));
      return out;
    }
    default:
      return Buffer.from(text, encoding === 'binary' ? 'latin1' : 'utf8');
  }
}

function readInPieces(bytes: Buffer, pieceBytes: number, feed: number): { pieces: string[]; encoding: ContentEncoding | undefined } {
  const pieces: string[] = [];
  const reader = new TextPieces((text) => pieces.push(text), pieceBytes);
  for (let at = 0; at < bytes.length; at += feed) reader.data(bytes.subarray(at, at + feed));
  reader.end();
  return { pieces, encoding: reader.encoding };
}

const char = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...'abc xyz=/+AKIA0123') },
  { weight: 3, arbitrary: fc.constant('\n') },
  { weight: 1, arbitrary: fc.constantFrom('é', '中', '😀', '\r') },
);
const textOf = (maxLength: number) => fc.array(char, { maxLength }).map((chars) => chars.join(''));
const encodings = fc.constantFrom<ContentEncoding>('utf-8', 'utf-16le', 'utf-16be', 'utf-32le', 'utf-32be');

describe('TextPieces', () => {
  it('the pieces join into the whole text, in every encoding, whatever the piece size and the way bytes arrive', () => {
    fc.assert(
      fc.property(textOf(3000), encodings, fc.integer({ min: 8, max: 700 }), fc.integer({ min: 1, max: 900 }), (text, encoding, pieceBytes, feed) => {
        const bytes = encode(`${'x'.repeat(8000)}${text}`, encoding); // past the 8,000-byte encoding probe
        const whole = decodeContent(bytes);
        const { pieces, encoding: seen } = readInPieces(bytes, Math.max(pieceBytes, 8), feed);
        expect(seen).toBe(whole.encoding);
        expect(pieces.join('')).toBe(whole.text);
        for (const piece of pieces.slice(0, -1)) expect(piece.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('cuts after a line end where the line is shorter than a piece', () => {
    const text = `${'line of text\n'.repeat(1000)}`;
    const { pieces } = readInPieces(Buffer.from(text), 100, 1 << 20);
    for (const piece of pieces) expect(piece.endsWith('\n')).toBe(true);
  });
});

describe('LineKeys', () => {
  it('keys of chosen lines and counts of chosen keys are those of the whole text, however it is cut', () => {
    fc.assert(
      fc.property(textOf(2000), fc.array(fc.integer({ min: 0, max: 1999 }), { maxLength: 12 }), (text, cuts) => {
        const lines = text.split('\n');
        const chosenLines = new Set([1, lines.length, Math.ceil(lines.length / 2)]);
        const chosenKeys = new Set(lines.filter((_, i) => i % 3 === 0).map(lineKeyOf));
        const keys = new LineKeys({ lines: chosenLines, keys: chosenKeys });
        const points = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((a, b) => a - b);
        let from = 0;
        for (const point of [...points, text.length]) {
          keys.piece(text.slice(from, point));
          from = point;
        }
        keys.end();
        for (const line of chosenLines) expect(keys.keys.get(line)).toBe(lineKeyOf(lines[line - 1]!));
        const expected = new Map<string, number>();
        for (const line of lines) if (chosenKeys.has(lineKeyOf(line))) expected.set(lineKeyOf(line), (expected.get(lineKeyOf(line)) ?? 0) + 1);
        expect(new Map([...keys.counts].sort())).toEqual(new Map([...expected].sort()));
      }),
      { numRuns: 300 },
    );
  });
});
