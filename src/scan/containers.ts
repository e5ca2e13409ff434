import { constants, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { RepositoryReadError } from '../git/errors.js';

/**
 * Files that hold other files, compressed: gzip (`.gz`, and the members of a `.tgz`), zip with
 * deflate (`.zip`, `.jar`, and the Office formats `.xlsx`/`.docx`/`.pptx`), PNG text chunks (`zTXt`,
 * `iTXt`). Their members are expanded and scanned like files of their own; what is found is reported
 * with its place (`data.xlsx > xl/sharedStrings.xml`).
 *
 * Bounded so that a decompression bomb is a clear message, not an exhausted machine: a member may
 * expand to MEMBER_MAX, a file to TOTAL_MAX in all, and DEPTH_MAX containers may nest (the file
 * itself counts). Past a bound, or
 * for a member keyguard cannot decode (encryption, another compression method), the check stops with
 * exit code 2 and names the file: what cannot be read is never passed as clean.
 */

export const MEMBER_MAX = 256 * 1024 * 1024;
export const TOTAL_MAX = 1024 * 1024 * 1024;
export const DEPTH_MAX = 3;
/** A container is read whole into memory to be expanded: larger ones stop the check. */
export const CONTAINER_MAX = 512 * 1024 * 1024;

export interface Member {
  /** Where it is, outermost first: `['app.tgz member', 'xl/sharedStrings.xml']`. */
  place: string[];
  bytes: Buffer;
}

export type ContainerKind = 'gzip' | 'zip' | 'png';

/** Whether bytes that start like this are a container (gzip, zip, PNG). */
export function containerKind(head: Uint8Array): ContainerKind | undefined {
  if (head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return 'png';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x05 && head[3] === 0x06) return 'zip'; // an empty zip
  return undefined;
}

export class ContainerError extends RepositoryReadError {}

class Budget {
  total = 0;
  constructor(private readonly path: string) {}

  take(place: string[], bytes: number): void {
    this.total += bytes;
    if (this.total > TOTAL_MAX) {
      throw new ContainerError(
        `${describe(this.path, place)} expands to more than ${TOTAL_MAX / 1024 / 1024} MB in all, so keyguard cannot check it (a decompression bomb?).`,
        'If you trust this file and it holds no credentials, add it to ignorePaths in keyguard.config.json.',
      );
    }
  }
}

const describe = (path: string, place: string[]): string => [path, ...place].join(' > ');

function inflate(path: string, place: string[], run: (max: number) => Buffer): Buffer {
  try {
    return run(MEMBER_MAX);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ContainerError(
        `${describe(path, place)} expands to more than ${MEMBER_MAX / 1024 / 1024} MB, so keyguard cannot check it (a decompression bomb?).`,
        'If you trust this file and it holds no credentials, add it to ignorePaths in keyguard.config.json.',
      );
    }
    throw new ContainerError(`${describe(path, place)} is damaged: ${(error as Error).message}.`, 'keyguard cannot check what it cannot read; repair or remove the file.');
  }
}

/**
 * Every member of the container `bytes` (the file at `path`), nested containers expanded in turn.
 * Members that are not containers are given to `visit` one at a time, so only one is in memory.
 */
export function expandContainer(path: string, bytes: Buffer, visit: (member: Member) => void): void {
  const budget = new Budget(path);
  const walk = (data: Buffer, place: string[], depth: number) => {
    const kind = containerKind(data);
    if (kind === undefined || depth >= DEPTH_MAX) {
      if (kind !== undefined) {
        throw new ContainerError(`${describe(path, place)} nests containers more than ${DEPTH_MAX} deep, so keyguard cannot check it.`, 'Unpack it, or add it to ignorePaths if you trust it.');
      }
      if (place.length > 0) visit({ place, bytes: data });
      return;
    }
    for (const member of members(path, kind, data, place)) {
      budget.take(member.place, member.bytes.length);
      walk(member.bytes, member.place, depth + 1);
    }
  };
  walk(bytes, [], 0);
}

function* members(path: string, kind: ContainerKind, data: Buffer, place: string[]): Generator<Member> {
  switch (kind) {
    case 'gzip': {
      const inner = inflate(path, place, (max) => gunzipSync(data, { maxOutputLength: max, finishFlush: constants.Z_SYNC_FLUSH }));
      if (isTar(inner)) yield* tarMembers(inner, place);
      else yield { place: [...place, '(gzip content)'], bytes: inner };
      return;
    }
    case 'zip':
      yield* zipMembers(path, data, place);
      return;
    case 'png':
      yield* pngTextChunks(path, data, place);
      return;
  }
}

const isTar = (data: Buffer): boolean => data.length >= 512 && data.toString('latin1', 257, 262) === 'ustar';

function* tarMembers(data: Buffer, place: string[]): Generator<Member> {
  let longName: string | undefined;
  for (let at = 0; at + 512 <= data.length; ) {
    const header = data.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, length: number) => header.toString('utf8', from, from + length).replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = data.subarray(at + 512, at + 512 + size);
    longName = undefined;
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0' || type === '\0' || type === '7') yield { place: [...place, name], bytes: body };
    at += 512 + Math.ceil(size / 512) * 512;
  }
}

/** Zip members, from the central directory (sizes and names there are the authoritative ones). */
function* zipMembers(path: string, data: Buffer, place: string[]): Generator<Member> {
  const end = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new ContainerError(`${describe(path, place)} is not a complete zip file.`, 'keyguard cannot check what it cannot read; repair or remove the file.');
  const count = data.readUInt16LE(end + 10);
  let at = data.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    if (data.readUInt32LE(at) !== 0x02014b50) throw new ContainerError(`${describe(path, place)} has a damaged zip directory.`, 'keyguard cannot check what it cannot read; repair or remove the file.');
    const flags = data.readUInt16LE(at + 8);
    const method = data.readUInt16LE(at + 10);
    const compressedSize = data.readUInt32LE(at + 20);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    const local = data.readUInt32LE(at + 42);
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue; // a folder
    const memberPlace = [...place, name];
    if (flags & 1) {
      throw new ContainerError(`${describe(path, memberPlace)} is encrypted, so keyguard cannot check it.`, 'Do not commit encrypted archives of secrets; if it holds none, add the file to ignorePaths.');
    }
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    const compressed = data.subarray(start, start + compressedSize);
    if (method === 0) yield { place: memberPlace, bytes: compressed };
    else if (method === 8) yield { place: memberPlace, bytes: inflate(path, memberPlace, (max) => inflateRawSync(compressed, { maxOutputLength: max })) };
    else throw new ContainerError(`${describe(path, memberPlace)} uses zip compression method ${method}, which keyguard cannot read.`, 'Re-create the archive with deflate (the default), or add it to ignorePaths if it holds no credentials.');
  }
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
      yield { place: memberPlace, bytes: inflate(path, memberPlace, (max) => inflateSync(body.subarray(keywordEnd + 2), { maxOutputLength: max })) };
    } else if (type === 'iTXt' && body[keywordEnd + 1] === 1) {
      const language = body.indexOf(0, keywordEnd + 3);
      const translated = language < 0 ? -1 : body.indexOf(0, language + 1);
      if (translated < 0) continue;
      yield { place: memberPlace, bytes: inflate(path, memberPlace, (max) => inflateSync(body.subarray(translated + 1), { maxOutputLength: max })) };
    }
  }
}
