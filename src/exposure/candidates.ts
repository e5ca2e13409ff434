import {
  BEDROCK_LONG_TERM_PREFIX,
  BEDROCK_SHORT_TERM_PREFIX,
  CREDENTIAL_PREFIXES,
  containsEncodedPrefix,
  SERVICE_USER_MARKER,
  SSO_TOKEN_PREFIXES,
} from '../detect/anchors.js';
import { decodeBase64ToLatin1 } from '../detect/base64.js';
import { isSecretChar } from '../detect/chars.js';
import { classifyContent, decodeAs, decodeContent } from '../detect/content.js';
import { judgeKeyIdBody, judgeSecret, judgeSessionToken } from '../detect/plausibility.js';
import { scanText } from '../detect/scan-text.js';
import { nextRun, runValue } from '../detect/tokens.js';
import type { CredentialKind } from '../detect/types.js';
import type { BlobSink } from '../git/types.js';
import { scanBytes } from '../scan/blob-scanner.js';

/**
 * Every value in a text that keyguard could report as a credential, found or not: the tokens the
 * history walk records for each commit, so that a later lookup of any credential, in any form it
 * was found in, matches what the commit contained.
 *
 * - access key IDs: the prefix and 16 base32 characters, anywhere (also inside a longer word);
 * - secret access keys: every run of exactly 40 secret-alphabet characters, with JSON (`\/`) and
 *   URL (`%2F`) escapes resolved, as the detector reads runs, whether or not a name vouches for it;
 *   and 40-character secrets written in base64 (53 to 57 characters);
 * - session tokens: every run of 100 to 16,384 characters;
 * - whatever the detector itself reports where base64 may hide a key ID (an encoded prefix, or
 *   lines of wrapped base64): the decoded values.
 *
 * Values the detector would never report (placeholders, hex digests, `…EXAMPLE`) are left out by the
 * same plausibility rules, so the record stays small. A token is `<kind>\0<value>`.
 */
export type TokenSet = Set<string>;

export const tokenOf = (kind: CredentialKind, value: string): string => `${kind}\0${value}`;

/** Runs shorter than a key ID cannot hold anything; the skip-scan below steps over text this wide. */
const WINDOW = 20;
const SECRET_LENGTH = 40;
const ENCODED_SECRET_MIN = 53;
const ENCODED_SECRET_MAX = 57;
const LONG_MIN = 100;
const LONG_MAX = 16_384;
/** A base64-encoded key ID takes at least 26 characters. */
const ENCODED_KEY_ID_MIN = 26;
const WRAPPED_LINE_MIN = 40;
const WRAPPED_LINE_MAX = 200;

const KEY_ID_IN_RUN = new RegExp(`(?=((?:${CREDENTIAL_PREFIXES.join('|')})[A-Z2-7]{16}))`, 'g');

/**
 * Bytes that may belong to a run, to an escape inside one (`\/`, `%2F`), or to URL-safe base64
 * (`-`, `_`), where the detector also decodes key IDs: the skip-scan never steps over them.
 */
const MAYBE_RUN = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/%\\-_') MAYBE_RUN[c.charCodeAt(0)] = 1;

/**
 * Where the run tokens below are not enough, the detector itself reads the blob, and what it reports
 * is recorded too: NUL bytes (binary content, where keys glued to other fields count, and UTF-16 or
 * UTF-32 text, read as the check reads them), and the credentials that are not runs of one kind
 * (Bedrock API keys, service-specific credentials, SSO tokens).
 */
const DETECTOR_MARKS = ['\0', BEDROCK_LONG_TERM_PREFIX, BEDROCK_SHORT_TERM_PREFIX, SERVICE_USER_MARKER, ...SSO_TOKEN_PREFIXES];

/** The tokens of a blob's bytes, decoded as the detector decodes them (UTF-8, UTF-16, binary as bytes). */
export function blobTokens(bytes: Buffer, into: TokenSet = new Set()): TokenSet {
  if (DETECTOR_MARKS.some((mark) => bytes.includes(mark, 0, 'latin1'))) {
    for (const detection of scanBytes(bytes)) into.add(tokenOf(detection.kind, detection.value));
  }
  const { encoding, bom } = classifyContent(bytes);
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    // Tokens are ASCII: anything else becomes a space, and the text is scanned one byte per character.
    return byteTokens(Buffer.from(decodeAs(bytes.subarray(bom), encoding).replace(/[^\x00-\x7f]/g, ' '), 'latin1'), into);
  }
  // UTF-8 read one byte per character finds the same runs as UTF-8 decoding (tokens are ASCII), faster.
  return byteTokens(bytes, into);
}

/** The tokens of a text (a commit message, a test's input). */
export function textTokens(text: string, into: TokenSet = new Set()): TokenSet {
  return byteTokens(Buffer.from(text.replace(/[^\x00-\x7f]/g, ' '), 'latin1'), into);
}

/**
 * Most text has no stretch of 20 or more run characters: the scan looks at one byte in twenty until
 * it meets one that may be in such a stretch, then finds the stretch's extent, and only stretches
 * that long are read as text and tokenized exactly.
 */
function byteTokens(buffer: Buffer, into: TokenSet): TokenSet {
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  const state: RegionState = { decodeWithDetector: false, lastWrappedLineEnd: -2 };
  const length = bytes.length;
  let i = 0;
  while (i + WINDOW <= length) {
    const probe = i + WINDOW - 1;
    if (MAYBE_RUN[bytes[probe]!] === 0) {
      i = probe + 1;
      continue;
    }
    let start = probe;
    while (start > i && MAYBE_RUN[bytes[start - 1]!] === 1) start--;
    if (start > i) {
      i = start;
      continue;
    }
    let end = probe + 1;
    while (end < length && MAYBE_RUN[bytes[end]!] === 1) end++;
    regionTokens(buffer, start, end, into, state);
    i = end + 1;
  }
  if (state.decodeWithDetector) {
    for (const detection of scanText(decodeContent(buffer).text)) into.add(tokenOf(detection.kind, detection.value));
  }
  return into;
}

interface RegionState {
  /** Something base64 may hide a key ID in was seen: the detector decodes the text afterwards. */
  decodeWithDetector: boolean;
  /** End of the last line that was one run of wrapped-base64 width (two in a row: wrapped base64). */
  lastWrappedLineEnd: number;
}

/** Tokens of [start, end): a stretch of run characters and escapes at least WINDOW long, between two other bytes. */
function regionTokens(buffer: Buffer, start: number, end: number, into: TokenSet, state: RegionState): void {
  const region = buffer.toString('latin1', start, end);
  if (!state.decodeWithDetector && region.length >= ENCODED_KEY_ID_MIN && containsEncodedPrefix(region)) state.decodeWithDetector = true;
  KEY_ID_IN_RUN.lastIndex = 0;
  for (let match = KEY_ID_IN_RUN.exec(region); match !== null; match = KEY_ID_IN_RUN.exec(region)) {
    const keyId = match[1]!;
    if (judgeKeyIdBody(keyId.slice(4)) === 'credential') into.add(tokenOf('access-key-id', keyId));
    KEY_ID_IN_RUN.lastIndex = match.index + 1;
  }
  for (let run = nextRun(region, 0, region.length, LONG_MAX); run !== undefined; run = nextRun(region, run.end, region.length, LONG_MAX)) {
    if (run.end <= run.start) break;
    const length = run.length;
    if (length < ENCODED_KEY_ID_MIN || length > LONG_MAX) continue;
    if (length === SECRET_LENGTH && run.padding === 0) {
      const value = runValue(region, run);
      if (judgeSecret(value) === 'credential') into.add(tokenOf('secret-access-key', value));
    } else if (length >= ENCODED_SECRET_MIN && length <= ENCODED_SECRET_MAX) {
      const decoded = decodeBase64ToLatin1(runValue(region, run)).trim();
      if (decoded.length === SECRET_LENGTH && isSecretString(decoded) && judgeSecret(decoded) === 'credential') {
        into.add(tokenOf('secret-access-key', decoded));
      }
    }
    if (length >= LONG_MIN) {
      const value = runValue(region, run);
      if (judgeSessionToken(value) === 'credential') into.add(tokenOf('session-token', value));
    }
    if (!state.decodeWithDetector && length >= WRAPPED_LINE_MIN && length <= WRAPPED_LINE_MAX) {
      noteWrappedLine(buffer, start + run.start, start + run.end, state);
    }
  }
}

function isSecretString(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (!isSecretChar(value.charCodeAt(i))) return false;
  return true;
}

/**
 * Two lines in a row that are each one run of 40 to 200 characters are wrapped base64, where a key
 * ID's encoding may be cut by a line end: the detector joins and decodes such blocks.
 */
function noteWrappedLine(bytes: Buffer, start: number, end: number, state: RegionState): void {
  let lineStart = start;
  while (lineStart > 0 && (bytes[lineStart - 1] === 32 || bytes[lineStart - 1] === 9)) lineStart--;
  if (lineStart > 0 && bytes[lineStart - 1] !== 10) return;
  let lineEnd = end;
  while (bytes[lineEnd] === 61) lineEnd++; // padding
  if (bytes[lineEnd] === 13) lineEnd++;
  if (lineEnd < bytes.length && bytes[lineEnd] !== 10) return;
  if (state.lastWrappedLineEnd === lineStart - 1) state.decodeWithDetector = true;
  state.lastWrappedLineEnd = lineEnd;
}

/** Bytes that can end a piece of a large blob: no token contains them. */
const SEPARATORS = new Set([10, 13, 32, 9, 0, 34, 39, 44, 58, 59, 60, 62, 40, 41, 123, 125, 91, 93]);

/**
 * Receives a blob as it streams in and tokenizes it: whole, or, when larger than `pieceBytes`, in
 * pieces cut at a separator (so no token is cut), each piece starting with the last lines of the
 * one before (`overlapBytes`), so that wrapped base64 across a cut is still seen whole. Memory
 * stays bounded whatever the blob's size.
 */
export class TokenSink implements BlobSink {
  readonly tokens: TokenSet = new Set();
  private parts: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly pieceBytes = 64 * 1024 * 1024,
    private readonly overlapBytes = 64 * 1024,
  ) {}

  data(chunk: Buffer): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.pieceBytes) this.flush(false);
  }

  end(): void {
    this.flush(true);
  }

  private flush(final: boolean): void {
    const buffer = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    if (final) {
      blobTokens(buffer, this.tokens);
      this.parts = [];
      this.size = 0;
      return;
    }
    let cut = -1;
    for (let i = buffer.length - 1; i >= 0 && cut < 0; i--) if (SEPARATORS.has(buffer[i]!)) cut = i + 1;
    if (cut <= 3 * this.overlapBytes) cut = buffer.length; // one unbroken run far longer than any token
    blobTokens(buffer.subarray(0, cut), this.tokens);
    // The next piece starts a line or two before the cut (always at least overlapBytes further on).
    let keep = buffer.lastIndexOf(10, cut - this.overlapBytes) + 1;
    if (keep < cut - 2 * this.overlapBytes) {
      keep = cut; // no line end near: start after a separator, never inside a token
      for (let i = cut - this.overlapBytes; i < cut; i++) {
        if (SEPARATORS.has(buffer[i]!)) {
          keep = i + 1;
          break;
        }
      }
    }
    this.parts = keep < buffer.length ? [buffer.subarray(keep)] : [];
    this.size = buffer.length - keep;
  }
}
