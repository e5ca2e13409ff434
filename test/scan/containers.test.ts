import { randomBytes } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshKeyId } from '../../src/fake-keys.js';
import { BlobScanner } from '../../src/scan/blob-scanner.js';
import { containerKind, HEAD_BYTES } from '../../src/scan/containers.js';
import { pdf, tar, zip } from '../support/archives.js';

/**
 * Containers through the scanner a check uses, fed in chunks of random sizes (the start and end of a
 * file may arrive in several pieces): tar members at every size around the 512-byte blocks, zips
 * behind any number of bytes, PDFs with the key in any stream. The key is always found, in its member.
 */

function found(bytes: Buffer, cuts: number[]): { places: (string[] | undefined)[]; outside: number } {
  const scanner = new BlobScanner();
  let at = 0;
  for (const cut of [...cuts.map((c) => Math.floor(c * bytes.length)).sort((a, b) => a - b), bytes.length]) {
    if (cut > at) scanner.data(bytes.subarray(at, cut));
    at = Math.max(at, cut);
  }
  scanner.end();
  const inMembers = scanner.containerDetections('file');
  return { places: inMembers.filter((d) => d.kind === 'access-key-id').map((d) => d.within), outside: scanner.result.detections.length };
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });
const filler = (size: number) => Buffer.alloc(size, 'abc def\n');

describe('containers, fed to the scanner in pieces', () => {
  it('a key in any member of a tar, plain or gzipped, at any size around the 512-byte blocks, is found once in its member', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1600 }), { minLength: 1, maxLength: 6 }), fc.nat(), fc.boolean(), fc.integer({ min: 0, max: 130 }), cuts, (sizes, pick, gzipped, nameLength, pieces) => {
        const index = pick % sizes.length;
        const name = `d/${'n'.repeat(nameLength)}`.slice(0, 99);
        const members: [string, Buffer][] = sizes.map((size, i) => [i === index ? name : `f${i}`, i === index ? Buffer.concat([filler(size), Buffer.from(`\nid = ${freshKeyId()}\n`)]) : filler(size)]);
        const archive = tar(members);
        const result = found(gzipped ? gzipSync(archive) : archive, pieces);
        expect(result.places).toEqual([[name]]);
        expect(result.outside).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it('a zip behind any number of bytes (text, binary, nothing), with or without a comment, is read from its end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200000 }), fc.boolean(), fc.boolean(), cuts, (front, binary, comment, pieces) => {
        const archive = zip([['a.txt', 'x'], ['conf/keys', `id = ${freshKeyId()}\n`]]);
        const commented = comment ? Buffer.concat([archive, Buffer.from('a comment')]) : archive;
        if (comment) commented.writeUInt16LE(9, archive.length - 2);
        const prefix = binary ? randomBytes(front) : filler(front);
        expect(found(Buffer.concat([prefix, commented]), pieces).places).toEqual([['conf/keys']]);
      }),
      { numRuns: 60 },
    );
  });

  it('a key in any /FlateDecode stream of a PDF is found in its object', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.nat(), fc.constantFrom('\n', '\r\n'), cuts, (count, pick, newline, pieces) => {
        const index = pick % count;
        const streams = Array.from({ length: count }, (_, i) => deflateSync(i === index ? `BT (${freshKeyId()}) Tj ET` : `BT (page ${i}) Tj ET ${'q Q '.repeat(i * 50)}`));
        expect(found(pdf(streams, { newline }), pieces).places).toEqual([[`obj ${index + 4} 0`]]);
      }),
      { numRuns: 100 },
    );
  });

  it('files that are no container are not taken for one: random bytes (not starting with a magic), text starting with x^', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 5000 }).map((a) => Buffer.from(a)).filter((b) => containerKind(b.subarray(0, HEAD_BYTES)) === undefined), fc.string().map((s) => Buffer.from(`x^${s}`))), cuts, (bytes, pieces) => {
        expect(() => found(bytes, pieces)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
