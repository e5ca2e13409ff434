import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanText } from '../../src/detect/index.js';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { BlobScanner, type ChunkLimits } from '../../src/scan/blob-scanner.js';

/** Large blobs are scanned in pieces; the pieces must find exactly what one whole scan finds. */

function scanInPieces(bytes: Buffer, limits: ChunkLimits, feed: number): ReturnType<typeof summary> {
  const scanner = new BlobScanner(limits);
  for (let at = 0; at < bytes.length; at += feed) scanner.data(bytes.subarray(at, at + feed));
  scanner.end();
  return summary(scanner.result.detections);
}

function summary(found: { kind: string; line: number; column: number; value: string }[]) {
  return found.map((d) => [d.kind, d.line, d.column, d.value]).sort();
}

const line = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z ,.;:=#()-]{0,90}$/) },
  { weight: 1, arbitrary: fc.constant('').map(() => `aws_access_key_id = ${freshKeyId()}`) },
  { weight: 1, arbitrary: fc.constant('').map(() => `aws_secret_access_key = ${freshSecret()}`) },
  { weight: 1, arbitrary: fc.constant('').map(() => `ünïcödé ${freshKeyId()} ${'x'.repeat(200)}`) },
  // one long line, so that some pieces are cut inside a line
  { weight: 1, arbitrary: fc.constant('').map(() => `${'word '.repeat(1500)}${freshKeyId()} ${'more '.repeat(1500)}`) },
);

describe('BlobScanner', () => {
  it('finds the same as one whole scan, whatever the piece size and the way bytes arrive', () => {
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 50, maxLength: 400 }),
        fc.integer({ min: 4096, max: 16384 }),
        fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
        fc.constantFrom('\n', '\r\n'),
        (lines, chunkBytes, feed, eol) => {
          const text = lines.join(eol);
          const whole = summary(scanText(text));
          expect(scanInPieces(Buffer.from(text), { chunkBytes, overlapBytes: 2048 }, feed)).toEqual(whole);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('recognises binary content on its first bytes, and reads it as bytes, in pieces', () => {
    const id = freshKeyId();
    const scanner = new BlobScanner({ chunkBytes: 1024, overlapBytes: 256 });
    scanner.data(Buffer.from([0, 1, 2, 3]));
    scanner.data(Buffer.from(`${'x'.repeat(5000)}\naws_access_key_id = ${id}\n`));
    scanner.end();
    expect(scanner.result.encoding).toBe('binary');
    expect(scanner.result.detections.map((d) => [d.value, d.line])).toEqual([[id, 2]]);
  });

  it('decodes UTF-16 (either byte order) when it starts with a byte-order mark', () => {
    for (const [bom, encoding] of [
      [[0xff, 0xfe], 'utf16le'],
      [[0xfe, 0xff], 'utf16be'],
    ] as const) {
      const id = freshKeyId();
      let body = Buffer.from(`line one\r\n$key = "${id}"\r\n`, 'utf16le');
      if (encoding === 'utf16be') body = Buffer.from(body).swap16();
      const scanner = new BlobScanner();
      scanner.data(Buffer.concat([Buffer.from(bom), body]));
      scanner.end();
      expect(scanner.result.detections.map((d) => [d.value, d.line, d.column])).toEqual([[id, 2, 9]]);
    }
  });

  it('drops a UTF-8 byte-order mark so that columns match the editor', () => {
    const id = freshKeyId();
    const scanner = new BlobScanner();
    scanner.data(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`k=${id}`)]));
    scanner.end();
    expect(scanner.result.detections.map((d) => d.column)).toEqual([3]);
  });

  it('streams UTF-16 in pieces too, finding what one whole scan finds', () => {
    const id = freshKeyId();
    const secret = freshSecret();
    const text = `${'línea de texto\r\n'.repeat(3000)}aws_access_key_id = ${id}\r\naws_secret_access_key = ${secret}\r\n`;
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const scanner = new BlobScanner({ chunkBytes: 4096, overlapBytes: 1024 });
    for (let at = 0; at < body.length; at += 777) scanner.data(body.subarray(at, at + 777));
    scanner.end();
    expect(scanner.result.detections.map((d) => [d.value, d.line, d.column])).toEqual([
      [id, 3001, 21],
      [secret, 3002, 25],
    ]);
  });

  it('reads UTF-16 text inside a binary file (strings of a Windows binary, a .NET resource)', () => {
    const id = freshKeyId();
    const secret = freshSecret();
    const wide = Buffer.from(`AccessKeyId\u0000${id}\u0000SecretAccessKey\u0000${secret}`, 'utf16le');
    const scanner = new BlobScanner();
    scanner.data(Buffer.concat([randomBytes(3000), Buffer.from([0, 0, 0x0a]), wide, randomBytes(3000)]));
    scanner.end();
    expect(scanner.result.encoding).toBe('binary');
    expect(scanner.result.detections.map((d) => d.value).sort()).toEqual([id, secret].sort());
  });

  it('reports nothing in random binary data, where keys would be recognised glued to their neighbours', () => {
    const scanner = new BlobScanner();
    scanner.data(randomBytes(8 * 1024 * 1024));
    scanner.end();
    expect(scanner.result.detections).toEqual([]);
  });

  it('keyguard:allow covers the credentials next to it on its line (a key pair), and nothing further away', () => {
    const scan = (text: string) => {
      const scanner = new BlobScanner();
      scanner.data(Buffer.from(text));
      scanner.end();
      return scanner.result.detections.map((d) => d.allowedInline);
    };
    expect(scan(`new BasicAWSCredentials("${freshKeyId()}", "${freshSecret()}"); // keyguard:allow test account\n`)).toEqual([true, true]);
    expect(scan(`/* keyguard:allow */ key = "${freshKeyId()}"\n`)).toEqual([true]);
    expect(scan(`key = "${freshKeyId()}"\n// keyguard:allow\n`)).toEqual([false]); // another line
    expect(scan(`key = "${freshKeyId()}" ${'x'.repeat(200)} // keyguard:allow\n`)).toEqual([false]); // too far
  });
});
