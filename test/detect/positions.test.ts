import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanText, type CredentialKind } from '../../src/detect/index.js';
import {
  freshAccountId,
  freshBedrockApiKey,
  freshBedrockShortTermKey,
  freshKeyId,
  freshSecret,
  freshServicePassword,
  freshSessionToken,
  freshSsoToken,
} from '../../src/fake-keys.js';
import { BlobScanner, DEFAULT_LIMITS, type ChunkLimits } from '../../src/scan/blob-scanner.js';

/**
 * A credential is found wherever it sits and however long the file is. Last round, a secret after
 * line 4,113 of any file was never found (a line cursor used an index from before it compacted its
 * list): tests had used small files. Here the file's length, the credential's position and its kind
 * are all generated, with lengths weighted towards every internal boundary the scanner has (the
 * cursor's compaction after 4,096 remembered lines, the 8 K carry between pieces, the pieces
 * themselves) and up to hundreds of thousands of lines.
 */

type Planted = { kind: CredentialKind; value: string; line: string; column: number };

/** One credential, alone, written the way it is found: a key ID bare, a secret or a session token after its name. */
function plant(kind: CredentialKind): Planted {
  switch (kind) {
    case 'access-key-id': {
      const value = freshKeyId();
      return { kind, value, line: `id ${value}`, column: 4 };
    }
    case 'secret-access-key': {
      const value = freshSecret();
      return { kind, value, line: `AWS_SECRET_ACCESS_KEY=${value}`, column: 23 };
    }
    case 'session-token': {
      const value = freshSessionToken(400);
      return { kind, value, line: `aws_session_token = ${value}`, column: 21 };
    }
    case 'bedrock-api-key': {
      const value = freshBedrockApiKey();
      return { kind, value, line: `AWS_BEARER_TOKEN_BEDROCK=${value}`, column: 26 };
    }
    case 'bedrock-short-term-key': {
      const value = freshBedrockShortTermKey();
      return { kind, value, line: `AWS_BEARER_TOKEN_BEDROCK=${value}`, column: 26 };
    }
    case 'service-specific-credential': {
      const value = freshServicePassword();
      const head = `https://ci-at-${freshAccountId()}:`;
      return { kind, value, line: `${head}${encodeURIComponent(value)}@git-codecommit.us-east-1.amazonaws.com/v1/repos/app`, column: head.length + 1 };
    }
    case 'sso-token': {
      const value = freshSsoToken();
      return { kind, value, line: `"accessToken": "${value}",`, column: 17 };
    }
  }
}

const kinds = fc.constantFrom<CredentialKind>(
  'access-key-id',
  'secret-access-key',
  'session-token',
  'bedrock-api-key',
  'bedrock-short-term-key',
  'service-specific-credential',
  'sso-token',
);

/** Numbers of filler lines: small, around 4,096 (the cursor's compaction), and large. */
const lineCount = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 3, arbitrary: fc.integer({ min: 4_080, max: 4_200 }) },
  { weight: 2, arbitrary: fc.integer({ min: 8_180, max: 8_220 }) },
  { weight: 2, arbitrary: fc.integer({ min: 4_201, max: 60_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 300_000 }) },
);

/** Filler that holds nothing the detector reports: short lines, as in logs and SQL dumps. */
const fillerKind = fc.constantFrom('x', '', 'INSERT INTO t VALUES (1, 2, 3);', 'a secret is not here', '  - item');

/** Where the credential goes: first line, somewhere inside, or last line (with or without a final newline). */
const position = fc.oneof(
  fc.constant<'first'>('first'),
  fc.constant<'last'>('last'),
  fc.double({ min: 0, max: 1, noNaN: true }),
);

function build(count: number, filler: string, at: 'first' | 'last' | number, planted: Planted, finalNewline: boolean, eol: string) {
  const index = at === 'first' ? 0 : at === 'last' ? count : Math.floor(at * count);
  const lines = [...Array.from({ length: index }, () => filler), planted.line, ...Array.from({ length: count - index }, () => filler)];
  return { text: lines.join(eol) + (finalNewline ? eol : ''), line: index + 1 };
}

function scanInPieces(bytes: Buffer, limits: ChunkLimits, feed: number) {
  const scanner = new BlobScanner(limits);
  for (let at = 0; at < bytes.length; at += feed) scanner.data(bytes.subarray(at, at + feed));
  scanner.end();
  return scanner.result.detections;
}

describe('a credential is found at any position in a file of any length', () => {
  it('by the detector: exact kind, value, line and column', () => {
    fc.assert(
      fc.property(kinds, lineCount, fillerKind, position, fc.boolean(), fc.constantFrom('\n', '\r\n'), (kind, count, filler, at, finalNewline, eol) => {
        const planted = plant(kind);
        const { text, line } = build(count, filler, at, planted, finalNewline, eol);
        expect(scanText(text).map((d) => [d.kind, d.value, d.line, d.column])).toEqual([[kind, planted.value, line, planted.column]]);
      }),
      { numRuns: 150 },
    );
  });

  it('by the blob scanner, in pieces of any size fed in any way: the same as one whole scan', () => {
    fc.assert(
      fc.property(
        kinds,
        lineCount,
        fillerKind,
        position,
        fc.boolean(),
        fc.integer({ min: 4_096, max: 200_000 }),
        fc.oneof(fc.integer({ min: 1, max: 70_000 }), fc.constant(1 << 30)),
        (kind, count, filler, at, finalNewline, chunkBytes, feed) => {
          const planted = plant(kind);
          const { text, line } = build(count, filler, at, planted, finalNewline, '\n');
          const found = scanInPieces(Buffer.from(text), { chunkBytes, overlapBytes: 2_048 }, feed);
          expect(found.map((d) => [d.kind, d.value, d.line, d.column])).toEqual([[kind, planted.value, line, planted.column]]);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('on every side of a piece boundary inside one long line', () => {
    // A line longer than a piece is cut inside; the credential is moved across the cut a character at a time.
    const limits: ChunkLimits = { chunkBytes: 4_096, overlapBytes: 1_024 };
    for (const kind of ['access-key-id', 'secret-access-key', 'session-token', 'bedrock-api-key', 'service-specific-credential', 'sso-token'] as const) {
      const planted = plant(kind);
      for (let start = 4_096 - planted.line.length - 8; start <= 4_096 + 8; start++) {
        // Filler without spaces near the cut: the cut then has to fall inside the run.
        const before = 'w '.repeat(start).slice(0, start);
        const text = `${before}${planted.line} ${'v '.repeat(3_000)}`;
        const found = scanInPieces(Buffer.from(text), limits, 1 << 30);
        expect(found.map((d) => [d.kind, d.value, d.line, d.column]), `${kind} at ${start}`).toEqual([[kind, planted.value, 1, start + planted.column]]);
      }
    }
  });

  it('at the end of one 50 MB line, and after 300,000 lines, with the real piece size', () => {
    const id = freshKeyId();
    const secret = freshSecret();
    const longLine = `${'lorem ipsum '.repeat(4_400_000)}aws_secret_access_key=${secret}`;
    expect(scanText(longLine).map((d) => d.value)).toEqual([secret]);
    expect(scanInPieces(Buffer.from(longLine), DEFAULT_LIMITS, 1 << 20).map((d) => [d.value, d.line])).toEqual([[secret, 1]]);

    const manyLines = `${'x\n'.repeat(300_000)}${id}\nAWS_SECRET_ACCESS_KEY=${secret}`;
    expect(scanText(manyLines).map((d) => [d.value, d.line])).toEqual([
      [id, 300_001],
      [secret, 300_002],
    ]);
    expect(scanInPieces(Buffer.from(manyLines), DEFAULT_LIMITS, 65_536).map((d) => [d.value, d.line])).toEqual([
      [id, 300_001],
      [secret, 300_002],
    ]);
  });
});

describe('a gzip stream written in base64 is decoded whole, wherever the pieces cut it', () => {
  /** A compressed payload of `size` random base64 characters with a key ID after `keyAt` of them. */
  function gzipped(size: number, keyAt: number, id: string): Buffer {
    const filler = randomBytes(Math.ceil((size * 3) / 4)).toString('base64').slice(0, size);
    return gzipSync(`${filler.slice(0, keyAt)}\naws_access_key_id=${id}\n${filler.slice(keyAt)}`, { level: 1 });
  }
  const layouts = {
    'one line': (gz: Buffer) => `release: ${gz.toString('base64')}\n`,
    'wrapped at 76 columns': (gz: Buffer) => `${gz.toString('base64').replace(/.{76}/g, '$&\n')}\n`,
    'wrapped and indented in YAML': (gz: Buffer) => `data: |\n${gz.toString('base64').replace(/.{1,76}/g, '    $&\n')}`,
    'wrapped at 76 columns, without a final newline': (gz: Buffer) => gz.toString('base64').replace(/.{76}/g, '$&\n'),
  } as const;

  it('in pieces of any size, with the key anywhere in the stream, in every layout', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(layouts) as (keyof typeof layouts)[])),
        fc.integer({ min: 1_000, max: 60_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 4_096, max: 30_000 }),
        fc.oneof(fc.integer({ min: 1, max: 9_000 }), fc.constant(1 << 30)),
        fc.string({ maxLength: 3_000 }),
        (layout, size, where, chunkBytes, feed, before) => {
          const id = freshKeyId();
          const text = `${before.replace(/H4sI|SDRzS/g, '')}\n${layouts[layout](gzipped(size, Math.floor(where * size), id))}`;
          const found = scanInPieces(Buffer.from(text), { chunkBytes, overlapBytes: 1_024 }, feed);
          expect(found.map((d) => [d.value, d.encodings ?? [d.encoding]])).toEqual([[id, ['base64', 'gzip']]]);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('past the real 8 MB piece: a 10 MB stream on one line and wrapped, with the key at its end', () => {
    const id = freshKeyId();
    const gz = gzipped(10_000_000, 10_000_000, id);
    for (const layout of ['one line', 'wrapped at 76 columns'] as const) {
      const found = scanInPieces(Buffer.from(layouts[layout](gz)), DEFAULT_LIMITS, 1 << 20);
      expect(found.map((d) => d.value), layout).toEqual([id]);
    }
  });
});
