import { createHash } from '../lazy-crypto.js';
import { UnsupportedRepositoryError, RepositoryReadError } from './errors.js';

/**
 * A reader for git's index file (`.git/index`, or GIT_INDEX_FILE), versions 2, 3 and 4, written for
 * the isomorphic-git backend: isomorphic-git's own reader ignores GIT_INDEX_FILE, throws on version 4
 * and skipHash indexes, and silently misreads split and sparse indexes. Pure: bytes in, entries out.
 *
 * Format: https://git-scm.com/docs/index-format
 */

export interface ParsedIndexEntry {
  path: string;
  mode: string;
  oid: string;
  stage: number;
}

export interface ParsedIndex {
  version: number;
  entries: ParsedIndexEntry[];
  /** Cache-tree extension: folder path ('' for the top) → tree oid, for folders whose tree is known valid. */
  cachedTrees: Map<string, string>;
}

const SIGNATURE = 0x44495243; // "DIRC"
const HEADER_BYTES = 12;
const STAT_BYTES = 40; // ctime, mtime (8 each), dev, ino, mode, uid, gid, size (4 each)
const EXTENDED_FLAG = 0x4000;
const NAME_LENGTH_MASK = 0x0fff;

function decodeVarint(buffer: Buffer, at: number): [value: number, next: number] {
  let byte = buffer[at++]!;
  let value = byte & 0x7f;
  while (byte & 0x80) {
    byte = buffer[at++]!;
    value = ((value + 1) << 7) | (byte & 0x7f);
  }
  return [value, at];
}

export function parseIndex(buffer: Buffer, hashBytes = 20): ParsedIndex {
  const corrupt = (why: string) =>
    new RepositoryReadError(
      `the index (staging area) is corrupt: ${why}.`,
      'Nothing was changed. Check with `git status`; to rebuild the index: `mv .git/index .git/index.bad && git reset` (keeps your files, unstages everything).',
    );
  if (buffer.length < HEADER_BYTES + hashBytes || buffer.readUInt32BE(0) !== SIGNATURE) throw corrupt('bad signature');
  const version = buffer.readUInt32BE(4);
  if (version < 2 || version > 4) throw new UnsupportedRepositoryError(`index version ${version} is not supported.`);
  const count = buffer.readUInt32BE(8);
  const contentEnd = buffer.length - hashBytes;

  const checksum = buffer.subarray(contentEnd);
  if (checksum.some((b) => b !== 0)) {
    // A zero checksum means index.skipHash: git did not compute one.
    const actual = createHash(hashBytes === 32 ? 'sha256' : 'sha1').update(buffer.subarray(0, contentEnd)).digest();
    if (!actual.equals(checksum)) throw corrupt('checksum mismatch');
  }

  const entries: ParsedIndexEntry[] = [];
  let at = HEADER_BYTES;
  let previousPath: Buffer = Buffer.alloc(0);
  for (let n = 0; n < count; n++) {
    const start = at;
    if (at + STAT_BYTES + hashBytes + 2 > contentEnd) throw corrupt('entries run past the end of the file');
    const mode = buffer.readUInt32BE(at + 24);
    const oid = buffer.subarray(at + STAT_BYTES, at + STAT_BYTES + hashBytes).toString('hex');
    const flags = buffer.readUInt16BE(at + STAT_BYTES + hashBytes);
    at += STAT_BYTES + hashBytes + 2;
    if (flags & EXTENDED_FLAG) {
      if (version < 3) throw corrupt('extended flags in a version 2 index');
      at += 2;
    }
    let pathBytes: Buffer;
    if (version === 4) {
      const [strip, next] = decodeVarint(buffer, at);
      const nul = buffer.indexOf(0, next);
      if (nul < 0 || nul >= contentEnd || strip > previousPath.length) throw corrupt('bad path compression');
      pathBytes = Buffer.concat([previousPath.subarray(0, previousPath.length - strip), buffer.subarray(next, nul)]);
      at = nul + 1;
    } else {
      const nameLength = flags & NAME_LENGTH_MASK;
      const nul = nameLength < NAME_LENGTH_MASK ? at + nameLength : buffer.indexOf(0, at);
      if (nul < 0 || nul >= contentEnd || buffer[nul] !== 0) throw corrupt('bad path');
      pathBytes = buffer.subarray(at, nul);
      // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
      at = start + Math.ceil((nul + 1 - start) / 8) * 8;
    }
    previousPath = pathBytes;
    entries.push({
      path: pathBytes.toString('utf8'),
      mode: mode.toString(8).padStart(6, '0'),
      oid,
      stage: (flags >> 12) & 0x3,
    });
  }

  const cachedTrees = new Map<string, string>();
  while (at + 8 <= contentEnd) {
    const signature = buffer.toString('latin1', at, at + 4);
    const size = buffer.readUInt32BE(at + 4);
    const data = buffer.subarray(at + 8, at + 8 + size);
    if (at + 8 + size > contentEnd) throw corrupt(`extension ${signature} runs past the end of the file`);
    if (signature === 'link') {
      throw new UnsupportedRepositoryError('the index is split (core.splitIndex), which the isomorphic-git backend cannot read.');
    }
    if (signature === 'sdir') {
      throw new UnsupportedRepositoryError('the index is sparse (sparse-checkout with sparse index), which the isomorphic-git backend cannot read.');
    }
    if (signature === 'TREE') readCacheTree(data, hashBytes, cachedTrees);
    else if (signature.charCodeAt(0) < 0x41 || signature.charCodeAt(0) > 0x5a) {
      // Lower-case first letter: a required extension git says must be understood.
      throw new UnsupportedRepositoryError(`the index uses the "${signature}" extension, which the isomorphic-git backend does not know.`);
    }
    at += 8 + size;
  }
  return { version, entries, cachedTrees };
}

/**
 * The cache-tree lists folders depth-first: `<name>\0<entry count> <subtree count>\n[<oid>]`, the
 * oid present only when the count is not -1 (invalidated).
 */
function readCacheTree(data: Buffer, hashBytes: number, into: Map<string, string>): void {
  let at = 0;
  const visit = (parent: string): void => {
    const nul = data.indexOf(0, at);
    const eol = data.indexOf(10, nul);
    if (nul < 0 || eol < 0) throw new RepositoryReadError('the index cache-tree extension is malformed.');
    const name = data.toString('utf8', at, nul);
    const [entryCount, subtrees] = data.toString('latin1', nul + 1, eol).split(' ').map(Number) as [number, number];
    at = eol + 1;
    const path = parent === '' ? name : name === '' ? parent : `${parent}/${name}`;
    if (entryCount >= 0) {
      into.set(path, data.toString('hex', at, at + hashBytes));
      at += hashBytes;
    }
    for (let i = 0; i < subtrees; i++) visit(path);
  };
  if (data.length > 0) visit('');
}
