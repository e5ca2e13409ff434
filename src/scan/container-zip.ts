import { inflateRawSync } from 'node:zlib';
import { ContainerError, damaged, inflateBounded, type Member } from './container-reading.js';

/**
 * zip archives, read from the end as `unzip` reads them: the end-of-central-directory record is looked
 * for in the last 64 KB, and when the archive does not start the file (a self-extracting archive, an
 * executable jar behind its launcher script, a polyglot), its offsets are corrected by the bytes in
 * front ("extra bytes at beginning").
 */

const END_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const END_LENGTH = 22;
/** The end record and the longest comment it may have. */
export const ZIP_TAIL = END_LENGTH + 0xffff;

export interface ZipEnd {
  /** Where the end record is in the file. */
  end: number;
  /** Bytes in front of the archive: added to every offset it records. */
  shift: number;
}

/**
 * The zip end record in `tail`, the last bytes of a file `fileLength` long, if a consistent one is
 * there: its central directory lies just before it, at or after where the archive says it starts.
 * With `exact`, the record (and its comment) must end the file.
 */
export function zipEnd(tail: Buffer, fileLength: number, exact = false): ZipEnd | undefined {
  const base = fileLength - tail.length;
  for (let at = tail.lastIndexOf(END_SIGNATURE); at >= 0; at = at === 0 ? -1 : tail.lastIndexOf(END_SIGNATURE, at - 1)) {
    if (at + END_LENGTH > tail.length) continue;
    const commentEnd = at + END_LENGTH + tail.readUInt16LE(at + 20);
    if (commentEnd > tail.length || (exact && commentEnd !== tail.length)) continue;
    const directorySize = tail.readUInt32LE(at + 12);
    const directoryOffset = tail.readUInt32LE(at + 16);
    const count = tail.readUInt16LE(at + 10);
    const end = base + at;
    const directoryStart = end - directorySize;
    const shift = directoryStart - directoryOffset;
    if (directoryStart < 0 || shift < 0) continue;
    const local = directoryStart - base; // the directory's first entry, when it is in the tail
    if (count > 0 && local >= 0 && tail.readUInt32LE(local) !== 0x02014b50) continue;
    return { end, shift };
  }
  return undefined;
}

/** Zip members, from the central directory (sizes and names there are the authoritative ones). */
export function* zipMembers(path: string, data: Buffer, place: string[], found = zipEnd(data.subarray(-ZIP_TAIL), data.length)): Generator<Member> {
  if (found === undefined) throw damaged(path, place, 'is not a complete zip file');
  const { end, shift } = found;
  const count = data.readUInt16LE(end + 10);
  let at = data.readUInt32LE(end + 16) + shift;
  for (let i = 0; i < count; i++) {
    if (data.readUInt32LE(at) !== 0x02014b50) throw damaged(path, place, 'has a damaged zip directory');
    const flags = data.readUInt16LE(at + 8);
    const method = data.readUInt16LE(at + 10);
    const compressedSize = data.readUInt32LE(at + 20);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    const local = data.readUInt32LE(at + 42) + shift;
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue; // a folder
    const memberPlace = [...place, name];
    if (flags & 1) {
      throw new ContainerError(`${[path, ...memberPlace].join(' > ')} is encrypted, so keyguard cannot check it.`, 'Do not commit encrypted archives of secrets; if it holds none, add the file to ignorePaths.');
    }
    if (data.readUInt32LE(local) !== 0x04034b50) throw damaged(path, memberPlace, 'has a damaged zip entry');
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    const compressed = data.subarray(start, start + compressedSize);
    if (method === 0) yield { place: memberPlace, bytes: compressed };
    else if (method === 8) yield { place: memberPlace, bytes: inflateBounded(path, memberPlace, (max) => inflateRawSync(compressed, { maxOutputLength: max })) };
    else {
      throw new ContainerError(
        `${[path, ...memberPlace].join(' > ')} uses zip compression method ${method}, which keyguard cannot read.`,
        'Re-create the archive with deflate (the default), or add it to ignorePaths if it holds no credentials.',
      );
    }
  }
}
