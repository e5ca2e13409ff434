import { constants, inflateSync } from 'node:zlib';
import { inflateBounded, isZlibHeader, type Member } from './container-reading.js';

/**
 * PDF streams compressed with /FlateDecode (page content, object streams, embedded files, metadata).
 * A stream is decoded when the bytes after its `stream` keyword are a zlib stream, whatever its
 * dictionary spells the filter as (`/Flat#65Decode` is a valid name too); each is yielded under its
 * object (`obj 4 0`). One pass over the file: `stream` keywords are found with indexOf, and zlib stops
 * at its own end, so `endstream` inside compressed bytes changes nothing.
 */

/** Readers accept the header anywhere in the first 1 KB. */
const HEADER_REACH = 1024;

export function isPdf(data: Buffer): boolean {
  const at = data.indexOf('%PDF-', 0, 'latin1');
  return at >= 0 && at < HEADER_REACH;
}

const KEYWORD = Buffer.from('stream', 'latin1');
/** How far back from `stream` its object's `N G obj` is looked for. */
const OBJECT_REACH = 4096;

export function* pdfStreams(path: string, data: Buffer, place: string[]): Generator<Member> {
  for (let at = data.indexOf(KEYWORD); at >= 0; at = data.indexOf(KEYWORD, at + KEYWORD.length)) {
    let start = at + KEYWORD.length;
    if (data[start] === 0x0d) start++;
    if (data[start] !== 0x0a || data[at - 1] === 0x64 /* endstream */) continue;
    start++;
    if (!isZlibHeader(data[start], data[start + 1])) continue;
    const memberPlace = [...place, objectName(data, at)];
    yield { place: memberPlace, bytes: inflateBounded(path, memberPlace, (max) => inflateSync(data.subarray(start), { maxOutputLength: max, finishFlush: constants.Z_SYNC_FLUSH })) };
  }
}

function objectName(data: Buffer, streamAt: number): string {
  const before = data.toString('latin1', Math.max(0, streamAt - OBJECT_REACH), streamAt);
  const objects = [...before.matchAll(/(\d+)\s+(\d+)\s+obj\b/g)];
  const last = objects[objects.length - 1];
  return last === undefined ? `stream at byte ${streamAt}` : `obj ${last[1]} ${last[2]}`;
}
