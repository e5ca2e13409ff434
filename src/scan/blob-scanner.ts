import { scanText } from '../detect/scan-text.js';
import { DecodeLimitError, GZIP_RUN_MAX, openGzipStreamStart } from '../detect/decode/compressed.js';
import type { ContentEncoding } from '../detect/content.js';
import type { Detection } from '../detect/types.js';
import type { BlobSink } from '../git/types.js';
import { TRUST_HINT } from './container-reading.js';
import { CONTAINER_MAX, ContainerError, containerKind, expandContainer, HEAD_BYTES, holdsMembers, ZIP_TAIL, zipEnd, type ContainerKind } from './containers.js';
import { parseLfsPointer, POINTER_MAX, type LfsPointer } from './lfs-pointer.js';
import { lineKeyOf } from './line-keys.js';
import { DEFAULT_PIECE_BYTES, TextPieces } from './text-pieces.js';

/** A detection in a blob, with what deciding "is it new?" and "is it allowed?" needs. */
export interface LineDetection extends Detection {
  /**
   * Keys of the lines that hold the credential (from `line` to `endLine`), to tell added lines from
   * kept ones; undefined when a line was not whole in the piece scanned (a line longer than a piece):
   * the keys are then computed by reading the blob again, only if they are needed.
   */
  lineKeys: string[] | undefined;
  /** A `keyguard:allow` comment is next to it. */
  allowedInline: boolean;
  /** Inside a container file: the members it is in, outermost first (`['xl/sharedStrings.xml']`). */
  within?: string[];
}

export const INLINE_ALLOW = 'keyguard:allow';
/**
 * How close to a credential, on its line, a `keyguard:allow` comment must be to cover it. One comment
 * covers the credentials near it (a key pair on one line), never a whole minified file.
 */
export const ALLOW_REACH = 120;

export interface BlobScan {
  bytes: number;
  encoding: ContentEncoding | undefined;
  detections: LineDetection[];
}

export interface ChunkLimits {
  /** Text is decoded and scanned in pieces of about this many bytes, cut at line ends. */
  chunkBytes: number;
  /** Characters kept from the end of the previous piece, so that evidence across the cut is seen. */
  overlapBytes: number;
}

/**
 * Blobs up to 8 MB are scanned in one piece. Larger ones are scanned in 8 MB pieces cut at line
 * ends, each preceded by the last 8 K characters of the previous one (more than the detector's
 * furthest evidence reach of 1,000 characters and any credential's length), so memory stays bounded
 * whatever the file size and nothing is missed at a cut.
 */
export const DEFAULT_LIMITS: ChunkLimits = { chunkBytes: DEFAULT_PIECE_BYTES, overlapBytes: 8 * 1024 };

/**
 * Receives a blob's bytes as they stream in and scans its text piece by piece (see TextPieces).
 * Binary content is scanned as raw bytes, where keys touching other fields count; where the bytes of
 * a piece hold NULs (UTF-16 or UTF-32 text inside a binary file, or after a first part that looked
 * like UTF-8), the piece is also scanned with the NULs taken out, so that wide text is read too.
 */
export class BlobScanner implements BlobSink {
  readonly result: BlobScan = { bytes: 0, encoding: undefined, detections: [] };
  private readonly pieces: TextPieces;
  /** The end of the previous piece's text, scanned again for context. */
  private carry = '';
  /** 1-based line number of the carry's first character, and its 0-based column on that line. */
  private carryLine = 1;
  private carryColumn = 0;
  /** The next piece begins a line (the previous one ended with a newline, or there was none). */
  private pieceStartsLine = true;
  private readonly reported = new Set<string>();
  /** Line and fingerprint of every credential reported, so that a second view does not report it again. */
  private readonly reportedOnLine = new Set<string>();

  /**
   * The blob's bytes, kept to expand it after the scan if it is a container (see containers.ts): a
   * file up to KEEP_MAX whatever it is (a zip may be appended to any file, found from its end), a
   * container by its start up to CONTAINER_MAX. Past that, only its last ZIP_TAIL bytes are kept.
   */
  private kept: Buffer[] | undefined = [];
  private length = 0; // the blob's bytes so far, kept or not
  /** What the start of the blob says it is, once HEAD_BYTES of it (or all of it) have arrived. */
  private head: { kind: ContainerKind | undefined } | undefined;
  /** The last ZIP_TAIL bytes, once the blob is no longer kept whole. */
  private tail: Buffer | undefined;
  /** A container by its start that was larger than CONTAINER_MAX. */
  private oversized = false;

  constructor(private readonly limits: ChunkLimits = DEFAULT_LIMITS) {
    this.pieces = new TextPieces((text, final) => this.scanPiece(text, final), limits.chunkBytes);
  }

  /** The bytes of a blob small enough to be a Git LFS pointer. */
  private small: Buffer[] | undefined = [];

  /** The Git LFS pointer this blob is, if it is one. */
  lfsPointer(): LfsPointer | undefined {
    return this.small === undefined ? undefined : parseLfsPointer(Buffer.concat(this.small));
  }

  data(chunk: Buffer): void {
    if (this.small !== undefined) {
      if (this.pieces.bytes + chunk.length <= POINTER_MAX) this.small.push(chunk);
      else this.small = undefined;
    }
    this.keep(chunk);
    this.pieces.data(chunk);
  }

  /**
   * The detections in the members of a container file (`path` names it in messages), each scanned
   * as a file of its own; none for other files. Throws ContainerError past the bounds (exit 2).
   */
  containerDetections(path: string): LineDetection[] {
    if (this.undecodable !== undefined) {
      throw new ContainerError(
        `${path}: ${this.undecodable.message}, so keyguard could not check all of it.`,
        TRUST_HINT,
      );
    }
    const whole = this.whole(path);
    if (whole === undefined) return [];
    const found: LineDetection[] = [];
    const names = new Set<string>();
    expandContainer(path, whole, (member) => {
      for (const detection of scanBytes(member.bytes)) found.push({ ...detection, within: member.place, lineKeys: [] });
      // Member names are stored in the archive and pushed with it, like a tracked file's name.
      member.place.forEach((name, level) => {
        if (names.has(member.place.slice(0, level + 1).join('\0'))) return;
        names.add(member.place.slice(0, level + 1).join('\0'));
        const inName = scanText(name);
        if (inName.length === 0) return;
        const within = [...member.place.slice(0, level), `(file name) ${redactedIn(name, inName)}`];
        for (const detection of inName) found.push({ ...detection, line: 1, endLine: 1, within, lineKeys: [], allowedInline: false });
      });
    });
    // A member stored uncompressed is also read in the container's own bytes: report it once, in its member.
    const inMembers = new Set(found.map((d) => d.fingerprint));
    this.result.detections = this.result.detections.filter((d) => !inMembers.has(d.fingerprint));
    return found;
  }

  private keep(chunk: Buffer): void {
    this.length += chunk.length;
    if (this.kept === undefined) {
      if (this.tail !== undefined) this.tail = Buffer.concat([this.tail, chunk.subarray(-ZIP_TAIL)]).subarray(-ZIP_TAIL);
      return;
    }
    this.kept.push(chunk);
    if (this.head === undefined && this.length >= HEAD_BYTES) this.head = { kind: containerKind(headOf(this.kept)) };
    if (this.length > KEEP_MAX && this.head?.kind === undefined) {
      this.tail = tailOf(this.kept);
      this.kept = undefined;
    } else if (this.length > CONTAINER_MAX) {
      this.oversized = true;
      this.kept = undefined;
    }
  }

  /** The whole blob when it is a container to expand; undefined when it is none. Throws when it is one too large to expand. */
  private whole(path: string): Buffer | undefined {
    const kept = this.kept;
    this.kept = undefined;
    const megabytes = Math.round(this.length / 1024 / 1024);
    if (this.oversized) {
      throw new ContainerError(`${path} is a ${this.head!.kind} file of ${megabytes} MB, too large for keyguard to expand and check.`, TRUST_HINT);
    }
    if (kept === undefined) {
      const found = this.tail === undefined ? undefined : zipEnd(this.tail, this.length);
      if (found === undefined || found.shift === 0) return undefined;
      throw new ContainerError(`${path} has a zip archive appended after its first ${found.shift} bytes, and at ${megabytes} MB it is too large for keyguard to expand and check.`, TRUST_HINT);
    }
    if (!holdsMembers(headOf(kept), tailOf(kept), this.length)) return undefined;
    return kept.length === 1 ? kept[0]! : Buffer.concat(kept);
  }

  end(): void {
    this.pieces.end();
    this.result.bytes = this.pieces.bytes;
    this.result.encoding = this.pieces.encoding;
  }

  /** Why the rest of the blob was not scanned: a form too large to decode (reported with the file's path). */
  undecodable: DecodeLimitError | undefined;

  private scanPiece(piece: string, final: boolean): void {
    if (this.undecodable !== undefined) return;
    try {
      this.scanText(piece, final);
    } catch (error) {
      if (!(error instanceof DecodeLimitError)) throw error;
      this.undecodable = error;
    }
  }

  private scanText(piece: string, final: boolean): void {
    const text = this.carry + piece;
    const encoding = this.pieces.encoding;
    const binary = encoding === 'binary';
    // The text's first line is whole when the carry (or, without one, the piece) begins a line.
    const firstLineWhole = this.carry === '' ? this.pieceStartsLine : this.carryColumn === 0;
    const found = scanText(text, { binary });
    // A credential that reaches the end of a piece may go on in the next one: it is left for the
    // next scan, whose carry starts no later than it does.
    let deferFrom = final ? text.length : Math.min(text.length, ...found.filter((d) => reachesEnd(d, text)).map((d) => d.offset));
    if (!final) deferFrom = Math.min(deferFrom, this.openStreamStart(text));
    this.collect(text, final ? found : found.filter((d) => !reachesEnd(d, text)), firstLineWhole, final, false);
    if ((binary || encoding === 'utf-8') && piece.includes('\0')) {
      const narrow = text.replace(/\0/g, '');
      // Same line numbers (a newline is never a NUL); its lines are not the file's lines, so their keys are looked up later.
      const wide = scanText(narrow, { binary: true });
      this.collect(narrow, final ? wide : wide.filter((d) => !reachesEnd(d, narrow)), false, false, true);
    }
    if (!final) this.keepCarry(text, piece, deferFrom);
  }

  /**
   * Where a base64 gzip stream that this piece cuts short begins (from its line's start when that is
   * near), or the text's end: the stream is kept for the next piece, so that it is decoded whole.
   * One longer than the decoder takes stops the check rather than being read in part.
   */
  private openStreamStart(text: string): number {
    const open = openGzipStreamStart(text);
    if (open === undefined) return text.length;
    if (text.length - open > GZIP_RUN_MAX) throw new DecodeLimitError(`a base64 gzip stream of more than ${GZIP_RUN_MAX / 1024 / 1024} MB is too long to decode`);
    const lineStart = text.lastIndexOf('\n', open - 1) + 1;
    return open - lineStart <= this.limits.overlapBytes ? lineStart : open;
  }

  private collect(text: string, detections: Detection[], firstLineWhole: boolean, final: boolean, secondView: boolean): void {
    if (detections.length === 0) return;
    const lines = new LineWalker(text);
    const keyOfLine = new Map<number, string | undefined>(); // by line start: findings crowd on a minified line
    const lineKey = (at: number): string | undefined => {
      if (!keyOfLine.has(at)) {
        const end = text.indexOf('\n', at);
        // A line that continues in the next piece is not whole here.
        keyOfLine.set(at, end < 0 && !final ? undefined : lineKeyOf(text.slice(at, end < 0 ? text.length : end)));
      }
      return keyOfLine.get(at);
    };
    for (const detection of detections) {
      const line = this.carryLine + detection.line - 1;
      const endLine = this.carryLine + detection.endLine - 1;
      const column = detection.line === 1 ? detection.column + this.carryColumn : detection.column;
      const onLine = `${line}:${detection.fingerprint}`;
      if (secondView ? this.reportedOnLine.has(onLine) : this.reported.has(`${line}:${column}:${detection.fingerprint}`)) continue;
      this.reported.add(`${line}:${column}:${detection.fingerprint}`);
      this.reportedOnLine.add(onLine);
      const first = lines.lineAt(detection.offset);
      const keys: string[] = [];
      let whole = !secondView && (detection.line > 1 || firstLineWhole);
      for (let at = first, n = detection.line; whole && n <= detection.endLine; n++) {
        const key = lineKey(at);
        if (key === undefined) whole = false;
        else keys.push(key);
        at = text.indexOf('\n', at) + 1;
      }
      this.result.detections.push({
        ...detection,
        line,
        endLine,
        column,
        lineKeys: whole ? keys : undefined,
        allowedInline: allowCommentNear(text, detection.offset, detection.offset + detection.length, first),
      });
    }
  }

  /**
   * Keeps the end of the text as context for the next piece, from a line start where there is one,
   * and from `deferFrom` at the latest (a credential left for the next scan).
   */
  private keepCarry(text: string, piece: string, deferFrom: number): void {
    let start = Math.max(0, text.length - this.limits.overlapBytes);
    const newline = text.indexOf('\n', start);
    if (newline >= 0 && newline + 1 < text.length) start = newline + 1;
    start = Math.min(start, deferFrom);
    if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start--;
    let lines = 0;
    let lastNewline = -1;
    for (let at = text.indexOf('\n'); at >= 0 && at < start; at = text.indexOf('\n', at + 1)) {
      lines++;
      lastNewline = at;
    }
    this.carryColumn = lines > 0 ? start - lastNewline - 1 : this.carryColumn + start;
    this.carryLine += lines;
    this.carry = text.slice(start);
    this.pieceStartsLine = piece.endsWith('\n');
  }
}

/** Any file up to this size is kept whole, to look for a zip appended to it (see BlobScanner.kept). */
export const KEEP_MAX = 64 * 1024 * 1024;

/** The first HEAD_BYTES of chunks (copied only when the first chunk is shorter). */
function headOf(parts: Buffer[]): Buffer {
  let to = 0;
  for (let bytes = 0; to < parts.length && bytes < HEAD_BYTES; ) bytes += parts[to++]!.length;
  return (to === 1 ? parts[0]! : Buffer.concat(parts.slice(0, to))).subarray(0, HEAD_BYTES);
}

/** The last ZIP_TAIL bytes of chunks. */
function tailOf(parts: Buffer[]): Buffer {
  let from = parts.length;
  for (let bytes = 0; from > 0 && bytes < ZIP_TAIL; ) bytes += parts[--from]!.length;
  return (from === parts.length - 1 ? parts[from]! : Buffer.concat(parts.slice(from))).subarray(-ZIP_TAIL);
}

const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** `text` with each detection in it replaced by its redacted form (from the end, so offsets hold). */
export function redactedIn(text: string, detections: readonly Detection[]): string {
  let shown = text;
  for (const d of [...detections].sort((a, b) => b.offset - a.offset)) shown = shown.slice(0, d.offset) + d.redacted + shown.slice(d.offset + d.length);
  return shown;
}

/** Whether a detection's text runs to the end of the text scanned (and so may be cut short there). */
const reachesEnd = (detection: Detection, text: string): boolean => detection.offset + detection.length >= text.length;

/**
 * Line starts for offsets that arrive in increasing order (detections are sorted): one pass over the
 * text, so that many findings on one huge line never rescan it.
 */
class LineWalker {
  private lineStart = 0;
  constructor(private readonly text: string) {}

  lineAt(offset: number): number {
    for (let nl = this.text.indexOf('\n', this.lineStart); nl >= 0 && nl < offset; nl = this.text.indexOf('\n', this.lineStart)) {
      this.lineStart = nl + 1;
    }
    return this.lineStart;
  }
}

/** Whether a `keyguard:allow` comment lies within ALLOW_REACH characters of [start, end), on the same lines. */
function allowCommentNear(text: string, start: number, end: number, lineStart: number): boolean {
  const before = text.slice(Math.max(lineStart, start - ALLOW_REACH - INLINE_ALLOW.length), start);
  const after = text.slice(end, end + ALLOW_REACH + INLINE_ALLOW.length);
  const lineEnd = after.indexOf('\n');
  return before.includes(INLINE_ALLOW) || (lineEnd < 0 ? after : after.slice(0, lineEnd)).includes(INLINE_ALLOW);
}

/** The detections in a whole file's bytes, as a check of that file finds them (same decoding, same pieces). */
export function scanBytes(bytes: Buffer): LineDetection[] {
  const scanner = new BlobScanner();
  scanner.data(bytes);
  scanner.end();
  if (scanner.undecodable !== undefined) throw scanner.undecodable;
  return scanner.result.detections;
}
