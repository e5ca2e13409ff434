import { createHash } from '../lazy-crypto.js';
import { Buffer } from 'node:buffer';
import { classifyContent, decodeAs, type ContentEncoding } from '../detect/content.js';
import { scanText } from '../detect/scan-text.js';
import type { Detection } from '../detect/types.js';
import type { BlobSink } from '../git/types.js';

/** A detection, plus an identity for the whole line it sits on (to tell added lines from kept ones). */
export interface LineDetection extends Detection {
  lineKey: string;
  /** The line carries a `keyguard:allow` comment. */
  allowedInline: boolean;
}

const INLINE_ALLOW = 'keyguard:allow';

export interface BlobScan {
  bytes: number;
  encoding: ContentEncoding | undefined;
  detections: LineDetection[];
}

/** Lines are identified by length and hash, so that a 50 MB line is never kept as a string. */
export function lineKeyOf(line: string): string {
  return `${line.length}:${createHash('sha1').update(line).digest('base64')}`;
}

export function lineAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const newline = text.indexOf('\n', offset);
  return text.slice(start, newline < 0 ? text.length : newline);
}

export interface ChunkLimits {
  /** Text is scanned in pieces of about this many bytes, cut at line ends. */
  chunkBytes: number;
  /** Lines kept from the previous piece so that evidence across the cut is seen. */
  overlapBytes: number;
}

/**
 * Blobs up to 16 MB are scanned in one piece. Larger ones are scanned in 16 MB pieces cut at line
 * ends, each starting with the last 8 KB of the previous one (more than the detector's furthest
 * evidence reach of 1,000 characters plus a line), so memory stays bounded whatever the file size.
 */
export const DEFAULT_LIMITS: ChunkLimits = { chunkBytes: 16 * 1024 * 1024, overlapBytes: 8 * 1024 };

/** Bytes needed to judge the encoding (git judges binary on 8,000). */
const BINARY_PROBE_BYTES = 8000;

/**
 * Receives a blob's bytes as they stream in and scans them. The encoding is judged on the first
 * 8,000 bytes. UTF-8 text and binary content are scanned in bounded pieces; UTF-16 (rare, and never
 * huge) is decoded whole.
 */
export class BlobScanner implements BlobSink {
  readonly result: BlobScan = { bytes: 0, encoding: undefined, detections: [] };
  private parts: Buffer[] = [];
  private buffered = 0;
  /** Already-scanned tail of the previous piece, scanned again for context. */
  private carry: Buffer = Buffer.alloc(0);
  /** Line number (0-based) of the carry's first line. */
  private lineBase = 0;
  /** When the carry starts in the middle of a line: UTF-16 units between that line's start and the carry. */
  private columnShift = 0;
  private readonly reported = new Set<string>();

  constructor(private readonly limits: ChunkLimits = DEFAULT_LIMITS) {}

  private get streaming(): boolean {
    return this.result.encoding === 'utf-8' || this.result.encoding === 'binary';
  }

  data(chunk: Buffer): void {
    this.result.bytes += chunk.length;
    this.parts.push(chunk);
    this.buffered += chunk.length;
    if (this.result.encoding === undefined && this.buffered >= BINARY_PROBE_BYTES) this.decideEncoding();
    if (this.streaming && this.buffered >= this.limits.chunkBytes) this.flush(false);
  }

  end(): void {
    if (this.result.encoding === undefined) this.decideEncoding();
    if (this.streaming) {
      this.flush(true);
    } else {
      this.collect(decodeAs(Buffer.concat(this.parts), this.result.encoding!));
      this.parts = [];
    }
  }

  private decideEncoding(): void {
    const head = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    const { encoding, bom } = classifyContent(head);
    this.result.encoding = encoding;
    this.parts = [head.subarray(bom)];
    this.buffered = head.length - bom;
  }

  /**
   * Scans the buffered bytes in pieces of at most chunkBytes (plus the carried context), each cut at
   * a line end; without `final`, a tail shorter than a piece waits for more bytes.
   */
  private flush(final: boolean): void {
    let buffer = Buffer.concat([this.carry, ...this.parts]);
    this.parts = [];
    this.buffered = 0;
    for (;;) {
      const carried = this.carry.length;
      const limit = carried + this.limits.chunkBytes;
      if (buffer.length <= limit && (final || buffer.length < limit)) {
        if (final) this.scanPiece(buffer, buffer.length);
        else this.keepPending(buffer.subarray(carried));
        return;
      }
      let cut = buffer.lastIndexOf(10, limit - 1) + 1;
      // No line end in the new bytes: one very long line. Cut it where no token can straddle the cut.
      if (cut <= carried) cut = longLineCut(buffer.subarray(0, limit), carried);
      this.scanPiece(buffer, cut);
      buffer = Buffer.concat([this.carry, buffer.subarray(cut)]);
    }
  }

  private keepPending(rest: Buffer): void {
    if (rest.length === 0) return;
    this.parts = [Buffer.from(rest)];
    this.buffered = rest.length;
  }

  /** Scans buffer[0, cut) and keeps its last lines (at most overlapBytes) as context for the next piece. */
  private scanPiece(buffer: Buffer, cut: number): void {
    const piece = buffer.subarray(0, cut);
    this.collect(decodeAs(piece, this.result.encoding!));

    let carryStart = Math.max(0, cut - this.limits.overlapBytes);
    const newline = piece.indexOf(10, carryStart);
    const startsLine = newline >= 0 && newline + 1 < cut;
    carryStart = startsLine ? newline + 1 : Math.min(cut, afterTokenRun(piece, carryStart));
    const skipped = piece.subarray(0, carryStart);
    let lines = 0;
    for (let at = skipped.indexOf(10); at >= 0; at = skipped.indexOf(10, at + 1)) lines++;
    // Columns on the carry's first line start counting at the real start of that line.
    if (lines > 0) this.columnShift = 0;
    this.columnShift += decodeAs(skipped.subarray(skipped.lastIndexOf(10) + 1), this.result.encoding!).length;
    this.lineBase += lines;
    this.carry = Buffer.from(piece.subarray(carryStart));
  }

  private collect(text: string): void {
    for (const detection of scanText(text)) {
      const line = this.lineBase + detection.line;
      const column = detection.line === 1 ? detection.column + this.columnShift : detection.column;
      const key = `${line}:${column}:${detection.fingerprint}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      const lineText = lineAt(text, detection.offset);
      this.result.detections.push({ ...detection, line, column, lineKey: lineKeyOf(lineText), allowedInline: lineText.includes(INLINE_ALLOW) });
    }
  }
}

/**
 * Where to cut a line longer than a piece: after the last character that cannot be part of a key or
 * an encoded value, so no credential is split; a piece that is one unbroken run of such characters
 * (a huge base64 blob, which holds no 40-character token) is cut at its end.
 */
function longLineCut(buffer: Buffer, from: number): number {
  for (let i = buffer.length - 1; i > from; i--) {
    if (!isTokenByte(buffer[i]!)) return i + 1;
  }
  return buffer.length;
}

/** The position after the first byte at or after `from` that cannot be part of a token. */
function afterTokenRun(buffer: Buffer, from: number): number {
  let i = from;
  while (i < buffer.length && isTokenByte(buffer[i]!)) i++;
  return i + 1;
}

/** Bytes that may belong to a key, an escaped or encoded value (and any non-ASCII byte, to never split a character). */
function isTokenByte(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    c === 0x2b || c === 0x2f || c === 0x3d || c === 0x25 || c === 0x5c || c === 0x2d || c === 0x5f || c >= 0x80
  );
}
