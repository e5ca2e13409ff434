import { isBase64Char } from '../chars.js';
import { decodeContent, isByteView } from '../content.js';
import type { CredentialKind, ValueEncoding } from '../types.js';
import { joinChain, JOINT_SOURCE, mayStartKeyId } from './concat.js';
import { base64RunAround, decodeBase64Span, gunzipBase64, GZIP_IN_BASE64, GZIP_IN_DOUBLE_BASE64 } from './compressed.js';
import type { Decoded } from './decoded.js';
import { escapeClusterEnd, unescapeRegion } from './escapes.js';
import { decodeHexAround, HEX_PREFIX_SOURCE } from './hex.js';

/**
 * The forms a key is written in that the main scan cannot see, found in one pass of one regular
 * expression over the text and decoded only where it matches: hex, escapes of every character,
 * string concatenation, base64 of base64, gzip in base64. Each match is decoded with the text
 * around it, the result is scanned again (one level deeper), and what is found there is reported
 * where its encoded characters are, with how it was encoded.
 */

/** What the scan of decoded text gives back (scan-text.ts's raw detections). */
export interface InnerDetection {
  kind: CredentialKind;
  offset: number;
  length: number;
  value: string;
  encoding: ValueEncoding;
  /** The decoding steps below the outermost one (see Detection.encodings). */
  encodings?: ValueEncoding[];
}

export interface FormsContext {
  /**
   * Scans decoded text one level deeper; `binary`: raw bytes, where keys may touch other fields;
   * `plain`: without decoding anything in it (joined literals, whose context would be joined again).
   */
  scan(text: string, binary: boolean, plain?: boolean): InnerDetection[];
  /** Whether a finding on this line can get past the hook's prefilter (see report). */
  lineVisible(text: string, offset: number): boolean;
  /**
   * Where a secret would have evidence (an AWS name or a key ID near it), sorted. Literals are
   * joined only there or where a key ID starts: string literals joined by commas fill JSON and
   * every program.
   */
  evidenceWindows(): { start: number; end: number }[];
}

/** Characters decoded each side of a match: more than any evidence reach (1,000) plus a secret. */
const REACH = 1100;

/**
 * Where the forms may start is found with indexOf, one literal at a time: it runs at memory speed
 * on text without the literal, where a regular expression alternating them all is ten times
 * slower. JavaScript checks the rest at each hit.
 */
const START_LITERALS = ['\\', '%', '&#', '0x', GZIP_IN_BASE64, GZIP_IN_DOUBLE_BASE64];
/** The hex forms of the key ID prefixes: this one expression is faster than indexOf of their parts. */
const HEX_PREFIX = new RegExp(HEX_PREFIX_SOURCE, 'g');
/**
 * A literal that ends with a key ID's prefix and part of its body: `"AKIA" + "…"`. A key ID cut
 * inside its prefix (`"AK" + "IA…"`) is looked for in evidence windows only: an expression that
 * starts with a single letter is several times slower over all text.
 */
const KEY_ID_PIECE_END = /(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{0,15}["'`]/g;
const QUOTE = /["'`]/g;
const JOINT_AT = new RegExp(JOINT_SOURCE, 'y');

/**
 * Decoded text is scanned by a nested call while a pass over the outer text is under way: each
 * level of nesting has its own copies of the expressions (their lastIndex is their state), made
 * once, since making them on every call costs more than scanning a short decoded text.
 */
let nesting = 0;
const copies = new Map<RegExp, RegExp[]>();
function atThisLevel(pattern: RegExp): RegExp {
  let list = copies.get(pattern);
  if (list === undefined) copies.set(pattern, (list = []));
  const copy = (list[nesting] ??= new RegExp(pattern.source, pattern.flags));
  copy.lastIndex = 0;
  return copy;
}
const fresh = atThisLevel;

/**
 * Finds and decodes the forms in `text`, pushing what is found into `found` (at positions of `text`).
 * Linear: each region is decoded once, later hits inside a decoded region are skipped.
 */
export function findDecodedForms(text: string, context: FormsContext, found: InnerDetection[]): void {
  nesting++;
  try {
    findAll(text, context, found);
  } finally {
    nesting--;
  }
}

function findAll(text: string, context: FormsContext, found: InnerDetection[]): void {
  const hits: number[] = [];
  for (const literal of START_LITERALS) {
    for (let at = text.indexOf(literal); at >= 0; at = text.indexOf(literal, at + 1)) {
      if (literal.length > 2) {
        hits.push(at);
        continue;
      }
      // An escape: only where a cluster starts (escapes alone are everywhere in code and URLs).
      const end = escapeClusterEnd(text, at);
      if (end < 0) continue;
      hits.push(at);
      at = end - 1;
    }
  }
  const hex = fresh(HEX_PREFIX);
  for (let match = hex.exec(text); match !== null; match = hex.exec(text)) hits.push(match.index);
  if (hits.length > 0) decodeAtHits(text, Float64Array.from(hits).sort(), context, found);
  findConcatenations(text, context, found);
}

function decodeAtHits(text: string, hits: Float64Array, context: FormsContext, found: InnerDetection[]): void {
  let decodedUpTo = 0;
  for (let h = 0; h < hits.length; h++) {
    const at = hits[h]!;
    if (at < decodedUpTo) continue;
    const c = text.charCodeAt(at);
    if (c === 0x48 /* H */ || c === 0x53 /* S */) {
      // A gzip stream starts its run (tested first: a hit inside a long run costs nothing), and holds
      // a header and a trailer (18 bytes: 24 characters, 32 in base64 again).
      if (at > 0 && isBase64Char(text.charCodeAt(at - 1))) continue;
      const run = base64RunAround(text, at);
      if (run.end - run.start < (c === 0x48 ? 24 : 32)) continue;
      decodedUpTo = run.end;
      if (text.startsWith(GZIP_IN_BASE64, at)) {
        reportGzip(text, run.start, run.end, context, found);
      } else {
        const decoded = decodeBase64Span(text, run.start, run.end);
        report(text, decoded, context.scan(decoded.text, false), ['base64'], context, found);
      }
    } else if (c === 0x34 /* 4 */) {
      const start = at; // a hex key ID prefix (41 4b 49 41) starts here
      const decoded = decodeHexAround(text, start, REACH);
      decodedUpTo = decoded.sources[decoded.text.length]!;
      report(text, decoded, context.scan(decoded.text, decoded.text.includes('\0')), ['hex'], context, found);
    } else {
      let clusterEnd = escapeClusterEnd(text, at);
      if (clusterEnd < 0) continue;
      // Clusters within reach of each other are decoded as one region, so no text is decoded twice over.
      let to = Math.min(text.length, clusterEnd + REACH);
      for (let k = h + 1; k < hits.length && hits[k]! < to; k++) {
        if (hits[k]! < clusterEnd) continue;
        const end = escapeClusterEnd(text, hits[k]!);
        if (end < 0) continue;
        clusterEnd = end;
        to = Math.min(text.length, clusterEnd + REACH);
      }
      const decoded = unescapeRegion(text, Math.max(0, at - REACH, decodedUpTo - REACH), to);
      decodedUpTo = to;
      report(text, decoded, context.scan(decoded.text, false), [escapeEncoding(text, at)], context, found);
    }
  }
}

/**
 * Joints where a literal ends with the start of a key ID, anywhere; joints inside evidence windows
 * (where a split secret would count), found by their quotes.
 */
function findConcatenations(text: string, context: FormsContext, found: InnerDetection[]): void {
  const joints: number[] = [];
  const pieces = fresh(KEY_ID_PIECE_END);
  for (let match = pieces.exec(text); match !== null; match = pieces.exec(text)) {
    const quote = pieces.lastIndex - 1;
    if (mayStartKeyId(text, quote)) joints.push(quote);
  }
  // One forward sweep over the quotes, skipping from window to window (windows are sorted by start).
  const quotes = fresh(QUOTE);
  const windows = context.evidenceWindows();
  for (let w = 0; w < windows.length; ) {
    if (quotes.lastIndex < windows[w]!.start) quotes.lastIndex = windows[w]!.start;
    if (!quotes.test(text)) break;
    const quote = quotes.lastIndex - 1;
    while (w < windows.length && windows[w]!.end < quote) w++;
    if (w < windows.length && windows[w]!.start <= quote) joints.push(quote);
  }
  joints.sort((a, b) => a - b);
  const joint = fresh(JOINT_AT);
  let joinedUpTo = 0;
  for (const at of joints) {
    if (at < joinedUpTo) continue;
    joint.lastIndex = at;
    if (!joint.test(text)) continue;
    const chain = joinChain(text, at, joint.lastIndex, joinedUpTo);
    if (chain === undefined) continue;
    joinedUpTo = chain.end;
    report(text, chain.decoded, context.scan(chain.decoded.text, false, true), ['concatenated'], context, found);
  }
}

function escapeEncoding(text: string, at: number): ValueEncoding {
  const c = text.charCodeAt(at);
  if (c === 37) return 'url-encoded';
  if (c === 38) return 'html-escaped';
  if (c === 48) return 'hex';
  return text.charCodeAt(at + 1) === 117 ? 'unicode-escaped' : 'hex';
}

function reportGzip(text: string, start: number, end: number, context: FormsContext, found: InnerDetection[]): void {
  const bytes = gunzipBase64(text, start, end);
  if (bytes === undefined) return;
  const { text: inner, encoding } = decodeContent(bytes);
  const decoded: Decoded = { text: inner, sources: new Int32Array(0), span: { start, end } };
  report(text, decoded, context.scan(inner, isByteView(encoding)), ['base64', 'gzip'], context, found);
}

/**
 * Pushes the detections of decoded text at the positions of their encoded characters, with the
 * decoding steps (`steps`, then the inner ones). Only what decoding revealed counts (a key that was
 * plain in the region is found by the main scan), and only on lines the hook's prefilter passes, so
 * that `keyguard check` and the hook agree.
 */
function report(text: string, decoded: Decoded, inner: InnerDetection[], steps: ValueEncoding[], context: FormsContext, found: InnerDetection[]): void {
  for (const detection of inner) {
    const start = decoded.span?.start ?? decoded.sources[detection.offset]!;
    const end = decoded.span?.end ?? decoded.sources[detection.offset + detection.length]!;
    const written = text.slice(start, end);
    if (written.length === detection.length && decoded.text.slice(detection.offset, detection.offset + detection.length) === written) continue;
      if (!context.lineVisible(text, start)) continue;
    const chain = [...steps, ...(detection.encodings ?? [detection.encoding])].filter((step) => step !== 'plain');
    const pushed: InnerDetection = { kind: detection.kind, offset: start, length: end - start, value: detection.value, encoding: chain[0]! };
    if (chain.length > 1) pushed.encodings = chain;
    found.push(pushed);
  }
}
