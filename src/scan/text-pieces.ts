import { Buffer } from 'node:buffer';
import { classifyContent, decodeAs, unitBytes, type ContentEncoding } from '../detect/content.js';
import type { BlobSink } from '../git/types.js';

/**
 * A blob's bytes → its text, in pieces of bounded size, so that memory stays bounded whatever the
 * file's size. The encoding is judged on the first 8,000 bytes (as git judges binary). Pieces are
 * cut after a line end; only a line longer than a piece is cut inside, after a character that cannot
 * be part of a key or an encoded value where there is one, and never inside a character. Pieces do
 * not overlap: a reader that needs context across a cut keeps it itself (see BlobScanner).
 */

/** Bytes needed to judge the encoding (git judges binary on 8,000). */
const PROBE_BYTES = 8000;

export const DEFAULT_PIECE_BYTES = 8 * 1024 * 1024;

export type PieceReader = (text: string, final: boolean) => void;

export class TextPieces implements BlobSink {
  bytes = 0;
  encoding: ContentEncoding | undefined;
  private parts: Buffer[] = [];
  private buffered = 0;

  constructor(
    private readonly read: PieceReader,
    private readonly pieceBytes = DEFAULT_PIECE_BYTES,
  ) {}

  data(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.parts.push(chunk);
    this.buffered += chunk.length;
    if (this.encoding === undefined && this.buffered >= PROBE_BYTES) this.decideEncoding();
    if (this.encoding !== undefined && this.buffered >= this.pieceBytes) this.flush(false);
  }

  end(): void {
    if (this.encoding === undefined) this.decideEncoding();
    this.flush(true);
  }

  private decideEncoding(): void {
    const head = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    const { encoding, bom } = classifyContent(head);
    this.encoding = encoding;
    this.parts = [head.subarray(bom)];
    this.buffered = head.length - bom;
  }

  private flush(final: boolean): void {
    let buffer = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    this.buffered = 0;
    const encoding = this.encoding!;
    while (buffer.length > this.pieceBytes || (buffer.length === this.pieceBytes && !final)) {
      const cut = cutPoint(buffer, this.pieceBytes, encoding);
      this.read(decodeAs(buffer.subarray(0, cut), encoding), false);
      buffer = buffer.subarray(cut);
    }
    if (final) {
      this.read(decodeAs(buffer, encoding), true);
    } else if (buffer.length > 0) {
      this.parts = [Buffer.from(buffer)]; // a copy: the rest of a large chunk need not stay alive
      this.buffered = buffer.length;
    }
  }
}

/** Characters that may belong to a key, an escaped or encoded value. */
function isTokenCode(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    c === 0x2b || c === 0x2f || c === 0x3d || c === 0x25 || c === 0x5c || c === 0x2d || c === 0x5f
  );
}

/** The code unit at byte `i` (a multiple of `unit`). */
function codeUnit(buffer: Buffer, i: number, encoding: ContentEncoding): number {
  switch (encoding) {
    case 'utf-16le':
      return buffer.readUInt16LE(i);
    case 'utf-16be':
      return buffer.readUInt16BE(i);
    case 'utf-32le':
      return buffer.readUInt32LE(i);
    case 'utf-32be':
      return buffer.readUInt32BE(i);
    default:
      return buffer[i]!;
  }
}

/**
 * Where to end a piece of at most `limit` bytes: after the last line end; in a longer line, after
 * the last character that is not part of a token (an ASCII one, so never inside a UTF-8 sequence);
 * in an unbroken run, at the limit, moved back to a character boundary.
 */
export function cutPoint(buffer: Buffer, limit: number, encoding: ContentEncoding): number {
  const unit = unitBytes(encoding);
  const last = Math.floor(Math.min(limit, buffer.length) / unit) * unit; // exclusive, unit-aligned
  // Newlines first: the bytes are searched for 0x0A (memchr), each hit checked as a whole unit.
  for (let from = last - 1; from >= 0; ) {
    const nl = buffer.lastIndexOf(0x0a, from);
    if (nl < 0) break;
    const start = nl - (nl % unit);
    if (codeUnit(buffer, start, encoding) === 0x0a) return start + unit;
    from = start - 1;
  }
  for (let i = last - unit; i > 0; i -= unit) {
    const c = codeUnit(buffer, i, encoding);
    if (c < 0x80 && !isTokenCode(c)) return i + unit;
  }
  let cut = last;
  if (encoding === 'utf-8') while (cut > 1 && (buffer[cut]! & 0xc0) === 0x80) cut--; // not inside a sequence
  if ((encoding === 'utf-16le' || encoding === 'utf-16be') && cut > unit) {
    const before = codeUnit(buffer, cut - unit, encoding);
    if (before >= 0xd800 && before <= 0xdbff) cut -= unit; // not between a surrogate pair
  }
  return Math.max(cut, unit);
}
