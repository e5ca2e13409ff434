import { accountIdFromKeyId } from './account-id.js';
import { AnchorScanner, containsEncodedPrefix, CREDENTIAL_PREFIXES, KEY_ID_LENGTH, prefilterPattern, SESSION_TOKEN_MARKER_OFFSET } from './anchors.js';
import { decodeBase64ToLatin1 } from './base64.js';
import { decodeBase64Span, doubleEncodedPrefixes, gunzipBase64, GZIP_IN_BASE64, GZIP_IN_DOUBLE_BASE64 } from './decode/compressed.js';
import { decodeContent, isByteView } from './content.js';
import { findDecodedForms } from './decode/forms.js';
import { decodeHexValue } from './decode/hex.js';
import { prefilterSeesLine } from './decode/prefilter.js';
import { isBase64Char, isSecretChar } from './chars.js';
import { fingerprintOf, redact } from './identity.js';
import { classifyName, secretKeyNameEnd } from './names.js';
import { judgeKeyIdBody, judgeSecret, judgeSessionToken } from './plausibility.js';
import { LineCursor, type Span } from './text-span.js';
import {
  alignToRunBoundary,
  base64BoundaryBefore,
  encodingOf,
  nextRun,
  readRun,
  runValue,
  skipRun,
  type Run,
} from './tokens.js';
import { bedrockLongTermKeyAt, bedrockShortTermKeyAt, serviceSpecificCredentialAt, ssoTokenAt, type AnchorResult, type FoundCredential } from './service-credentials.js';
import type { CredentialKind, Detection, ValueEncoding } from './types.js';

const SECRET_LENGTH = 40;
/** A secret written in hex digits. */
const HEX_SECRET_LENGTH = 80;
const DOT = 46;
const DASH = 45;
const UNDERSCORE = 95;

/**
 * A secret is reported only with evidence. A name such as `aws_secret_access_key` vouches for
 * values on its own line (up to 80 characters before it: `"…" # AWS secret key`) and on the next
 * three lines (YAML block scalars, XML elements, Markdown code fences put the value below the name),
 * at most 300 characters after it. An access key ID vouches for values within five lines either way
 * and 1,000 characters (the credentials file, the console's CSV, `aws iam create-access-key` JSON,
 * SDK constructor calls all keep the pair that close). The character limits bound the work per hit
 * on pathological single-line input.
 */
const NAME_REACH_BEFORE = 80;
const NAME_REACH_AFTER = 300;
const NAME_REACH_LINES = 3;
const KEY_ID_REACH = 1000;
const KEY_ID_REACH_LINES = 5;

/**
 * A secret written as base64 (a Kubernetes Secret's `data:`) is 40 bytes, plus a newline or CRLF
 * when it was encoded with `echo`: 54 to 56 base64 characters before padding.
 */
const ENCODED_SECRET_MIN = 53;
const ENCODED_SECRET_MAX = 57;

/**
 * Session tokens are hundreds of characters long (about 350 to over 1,000 observed). A value that
 * starts with a session token's own leading bytes needs 100 characters (far below any real one); a
 * value known only by its name (`SessionToken`, `securityToken`) needs 200, since other tokens go by
 * such names too (web session cookies, which are also rejected when they are dotted JWTs). A run of
 * more than 16,384 characters is some other blob.
 */
const SESSION_TOKEN_MIN = 100;
const NAMED_SESSION_TOKEN_MIN = 200;
const SESSION_TOKEN_MAX = 16_384;
/** How far after a session-token name its value may start (`"SessionToken": "…"`, `token=\n  …`). */
const SESSION_NAME_REACH = 200;

/**
 * base64 around an encoded key ID prefix is decoded within this many characters each side of the hit:
 * more than the decoded evidence reach (1,000 characters are 1,336 in base64), bounded for a
 * multi-megabyte blob.
 */
const ENCODED_REACH = 2048;
/** A 20-byte key ID takes at least 26 base64 characters; shorter runs cannot hold one. */
const ENCODED_KEY_ID_MIN = 26;

/**
 * base64 wrapped into lines (`base64` writes 76 columns, PEM 64): runs of two or more lines of
 * 40 to 200 base64 characters (the last may be shorter), each possibly indented. Narrower wrapping
 * (16 to 39 columns) counts when every line but the last has the same width, as a wrapped block does.
 */
const WRAPPED_LINE_MIN = 40;
const NARROW_WRAPPED_LINE_MIN = 16;
const WRAPPED_LINE_MAX = 200;
/** Decoded content is scanned again (base64 inside base64) at most this deep. */
const MAX_DECODE_DEPTH = 2;

/** How far back the tokenizer may look for the start of a run when a window begins inside one. */
const RUN_ALIGN_REACH = 256;

/** A detection before its line and column are known; `encodings` lists every decoding step when there is more than one. */
type RawDetection = FoundCredential & { encodings?: ValueEncoding[] };

export interface ScanOptions {
  /**
   * The text is the raw bytes of a binary file (one character per byte), where fields are stored
   * back to back: a key ID is recognised by its exact shape even when letters touch it, and a
   * 40-character secret glued to a key ID or to a secret-key name counts.
   */
  binary?: boolean;
}

/**
 * Finds AWS credentials in text: access key IDs, secret access keys (with evidence), session tokens,
 * also when JSON-escaped, URL-encoded or base64-encoded. Pure: no I/O, linear in the text's length.
 */
export function scanText(text: string, options: ScanOptions = {}): Detection[] {
  return locate(text, dedupe(collect(text, 0, options.binary === true)));
}

function collect(text: string, depth: number, glued = false): RawDetection[] {
  const found: RawDetection[] = [];
  const secretWindows = new WindowList();
  const sessionNameEnds: number[] = [];
  const lines = new LineCursor(text);
  const keyIdWindow = (start: number, end: number) =>
    secretWindows.add(lines.startOfLinesBefore(start, KEY_ID_REACH_LINES, KEY_ID_REACH), lines.endOfLinesAfter(end, KEY_ID_REACH_LINES, KEY_ID_REACH));
  let decodedUpTo = 0;
  const encodedRun: Span = { start: 0, end: 0 };

  const anchors = new AnchorScanner(text, glued);
  for (let anchor = anchors.next(); anchor !== undefined; anchor = anchors.next()) {
    const { start: at, end } = anchor;
    switch (anchor.kind) {
      case 'key-id-prefix': {
        const keyId = text.slice(at, end);
        // Any key-ID-shaped string is evidence for a secret nearby, even a placeholder one.
        keyIdWindow(at, end);
        if (judgeKeyIdBody(keyId.slice(4)) === 'credential') {
          found.push({ kind: 'access-key-id', offset: at, length: KEY_ID_LENGTH, value: keyId, encoding: 'plain' });
        }
        if (glued) {
          considerGluedSecret(text, end, found);
          considerGluedSecret(text, at - SECRET_LENGTH, found);
        }
        anchors.skipTo(end);
        break;
      }
      case 'keyword': {
        const name = classifyName(text, at, end);
        if (name === 'secret-key-name') {
          secretWindows.add(
            lines.startOfLinesBefore(at, 0, NAME_REACH_BEFORE),
            lines.endOfLinesAfter(end, NAME_REACH_LINES, NAME_REACH_AFTER),
          );
          if (glued) considerGluedSecret(text, secretKeyNameEnd(text, end), found);
        } else if (name === 'session-token-name') {
          sessionNameEnds.push(end);
        }
        break;
      }
      case 'session-token-marker': {
        const start = at - SESSION_TOKEN_MARKER_OFFSET;
        if (start < 0 || !base64BoundaryBefore(text, start)) break;
        const run = readRun(text, start, SESSION_TOKEN_MAX);
        if (run.length > SESSION_TOKEN_MAX) run.end = skipRun(text, run.end);
        else if (run.length >= SESSION_TOKEN_MIN) pushSessionToken(text, run, found);
        anchors.skipTo(run.end); // the rest of this run holds no other token start
        break;
      }
      case 'bedrock-long-term':
      case 'bedrock-short-term':
      case 'service-user':
      case 'sso-token': {
        const result = OTHER_CREDENTIALS[anchor.kind](text, at);
        if (result.found) found.push(result.found);
        // Nothing inside a token is read again: a presigned request names the key that signed it.
        anchors.skipTo(result.end);
        if (result.found) decodedUpTo = Math.max(decodedUpTo, result.end);
        break;
      }
      case 'encoded-prefix': {
        if (depth < MAX_DECODE_DEPTH && at >= decodedUpTo) {
          const decoded = scanEncodedAround(text, at, depth, found, encodedRun);
          decodedUpTo = decoded.end;
          if (decoded.keyIdFound) keyIdWindow(decoded.start, decoded.end);
          anchors.skipTo(decodedUpTo);
        }
        break;
      }
    }
  }
  if (depth < MAX_DECODE_DEPTH) {
    for (const block of scanWrappedBase64(text, depth, found)) keyIdWindow(block.start, block.end);
    // Hex, escapes, concatenation, base64 of base64, gzip: decoded where they are (decode/forms.ts).
    const before = found.length;
    const evidenceWindows = () => [...secretWindows.spans()];
    findDecodedForms(text, { scan: (inner, binary, plain) => collect(inner, plain ? MAX_DECODE_DEPTH : depth + 1, binary), lineVisible, evidenceWindows }, found);
    for (const d of found.slice(before)) if (d.kind === 'access-key-id') keyIdWindow(d.offset, d.offset + d.length);
  }
  findSecrets(text, secretWindows.spans(), found);
  findSessionTokensAfterNames(text, sessionNameEnds, found);
  return found;
}

const OTHER_CREDENTIALS: Record<'bedrock-long-term' | 'bedrock-short-term' | 'service-user' | 'sso-token', (text: string, at: number) => AnchorResult> = {
  'bedrock-long-term': bedrockLongTermKeyAt,
  'bedrock-short-term': bedrockShortTermKeyAt,
  'service-user': serviceSpecificCredentialAt,
  'sso-token': ssoTokenAt,
};

/**
 * Evidence windows, merged as they are added: anchors arrive in text order, so a window usually
 * overlaps the previous one, and a line dense with names becomes one window, not thousands.
 */
class WindowList {
  private readonly list: Span[] = [];

  add(start: number, end: number): void {
    const last = this.list[this.list.length - 1];
    if (last !== undefined && start <= last.end && start >= last.start) {
      if (end > last.end) last.end = end;
    } else {
      this.list.push({ start, end });
    }
  }

  spans(): Span[] {
    return this.list.sort((a, b) => a.start - b.start);
  }
}

/**
 * Looks for 40-character secrets in the evidence windows. Windows are merged on the fly so that
 * every character is tokenized at most once, however many names and key IDs crowd together.
 */
function findSecrets(text: string, windows: Span[], found: RawDetection[]): void {
  windows.sort((a, b) => a.start - b.start);
  let scannedTo = 0;
  for (const window of windows) {
    let i = Math.max(window.start, scannedTo);
    if (i >= window.end) continue;
    i = alignToRunBoundary(text, i, RUN_ALIGN_REACH);
    for (let run = nextRun(text, i, window.end, ENCODED_SECRET_MAX); run; run = nextRun(text, i, window.end, ENCODED_SECRET_MAX)) {
      considerSecretRun(text, run, found);
      i = run.end;
    }
    scannedTo = Math.max(scannedTo, i, window.end);
  }
}

/**
 * The run is a piece of a longer base64url token (a JWT segment, a URL-safe hash): `-` or `_`
 * joins it to more of the token. A secret access key is never written glued to either; about 4% of
 * random JWTs near the word "secret" held such a 40-character piece.
 */
function isBase64UrlPiece(text: string, run: Run): boolean {
  const glue = (c: number) => c === DASH || c === UNDERSCORE;
  return glue(text.charCodeAt(run.start - 1)) || glue(text.charCodeAt(run.end));
}

const lineVisible = (text: string, offset: number): boolean => prefilterSeesLine(text, offset, prefilterPattern);

function considerSecretRun(text: string, run: Run, found: RawDetection[]): void {
  if (isBase64UrlPiece(text, run)) return;
  if (run.end - run.start === HEX_SECRET_LENGTH && run.escaped === undefined) {
    // A secret written in hex next to its name: 80 hex digits.
    const decoded = decodeHexValue(text.slice(run.start, run.end));
    if (decoded !== undefined && isSecretValue(decoded) && judgeSecret(decoded) === 'credential') {
      found.push({ kind: 'secret-access-key', offset: run.start, length: run.end - run.start, value: decoded, encoding: 'hex' });
    }
    return;
  }
  if (run.length === SECRET_LENGTH && run.padding === 0) {
    const value = runValue(text, run);
    if (judgeSecret(value) === 'credential') {
      found.push({ kind: 'secret-access-key', offset: run.start, length: run.end - run.start, value, encoding: encodingOf(run) });
    }
    return;
  }
  if (run.length >= ENCODED_SECRET_MIN && run.length <= ENCODED_SECRET_MAX) {
    const decoded = decodeBase64ToLatin1(runValue(text, run)).trim();
    if (!isSecretValue(decoded)) return;
    if (judgeSecret(decoded) === 'credential') {
      found.push({ kind: 'secret-access-key', offset: run.start, length: run.end - run.start, value: decoded, encoding: 'base64' });
    }
  }
}

/** 40 characters of the secret alphabet. */
function isSecretValue(value: string): boolean {
  if (value.length !== SECRET_LENGTH) return false;
  for (let i = 0; i < value.length; i++) if (!isSecretChar(value.charCodeAt(i))) return false;
  return true;
}

/**
 * In raw bytes, the 40 characters at `start` when they are all of a secret's alphabet and look like
 * one: the value glued to a key ID or to a secret-key name (SQLite stores a row's fields back to back).
 */
function considerGluedSecret(text: string, start: number, found: RawDetection[]): void {
  if (start < 0 || start + SECRET_LENGTH > text.length) return;
  for (let i = start; i < start + SECRET_LENGTH; i++) if (!isSecretChar(text.charCodeAt(i))) return;
  const value = text.slice(start, start + SECRET_LENGTH);
  // A field name glued to its neighbours (`SecretAccessKey` between a key ID and a secret, once the
  // NULs of UTF-16 are taken out) is not a secret; a random secret holds such a word about once in 10^7.
  if (GLUED_NAME_WORD.test(value)) return;
  if (judgeSecret(value) === 'credential') found.push({ kind: 'secret-access-key', offset: start, length: SECRET_LENGTH, value, encoding: 'plain' });
}

const GLUED_NAME_WORD = /secret|access|session|token/i;

function pushSessionToken(text: string, run: Run, found: RawDetection[]): void {
  const value = runValue(text, run);
  if (judgeSessionToken(value) === 'credential') {
    found.push({ kind: 'session-token', offset: run.start, length: run.end - run.start, value, encoding: encodingOf(run) });
  }
}

/** Part of a dotted token (a JWT: header.payload.signature), not a session token. */
function isDotted(text: string, run: Run): boolean {
  return text.charCodeAt(run.start - 1) === DOT || text.charCodeAt(run.end) === DOT || text.startsWith('eyJ', run.start);
}

/** The first long base64 value after each `SessionToken` / `X-Amz-Security-Token` name. */
function findSessionTokensAfterNames(text: string, nameEnds: number[], found: RawDetection[]): void {
  let scannedTo = 0;
  for (const nameEnd of nameEnds) {
    const limit = Math.min(text.length, nameEnd + SESSION_NAME_REACH);
    let i = Math.max(nameEnd, scannedTo);
    for (let run = nextRun(text, i, limit, SESSION_TOKEN_MAX); run; run = nextRun(text, i, limit, SESSION_TOKEN_MAX)) {
      i = run.end;
      if (run.length >= NAMED_SESSION_TOKEN_MIN && run.length <= SESSION_TOKEN_MAX) {
        if (!isDotted(text, run)) pushSessionToken(text, run, found);
        break;
      }
    }
    scannedTo = Math.max(scannedTo, i);
  }
}

/**
 * Decodes the base64 run around an encoded key ID prefix and scans the decoded bytes; what is found
 * there is reported where its encoded bytes are (base64 turns each 3 bytes into 4 characters). A long run is decoded only around the hit (aligned to the
 * run's start, so the decoding is right; a run that begins where the text begins may have started
 * earlier, so every alignment is tried). Returns the decoded span, so later hits inside it are not
 * decoded again, and whether it held a key ID (evidence for a secret encoded beside it).
 */
function scanEncodedAround(text: string, at: number, depth: number, found: RawDetection[], run: Span): Span & { keyIdFound: boolean } {
  // The run's extent is found once (later hits in a multi-megabyte run reuse it): linear overall.
  if (at >= run.end) {
    run.start = at;
    while (run.start > 0 && isBase64Char(text.charCodeAt(run.start - 1))) run.start--;
    run.end = at;
    while (run.end < text.length && isBase64Char(text.charCodeAt(run.end))) run.end++;
  }
  const { start: runStart, end: runEnd } = run;
  if (runEnd - runStart < ENCODED_KEY_ID_MIN) return { start: runStart, end: runEnd, keyIdFound: false }; // too short to hold a key ID
  const from = Math.max(runStart, runStart + Math.floor((at - ENCODED_REACH - runStart) / 4) * 4);
  const to = Math.min(runEnd, at + ENCODED_REACH);
  const shifts = from === 0 ? [0, 1, 2, 3] : [0];
  let keyIdFound = false;
  for (const shift of shifts) {
    const base = from + shift;
    for (const inner of collect(decodeBase64ToLatin1(text.slice(base, to)), depth + 1)) {
      keyIdFound ||= inner.kind === 'access-key-id';
      const start = base + Math.floor(inner.offset / 3) * 4;
      const end = Math.min(to, base + Math.ceil((inner.offset + inner.length) / 3) * 4);
      found.push({ ...inner, offset: start, length: end - start, encoding: 'base64' });
    }
  }
  return { start: from, end: to, keyIdFound };
}

/**
 * The base64 on the line starting at `start` (after indentation), when the whole line is base64 of
 * wrapped-line length; undefined otherwise. Work per line is bounded by WRAPPED_LINE_MAX, and the
 * line's end is found with one indexOf, so a 50 MB line costs one memchr.
 */
function wrappedLineSegment(text: string, start: number, lineEnd: number): Segment | undefined {
  let i = start;
  while (i < lineEnd && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  let end = lineEnd;
  if (end > i && text.charCodeAt(end - 1) === 13) end--; // CR of CRLF
  while (end > i && text.charCodeAt(end - 1) === 61) end--; // padding
  if (end - i > WRAPPED_LINE_MAX || end - i < 1) return undefined;
  for (let k = i; k < end; k++) if (!isSecretChar(text.charCodeAt(k))) return undefined;
  return { at: i, length: end - i };
}

/** Where a wrapped line's base64 characters are in the text, and how many there are. */
interface Segment {
  at: number;
  length: number;
}

/** A block of wrapped base64: its extent in the text, and its lines' base64 characters in order. */
interface WrappedBlock extends Span {
  segments: Segment[];
}

/**
 * Blocks of wrapped base64: consecutive lines of 40-200 base64 characters, or of one width of 16-39,
 * plus a shorter last line.
 */
function wrappedBase64Blocks(text: string): WrappedBlock[] {
  const blocks: WrappedBlock[] = [];
  for (let start = 0; start < text.length; ) {
    const { block, resume } = readWrappedBlock(text, start);
    if (block !== undefined && block.segments.length >= 2) blocks.push(block);
    start = resume;
  }
  return blocks;
}

/** The block that begins on the line at `start`, and where to look for the next one. */
function readWrappedBlock(text: string, start: number): { block?: WrappedBlock; resume: number } {
  const lineEndAt = (from: number) => {
    const end = text.indexOf('\n', from);
    return end < 0 ? text.length : end;
  };
  let lineEnd = lineEndAt(start);
  const first = wrappedLineSegment(text, start, lineEnd);
  if (first === undefined || first.length < NARROW_WRAPPED_LINE_MIN) return { resume: lineEnd + 1 };
  const block: WrappedBlock = { start, end: lineEnd, segments: [first] };
  const width = first.length < WRAPPED_LINE_MIN ? first.length : 0; // 0: lines of 40 or more, of any width
  for (let next = lineEnd + 1; next < text.length; next = lineEnd + 1) {
    lineEnd = lineEndAt(next);
    const segment = wrappedLineSegment(text, next, lineEnd);
    if (segment === undefined) return { block, resume: next };
    const full = width === 0 ? segment.length >= WRAPPED_LINE_MIN : segment.length === width;
    if (!full && segment.length >= (width || WRAPPED_LINE_MIN)) return { block, resume: next }; // wider: may begin another block
    block.segments.push(segment);
    block.end = lineEnd;
    if (!full) return { block, resume: lineEnd + 1 }; // the shorter last line
  }
  return { block, resume: text.length };
}

/** Maps positions in a block's joined base64 back to the text (segments are in order; binary search). */
function textPosition(segments: Segment[], starts: number[], joined: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= joined) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo]!.at + (joined - starts[lo]!);
}

/**
 * base64 wrapped into lines: a key ID may be split across a line end, where no single-line run
 * shows it. Each block is joined, and decoded around every encoded prefix in it; what is found is
 * reported where its encoded characters are, from the line holding the first to the line holding
 * the last (so a change to any of those lines is a change to the credential). Returns the blocks
 * that held a key ID.
 */
function scanWrappedBase64(text: string, depth: number, found: RawDetection[]): Span[] {
  const withKeyId: Span[] = [];
  for (const block of wrappedBase64Blocks(text)) {
    const starts: number[] = [];
    let total = 0;
    for (const segment of block.segments) {
      starts.push(total);
      total += segment.length;
    }
    const joined = block.segments.map((segment) => text.slice(segment.at, segment.at + segment.length)).join('');
    if (joined.startsWith(GZIP_IN_BASE64) || joined.startsWith(GZIP_IN_DOUBLE_BASE64)) {
      // A gzip file written by `base64` (76 columns): decoded whole, and what it holds belongs to
      // the whole block, since compressed bytes cannot be traced back to lines.
      const start = block.segments[0]!.at;
      const last = block.segments[block.segments.length - 1]!;
      for (const detection of scanGzipBlock(joined, depth)) {
        found.push({ ...detection, offset: start, length: last.at + last.length - start });
      }
      continue;
    }
    const encoded = containsEncodedPrefix(joined);
    const doubleEncoded = !encoded && containsDoubleEncodedPrefix(joined);
    if (!encoded && !doubleEncoded) continue;
    const already = new Set(found.filter((d) => d.offset >= block.start && d.offset < block.end).map((d) => `${d.kind}\0${d.value}`));
    const inner: RawDetection[] = [];
    if (doubleEncoded) {
      // base64 of base64 (a file encoded twice): decoded here, and the base64 inside by the scan one level down.
      inner.push(...scanDoubleBase64(joined, depth));
    } else {
      const run: Span = { start: 0, end: 0 };
      const anchors = new AnchorScanner(joined);
      for (let decodedUpTo = 0, anchor = anchors.next(); anchor !== undefined; anchor = anchors.next()) {
        if (anchor.kind !== 'encoded-prefix' || anchor.start < decodedUpTo) continue;
        decodedUpTo = scanEncodedAround(joined, anchor.start, depth, inner, run).end;
        anchors.skipTo(decodedUpTo);
      }
    }
    let keyIdFound = false;
    for (const detection of inner) {
      keyIdFound ||= detection.kind === 'access-key-id';
      if (!already.has(`${detection.kind}\0${detection.value}`)) {
        const start = textPosition(block.segments, starts, detection.offset);
        const last = textPosition(block.segments, starts, detection.offset + detection.length - 1);
        found.push({ ...detection, offset: start, length: last + 1 - start });
      }
    }
    if (keyIdFound) withKeyId.push(block);
  }
  return withKeyId;
}

/** The credentials in a wrapped block of base64 of gzip (or base64 of that): `joined` without line ends. */
function scanGzipBlock(joined: string, depth: number): RawDetection[] {
  if (joined.startsWith(GZIP_IN_DOUBLE_BASE64)) {
    // base64 of base64 of gzip: the inner run is one line, where the forms decoder (one level down) gunzips it.
    return collect(decodeBase64Span(joined, 0, joined.length).text, depth + 1).map((inner) => ({
      ...inner,
      encoding: 'base64',
      encodings: ['base64', ...(inner.encodings ?? [inner.encoding])],
    }));
  }
  const bytes = gunzipBase64(joined, 0, joined.length);
  if (bytes === undefined) return [];
  const content = decodeContent(bytes);
  return collect(content.text, depth + 1, isByteView(content.encoding)).map((inner) => ({
    ...inner,
    encoding: 'base64',
    encodings: (['base64', 'gzip', ...(inner.encodings ?? [inner.encoding])] satisfies ValueEncoding[]).filter((step) => step !== 'plain'),
  }));
}

let doubleEncodedPattern: RegExp | undefined;
const doubleEncoded = (): RegExp => (doubleEncodedPattern ??= new RegExp(doubleEncodedPrefixes(CREDENTIAL_PREFIXES).join('|'), 'g'));

function containsDoubleEncodedPrefix(base64: string): boolean {
  const pattern = doubleEncoded();
  pattern.lastIndex = 0;
  return pattern.test(base64);
}

/** The credentials in base64 of base64 (`joined`: base64 without line ends), decoded around each double-encoded prefix. */
function scanDoubleBase64(joined: string, depth: number): RawDetection[] {
  const out: RawDetection[] = [];
  const pattern = new RegExp(doubleEncoded().source, 'g');
  for (let match = pattern.exec(joined); match !== null; match = pattern.exec(joined)) {
    const from = Math.max(0, Math.floor((match.index - ENCODED_REACH * 2) / 4) * 4);
    const to = Math.min(joined.length, match.index + ENCODED_REACH * 2);
    const decoded = decodeBase64Span(joined, from, to);
    for (const inner of collect(decoded.text, depth + 1)) {
      const start = decoded.sources[inner.offset]!;
      const end = decoded.sources[inner.offset + inner.length]!;
      out.push({ ...inner, offset: start, length: end - start, encoding: 'base64', encodings: ['base64', ...(inner.encodings ?? [inner.encoding])] });
    }
    pattern.lastIndex = Math.max(pattern.lastIndex, to);
  }
  return out;
}

function dedupe(found: RawDetection[]): RawDetection[] {
  const seen = new Set<string>();
  return found.filter((d) => {
    const key = `${d.offset}\0${d.kind}\0${d.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Adds 1-based line and column (UTF-16 units) in one forward pass over the newlines. */
function locate(text: string, found: RawDetection[]): Detection[] {
  found.sort((a, b) => a.offset - b.offset || a.kind.localeCompare(b.kind));
  const detections: Detection[] = [];
  let line = 1;
  let lineStart = 0;
  for (const raw of found) {
    for (let nl = text.indexOf('\n', lineStart); nl !== -1 && nl < raw.offset; nl = text.indexOf('\n', lineStart)) {
      line++;
      lineStart = nl + 1;
    }
    let endLine = line;
    const last = raw.offset + raw.length - 1;
    for (let i = raw.offset; i < last; i++) if (text.charCodeAt(i) === 10) endLine++; // bounded by the value's length
    const detection: Detection = {
      kind: raw.kind,
      line,
      endLine,
      column: raw.offset - lineStart + 1,
      offset: raw.offset,
      length: raw.length,
      value: raw.value,
      written: text.slice(raw.offset, raw.offset + raw.length),
      redacted: redact(raw.value),
      fingerprint: fingerprintOf(raw.kind, raw.value),
      encoding: raw.encoding,
    };
    if (raw.encodings !== undefined) detection.encodings = raw.encodings;
    const accountId = raw.kind === 'access-key-id' ? accountIdFromKeyId(raw.value) : raw.accountId;
    if (accountId !== undefined) detection.accountId = accountId;
    if (raw.details) detection.details = raw.details;
    detections.push(detection);
  }
  return detections;
}

