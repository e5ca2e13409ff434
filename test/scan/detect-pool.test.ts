import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret, freshSessionToken } from '../../src/fake-keys.js';
import { DetectionPool } from '../../src/scan/detect-pool.js';
import { localScan, type ScanSink } from '../../src/scan/scan-sink.js';

/**
 * The worker pool must answer exactly what the main thread answers, for every kind of blob and
 * however git cuts it into chunks: the same detections (fields and order), byte count, encoding
 * and Git LFS pointer. (The pool loads dist/detect-worker.cjs: `npm test` builds first.)
 */

const pool = DetectionPool.forScan(1, { KEYGUARD_SCAN_FAST_PATHS: 'always' });
afterAll(() => pool?.close());

async function scanWith(sink: ScanSink, chunks: Buffer[], path: string) {
  for (const chunk of chunks) sink.data(chunk);
  sink.end();
  const scanned = await sink.finished();
  let members: unknown;
  try {
    members = scanned.containerDetections(path);
  } catch (error) {
    members = { error: (error as Error).message };
  }
  return { result: scanned.result, lfsPointer: scanned.lfsPointer, members };
}

/** Cuts `bytes` where `cuts` say (fractions of its length), as a pipe would. */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let at = 0;
  for (const point of [...points, bytes.length]) {
    if (point > at) chunks.push(bytes.subarray(at, point));
    at = Math.max(at, point);
  }
  return chunks;
}

const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const credentials = () => `[default]\naws_access_key_id = ${freshKeyId()}\naws_secret_access_key = ${freshSecret()}\n`;

const kinds: Record<string, () => Buffer> = {
  'plain text': () => Buffer.from(`const a = 1;\n${credentials()}// end`),
  'no newline at the end': () => Buffer.from(`x\n${freshKeyId()}`),
  'binary with a key': () => Buffer.concat([randomBytes(500), Buffer.from([0]), Buffer.from(credentials()), randomBytes(300)]),
  'UTF-16 with a BOM': () => utf16(credentials()),
  'UTF-16 without a BOM': () => Buffer.from(credentials().repeat(3), 'utf16le'),
  base64: () => Buffer.from(`blob: ${Buffer.from(credentials()).toString('base64')}\n`),
  'session token': () => Buffer.from(`aws_session_token = ${freshSessionToken()}\n`),
  gzip: () => gzipSync(credentials()),
  'Git LFS pointer': () => Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${'ab'.repeat(32)}\nsize 12345\n`),
  empty: () => Buffer.alloc(0),
  'just under 1 MB': () => Buffer.concat([Buffer.from('x'.repeat(1024 * 1024 - 60) + '\n'), Buffer.from(`id = ${freshKeyId()}\n`)]).subarray(0, 1024 * 1024),
  'just over 1 MB (scanned as it streams)': () => Buffer.concat([Buffer.from(`${'y'.repeat(1024 * 1024)}\n`), Buffer.from(credentials())]),
  'nothing in it': () => Buffer.from('hello world\n'.repeat(1000)),
};

describe.skipIf(pool === undefined)('detection on worker threads', () => {
  if (pool === undefined) console.log('skipped: dist/detect-worker.cjs is not built (npm run build)');

  it.each(Object.entries(kinds))('%s: the same scan as on the main thread', async (name, make) => {
    const bytes = make();
    const here = await scanWith(localScan(), [bytes], name);
    const there = await scanWith(pool!.sink(), [bytes], name);
    expect(there).toEqual(here);
    if (name.includes('key') || name === 'plain text') expect(here.result.detections.length).toBeGreaterThan(0);
  });

  it('the same scan whatever the chunks (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(kinds)), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), async (name, cuts) => {
        const bytes = kinds[name]!();
        const here = await scanWith(localScan(), chunked(bytes, cuts), name);
        const there = await scanWith(pool!.sink(), chunked(bytes, cuts), name);
        expect(there).toEqual(here);
      }),
      { numRuns: 60 },
    );
  });

  it('many blobs at once come back to the right callers', async () => {
    const blobs = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? Buffer.from(`${i}\n${freshKeyId()}\n`) : Buffer.from(`line ${i}\n`.repeat(i + 1))));
    const here = await Promise.all(blobs.map((b, i) => scanWith(localScan(), [b], `f${i}`)));
    const there = await Promise.all(blobs.map((b, i) => scanWith(pool!.sink(), [b], `f${i}`)));
    expect(there).toEqual(here);
  });
});
