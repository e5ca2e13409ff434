import { isUtf8 } from 'node:buffer';
import { constants, gunzipSync, inflateSync } from 'node:zlib';
import { ContainerError, damaged, DEPTH_MAX, describe, inflateBounded, isZlibHeader, TOTAL_MAX, TRUST_HINT, type Member } from './container-reading.js';
import { isPdf, pdfStreams } from './container-pdf.js';
import { isTar, tarMembers } from './container-tar.js';
import { ZIP_TAIL, zipEnd, zipMembers } from './container-zip.js';

/**
 * Files that hold other files: gzip (`.gz`, and the members of a `.tgz`), tar (ustar, pax, GNU),
 * zip with deflate (`.zip`, `.jar`, the Office formats `.xlsx`/`.docx`/`.pptx`, and a zip appended
 * to other bytes), a whole file that is one zlib stream, PDF /FlateDecode streams, PNG text chunks
 * (`zTXt`, `iTXt`). They are recognised by their bytes, never by the file name. Their members are
 * expanded and scanned like files of their own; what is found is reported with its place
 * (`data.xlsx > xl/sharedStrings.xml`).
 *
 * Bounded so that a decompression bomb is a clear message, not an exhausted machine: a member may
 * expand to MEMBER_MAX, a file to TOTAL_MAX in all, and DEPTH_MAX containers may nest (the file
 * itself counts). Past a bound, or for a member keyguard cannot decode (encryption, another
 * compression method), the check stops with exit code 2 and names the file: what cannot be read is
 * never passed as clean.
 */

export { ContainerError, DEPTH_MAX, MEMBER_MAX, TOTAL_MAX, type Member } from './container-reading.js';
export { ZIP_TAIL, zipEnd } from './container-zip.js';

/** A container is read whole into memory to be expanded: larger ones stop the check. */
export const CONTAINER_MAX = 512 * 1024 * 1024;
/** Bytes of a file's start that containerKind needs (tar's magic is at 257, PDF's header within 1 KB). */
export const HEAD_BYTES = 1024;

export type ContainerKind = 'gzip' | 'zip' | 'png' | 'tar' | 'zlib' | 'pdf' | UnreadableCompression;

/** Compression node cannot undo: a file (or member) in one of these stops the check rather than pass unread. */
type UnreadableCompression = 'xz' | 'bzip2' | 'zstd' | 'lzma';

const startsWith = (head: Uint8Array, bytes: number[], at = 0): boolean => bytes.every((byte, i) => head[at + i] === byte);

function unreadableCompression(head: Uint8Array): UnreadableCompression | undefined {
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  // bzip2: "BZh", the block size, then a block's or the end's 48-bit magic (pi, or sqrt(pi)).
  const bzipMagic = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
  const bzipEnd = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
  if (startsWith(head, [0x42, 0x5a, 0x68]) && head[3]! >= 0x31 && head[3]! <= 0x39 && (startsWith(head, bzipMagic, 4) || startsWith(head, bzipEnd, 4))) return 'bzip2';
  // .lzma (xz --format=lzma, 7-Zip's legacy format): its usual properties byte, then an unknown size.
  if (head[0] === 0x5d && head[1] === 0x00 && startsWith(head, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 5)) return 'lzma';
  return undefined;
}

/** Whether a file that starts with `head` (HEAD_BYTES of it, or all of a shorter file) is a container. */
export function containerKind(head: Uint8Array): ContainerKind | undefined {
  if (head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return 'png';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x05 && head[3] === 0x06) return 'zip'; // an empty zip
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (isTar(bytes)) return 'tar';
  if (head[0] === 0x78 && isZlibHeader(head[0], head[1])) return 'zlib'; // the 32 KB window every zlib writer uses
  if (isPdf(bytes)) return 'pdf';
  return unreadableCompression(head);
}

/**
 * Where a zip archive is appended to a file that does not start as one (see zipEnd), from the file's
 * last ZIP_TAIL bytes. After a tar, only a zip that ends the file counts: a tar's last member may be
 * a zip, followed by the tar's padding.
 */
function appendedZip(tail: Buffer, length: number, kind: ContainerKind | undefined) {
  if (kind === 'zip') return undefined;
  const found = zipEnd(tail, length, kind === 'tar');
  return found !== undefined && found.shift > 0 ? found : undefined;
}

/**
 * Whether a file `length` bytes long, that starts with `head` (HEAD_BYTES of it) and ends with `tail`
 * (ZIP_TAIL of it), holds members to expand: a container by its start, or a zip appended to other bytes.
 */
export function holdsMembers(head: Buffer, tail: Buffer, length: number): boolean {
  const kind = containerKind(head);
  return kind !== undefined || appendedZip(tail, length, kind) !== undefined;
}

class Budget {
  total = 0;
  constructor(private readonly path: string) {}

  take(place: string[], bytes: number): void {
    this.total += bytes;
    if (this.total > TOTAL_MAX) {
      throw new ContainerError(
        `${describe(this.path, place)} expands to more than ${TOTAL_MAX / 1024 / 1024} MB in all, so keyguard cannot check it (a decompression bomb?).`,
        TRUST_HINT,
      );
    }
  }
}

/**
 * Every member of the container `bytes` (the file at `path`), nested containers expanded in turn.
 * Members that are not containers are given to `visit` one at a time, so only one is in memory.
 */
export function expandContainer(path: string, bytes: Buffer, visit: (member: Member) => void): void {
  const budget = new Budget(path);
  const walk = (data: Buffer, place: string[], depth: number) => {
    const kind = containerKind(data.subarray(0, HEAD_BYTES));
    const appended = appendedZip(data.subarray(-ZIP_TAIL), data.length, kind);
    if ((kind === undefined && appended === undefined) || depth >= DEPTH_MAX) {
      if (kind !== undefined || appended !== undefined) {
        throw new ContainerError(`${describe(path, place)} nests containers more than ${DEPTH_MAX} deep, so keyguard cannot check it.`, 'Unpack it, or add it to ignorePaths if you trust it.');
      }
      if (place.length > 0) visit({ place, bytes: data });
      return;
    }
    const each = (members: Iterable<Member>) => {
      for (const member of members) {
        budget.take(member.place, member.bytes.length);
        walk(member.bytes, member.place, depth + 1);
      }
    };
    try {
      if (kind !== undefined) each(members(path, kind, data, place));
      if (appended !== undefined) each(zipMembers(path, data, place, appended));
    } catch (error) {
      // An offset or length that points outside the file: a damaged (or hostile) archive.
      if (error instanceof RangeError) throw damaged(path, place, 'is damaged (a record points outside the file)');
      throw error;
    }
  };
  walk(bytes, [], 0);
}

function* members(path: string, kind: ContainerKind, data: Buffer, place: string[]): Generator<Member> {
  switch (kind) {
    case 'gzip': {
      const inner = inflateBounded(path, place, (max) => gunzipSync(data, { maxOutputLength: max, finishFlush: constants.Z_SYNC_FLUSH }));
      // a .tgz: its tar's members are one level, named as in the tar
      if (isTar(inner)) yield* tarMembers(path, inner, place);
      else yield { place: [...place, '(gzip content)'], bytes: inner };
      return;
    }
    case 'tar':
      yield* tarMembers(path, data, place);
      return;
    case 'zip':
      yield* zipMembers(path, data, place);
      return;
    case 'zlib':
      yield* zlibContent(path, data, place);
      return;
    case 'pdf':
      yield* pdfStreams(path, data, place);
      return;
    case 'png':
      yield* pngTextChunks(path, data, place);
      return;
    default:
      throw new ContainerError(
        `${describe(path, place)} is compressed with ${kind}, which keyguard cannot decompress, so it cannot check what it holds.`,
        `${TRUST_HINT} Or commit it uncompressed, or as .gz or .zip.`,
      );
  }
}

/**
 * A whole file that is one zlib stream (`zlib.deflateSync` output, git's loose objects). Text that
 * only starts like one (`x^2 + 1`: 0x78 0x5e is a valid header) and does not inflate is not a
 * container; bytes that are not UTF-8 text and do not inflate are a damaged stream (exit 2).
 */
function* zlibContent(path: string, data: Buffer, place: string[]): Generator<Member> {
  const memberPlace = [...place, '(zlib content)'];
  const inflate = () => inflateBounded(path, memberPlace, (max) => inflateSync(data, { maxOutputLength: max, finishFlush: constants.Z_SYNC_FLUSH }));
  if (!isUtf8(data)) {
    yield { place: memberPlace, bytes: inflate() };
    return;
  }
  let inner: Buffer;
  try {
    inner = inflate();
  } catch {
    return; // UTF-8 text (compressed data never is): nothing was compressed there
  }
  yield { place: memberPlace, bytes: inner };
}

/** PNG's compressed text chunks (zTXt, and iTXt with its compression flag); tEXt is plain and read as bytes already. */
function* pngTextChunks(path: string, data: Buffer, place: string[]): Generator<Member> {
  for (let at = 8; at + 12 <= data.length; ) {
    const length = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    const body = data.subarray(at + 8, at + 8 + length);
    at += 12 + length;
    const keywordEnd = body.indexOf(0);
    if (keywordEnd < 0) continue;
    const keyword = body.toString('latin1', 0, keywordEnd);
    const memberPlace = [...place, `${type} ${keyword}`];
    if (type === 'zTXt') {
      yield { place: memberPlace, bytes: inflateBounded(path, memberPlace, (max) => inflateSync(body.subarray(keywordEnd + 2), { maxOutputLength: max })) };
    } else if (type === 'iTXt' && body[keywordEnd + 1] === 1) {
      const language = body.indexOf(0, keywordEnd + 3);
      const translated = language < 0 ? -1 : body.indexOf(0, language + 1);
      if (translated < 0) continue;
      yield { place: memberPlace, bytes: inflateBounded(path, memberPlace, (max) => inflateSync(body.subarray(translated + 1), { maxOutputLength: max })) };
    }
  }
}
