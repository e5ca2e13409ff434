import { constants, inflateSync } from 'node:zlib';
import { inflateBounded, isZlibHeader, type Member } from './container-reading.js';

/**
 * PDF streams compressed with /FlateDecode (page content, object streams, embedded files, metadata),
 * also behind an ASCII filter (/ASCIIHexDecode, /ASCII85Decode), and streams with an ASCII filter alone.
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
    const memberPlace = [...place, objectName(data, at)];
    // An ASCII filter first (`[/ASCII85Decode /FlateDecode]`, or alone): undone here, then inflated if it was compressed.
    const ascii = asciiFilter(data, at);
    const bytes = ascii === undefined ? data.subarray(start) : ascii === 'hex' ? fromAsciiHex(data, start) : fromAscii85(data, start);
    if (isZlibHeader(bytes[0], bytes[1])) {
      yield { place: memberPlace, bytes: inflateBounded(path, memberPlace, (max) => inflateSync(bytes, { maxOutputLength: max, finishFlush: constants.Z_SYNC_FLUSH })) };
    } else if (ascii !== undefined) {
      yield { place: memberPlace, bytes };
    }
  }
}

/** The ASCII filter a stream's dictionary (just before `stream`) names first, if any. */
function asciiFilter(data: Buffer, streamAt: number): 'hex' | '85' | undefined {
  const before = data.toString('latin1', Math.max(0, streamAt - OBJECT_REACH), streamAt);
  const dictionary = before.slice(before.lastIndexOf('<<'));
  const filter = /\/Filter\s*\[?\s*\/(ASCIIHexDecode|AHx|ASCII85Decode|A85)\b/.exec(dictionary);
  if (filter === null) return undefined;
  return filter[1] === 'ASCIIHexDecode' || filter[1] === 'AHx' ? 'hex' : '85';
}

/** ASCIIHexDecode: hex digit pairs, white space ignored, up to `>`. */
function fromAsciiHex(data: Buffer, start: number): Buffer {
  const out: number[] = [];
  let high = -1;
  for (let i = start; i < data.length; i++) {
    const c = data[i]!;
    if (c === 0x3e /* > */) break;
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (digit < 0) {
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00) continue;
      break; // not hex: the stream ends here (endstream without its EOD marker)
    }
    if (high < 0) high = digit;
    else {
      out.push(high * 16 + digit);
      high = -1;
    }
  }
  if (high >= 0) out.push(high * 16);
  return Buffer.from(out);
}

/** ASCII85Decode: groups of five characters `!`..`u` for four bytes, `z` for four zeros, up to `~>`. */
function fromAscii85(data: Buffer, start: number): Buffer {
  const out: number[] = [];
  const group: number[] = [];
  const flush = (count: number) => {
    while (group.length < 5) group.push(84); // padded with 'u'
    let value = 0;
    for (const digit of group) value = value * 85 + digit;
    for (let k = 0; k < count; k++) out.push((value >>> (24 - 8 * k)) & 0xff);
    group.length = 0;
  };
  for (let i = start; i < data.length; i++) {
    const c = data[i]!;
    if (c === 0x7e /* ~ */) break;
    if (c === 0x7a /* z */ && group.length === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    if (c >= 0x21 && c <= 0x75) {
      group.push(c - 0x21);
      if (group.length === 5) flush(4);
    } else if (!(c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00)) {
      break; // not ASCII85: the stream ends here
    }
  }
  if (group.length > 1) flush(group.length - 1);
  return Buffer.from(out);
}

function objectName(data: Buffer, streamAt: number): string {
  const before = data.toString('latin1', Math.max(0, streamAt - OBJECT_REACH), streamAt);
  const objects = [...before.matchAll(/(\d+)\s+(\d+)\s+obj\b/g)];
  const last = objects[objects.length - 1];
  return last === undefined ? `stream at byte ${streamAt}` : `obj ${last[1]} ${last[2]}`;
}
