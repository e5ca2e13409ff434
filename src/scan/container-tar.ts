import { damaged, type Member } from './container-reading.js';

/**
 * tar archives (POSIX ustar, pax, GNU), recognised by the magic at offset 257 (`ustar\0` or GNU's
 * `ustar  `), never by the file name: `docker save` images, tars of release zips, the inside of a
 * `.tgz`. Each member with content is yielded under its name (pax `path` and GNU long names honoured).
 */

export const isTar = (data: Buffer): boolean => data.length >= 512 && data.toString('latin1', 257, 262) === 'ustar';

const BLOCK = 512;
/** Entry types that hold no file content of their own: pax headers, GNU long names, links, folders, devices. */
const NOT_CONTENT = new Set(['x', 'g', 'L', 'K', '1', '2', '3', '4', '5', '6']);

export function* tarMembers(path: string, data: Buffer, place: string[]): Generator<Member> {
  let nextName: string | undefined;
  for (let at = 0; at + BLOCK <= data.length; ) {
    const header = data.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, length: number) => header.toString('utf8', from, from + length).replace(/\0.*$/s, '');
    const size = sizeOf(header);
    if (size === undefined) throw damaged(path, place, `has a damaged tar header at byte ${at}`);
    const type = String.fromCharCode(header[156]!);
    const prefix = header.toString('latin1', 257, 262) === 'ustar' ? field(345, 155) : '';
    const name = nextName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = data.subarray(at + BLOCK, at + BLOCK + size); // a cut archive: what there is
    if (type === 'L') nextName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === 'x') nextName = paxPath(body) ?? nextName;
    else if (type === 'g' || type === 'K') {
      // a global pax header, a GNU long link name: the next entry's own name stands
    } else {
      nextName = undefined;
      if (!NOT_CONTENT.has(type) && size > 0) yield { place: [...place, name], bytes: body };
    }
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
}

/** The size field: octal text, or GNU's base-256 for large members (high bit of its first byte set). */
function sizeOf(header: Buffer): number | undefined {
  if (header[124]! & 0x80) {
    let size = header[124]! & 0x7f;
    for (let i = 125; i < 136; i++) size = size * 256 + header[i]!;
    return Number.isSafeInteger(size) ? size : undefined;
  }
  const text = header.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

/** The `path` record of a pax extended header (`<length> path=<name>\n` records). */
function paxPath(body: Buffer): string | undefined {
  let found: string | undefined;
  for (let at = 0; at < body.length; ) {
    const space = body.indexOf(0x20, at);
    if (space < 0) break;
    const length = parseInt(body.toString('latin1', at, space), 10);
    if (!(length > 0)) break;
    const record = body.toString('utf8', space + 1, at + length - 1);
    if (record.startsWith('path=')) found = record.slice(5);
    at += length;
  }
  return found;
}
