import { base64Fragments } from './base64.js';

/**
 * One regular expression finds every place worth a closer look; everything else in the text is
 * skipped at regex-engine speed (several GB/s on text without hits). It is a plain alternation of
 * literals and single-character classes: no quantifiers, no nesting, so it cannot backtrack.
 */

/** Prefixes of access key IDs that are credentials: long-term, temporary (STS), bearer token, context. */
export const CREDENTIAL_PREFIXES = ['AKIA', 'ASIA', 'ABIA', 'ACCA'] as const;

/**
 * Fixed parts of the base64 body of AWS session tokens, two characters after the token's start
 * (the first byte varies): "\n\torigin" (IQoJb3JpZ2lu…), "\n\x06er/aws" (FwoGZXIvYXdz…), "\n\x03aws"
 * (AQoDYXdz…).
 */
export const SESSION_TOKEN_MARKERS = ['oJb3JpZ2lu', 'oGZXIvYXdz', 'oDYXdz'] as const;
export const SESSION_TOKEN_MARKER_OFFSET = 2;

/** Amazon Bedrock API keys: long-term (a service-specific credential) and short-term (a presigned request). */
export const BEDROCK_LONG_TERM_PREFIX = 'ABSK';
export const BEDROCK_SHORT_TERM_PREFIX = 'bedrock-api-key-';
/** What joins a service-specific credential's user name: `<IAM user>-at-<account>`. */
export const SERVICE_USER_MARKER = '-at-';
/** IAM Identity Center tokens as the AWS CLI caches them: access (`aoa`) and refresh (`aor`). */
export const SSO_TOKEN_PREFIXES = ['aoaAAAA', 'aorAAAA'] as const;

/** Words whose surrounding name may vouch for a value (matched in any letter case). */
const KEYWORDS = ['secret', 'session', 'security'] as const;

/** base64 text that any encoding of a credential prefix contains, at each byte alignment. */
const ENCODED_PREFIXES = [...CREDENTIAL_PREFIXES, BEDROCK_LONG_TERM_PREFIX, BEDROCK_SHORT_TERM_PREFIX].flatMap(base64Fragments);
const ENCODED_PREFIX_PATTERN = new RegExp(ENCODED_PREFIXES.join('|'));

/** Whether base64 text may hold an encoded access key ID. */
export function containsEncodedPrefix(base64: string): boolean {
  return ENCODED_PREFIX_PATTERN.test(base64);
}

export type AnchorKind =
  | 'key-id-prefix'
  | 'keyword'
  | 'session-token-marker'
  | 'encoded-prefix'
  | 'bedrock-long-term'
  | 'bedrock-short-term'
  | 'service-user'
  | 'sso-token';

export interface Anchor {
  kind: AnchorKind;
  start: number;
  end: number;
}

function anyCase(word: string): string {
  return [...word].map((ch) => `[${ch.toUpperCase()}${ch.toLowerCase()}]`).join('');
}

/**
 * Access key IDs are matched whole by their own expression: the prefix, exactly 16 base32
 * characters, and no letter or digit on either side (the tail of an escape such as `\n`,
 * `\u003e` or `%3D` before it counts as a boundary). Fixed-length parts only, so the engine does at most 20 steps per
 * position and nothing is retried: near-misses cost no JavaScript at all.
 */
const PREFIX_SOURCE = `(?:${CREDENTIAL_PREFIXES.join('|')})`;
// The prefix comes first so that the engine can skip ahead to it; the boundary before it is then
// checked by a lookbehind over the prefix.
const KEY_ID_SOURCE =
  `${PREFIX_SOURCE}(?<=(?:^|[^A-Za-z0-9]|\\\\[a-z]|\\\\u[0-9A-Fa-f]{4}|%[0-9A-Fa-f]{2})${PREFIX_SOURCE})[A-Z2-7]{16}(?![A-Za-z0-9])`;
export const KEY_ID_LENGTH = 20;
/**
 * In raw bytes (binary files), fields are often stored back to back (`access_key_idAKIA…` then the
 * secret, in a SQLite row): there a key ID is recognised by its exact shape alone.
 */
const GLUED_KEY_ID_SOURCE = `${PREFIX_SOURCE}[A-Z2-7]{16}`;

/** A whole string that has the shape of a credential access key ID. */
export const ACCESS_KEY_ID_SHAPE = new RegExp(`^${PREFIX_SOURCE}[A-Z2-7]{16}$`);

const LITERALS: readonly [AnchorKind, readonly string[], boolean][] = [
  ['keyword', KEYWORDS, true],
  ['session-token-marker', SESSION_TOKEN_MARKERS, false],
  ['encoded-prefix', ENCODED_PREFIXES, false],
  ['bedrock-long-term', [BEDROCK_LONG_TERM_PREFIX], false],
  ['bedrock-short-term', [BEDROCK_SHORT_TERM_PREFIX], false],
  ['service-user', [SERVICE_USER_MARKER], false],
  ['sso-token', SSO_TOKEN_PREFIXES, false],
];

const LITERAL_SOURCE = LITERALS.flatMap(([, words, caseless]) => words.map((w) => (caseless ? anyCase(w) : w))).join('|');

/**
 * A literal match is identified from where it ends (regex `test` gives only that, and allocates
 * nothing, unlike `exec`). That is unambiguous because no literal is a suffix of another, checked
 * here once.
 */
const ALL = LITERALS.flatMap(([, words]) => words.map((w) => w.toLowerCase()));
for (const a of ALL) for (const b of ALL) if (a !== b && a.endsWith(b)) throw new Error(`anchor ${b} is a suffix of ${a}`);

function endsWithAt(text: string, end: number, word: string, caseless: boolean): boolean {
  const start = end - word.length;
  if (start < 0) return false;
  for (let i = 0; i < word.length; i++) {
    let c = text.charCodeAt(start + i);
    if (caseless && c >= 65 && c <= 90) c |= 0x20;
    if (c !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** Candidate literals by the character code they end with (both cases for caseless words). */
const BY_LAST_CHAR = new Map<number, [AnchorKind, string, boolean][]>();
for (const [kind, words, caseless] of LITERALS) {
  for (const word of words) {
    const last = word[word.length - 1]!;
    const codes = caseless ? [last.toLowerCase(), last.toUpperCase()] : [last];
    for (const code of new Set(codes.map((c) => c.charCodeAt(0)))) {
      const list = BY_LAST_CHAR.get(code) ?? [];
      list.push([kind, word, caseless]);
      BY_LAST_CHAR.set(code, list);
    }
  }
}

/**
 * Iterates the anchors of a text in order, merging the key ID matches and the literal matches;
 * `skipTo` lets the caller jump past what it has consumed.
 */
export class AnchorScanner {
  private readonly keyIds: RegExp;
  private readonly literals = new RegExp(LITERAL_SOURCE, 'g');
  private nextKeyId: Anchor | undefined | null = null; // null: not looked for yet
  private nextLiteral: Anchor | undefined | null = null;

  /** @param glued key IDs may touch letters and digits (raw bytes of a binary file) */
  constructor(
    private readonly text: string,
    glued = false,
  ) {
    this.keyIds = new RegExp(glued ? GLUED_KEY_ID_SOURCE : KEY_ID_SOURCE, 'g');
  }

  private findKeyId(): Anchor | undefined {
    if (!this.keyIds.test(this.text)) return undefined;
    const end = this.keyIds.lastIndex;
    return { kind: 'key-id-prefix', start: end - KEY_ID_LENGTH, end };
  }

  private findLiteral(): Anchor | undefined {
    if (!this.literals.test(this.text)) return undefined;
    const end = this.literals.lastIndex;
    for (const [kind, word, caseless] of BY_LAST_CHAR.get(this.text.charCodeAt(end - 1)) ?? []) {
      if (endsWithAt(this.text, end, word, caseless)) return { kind, start: end - word.length, end };
    }
    throw new Error('anchor matched no literal');
  }

  next(): Anchor | undefined {
    if (this.nextKeyId === null) this.nextKeyId = this.findKeyId();
    if (this.nextLiteral === null) this.nextLiteral = this.findLiteral();
    const keyId = this.nextKeyId;
    const literal = this.nextLiteral;
    if (keyId !== undefined && (literal === undefined || keyId.start <= literal.start)) {
      this.nextKeyId = null;
      return keyId;
    }
    this.nextLiteral = null;
    return literal;
  }

  skipTo(position: number): void {
    for (const pattern of [this.keyIds, this.literals]) if (position > pattern.lastIndex) pattern.lastIndex = position;
    if (this.nextKeyId && this.nextKeyId.start < position) this.nextKeyId = null;
    if (this.nextLiteral && this.nextLiteral.start < position) this.nextLiteral = null;
  }
}

/**
 * An extended regular expression (for `grep -E`) that matches every line on which the detector can
 * report something: each finding sits on a line that holds the credential itself, which has a key
 * ID prefix, an encoded prefix, or a run of 40 secret-alphabet characters and escapes (secrets,
 * encoded secrets, session tokens, lines of wrapped base64). A change whose added lines it does not
 * match cannot hold a finding, so the hooks skip starting node for it. hooks/keyguard.sh carries
 * it (a test holds them together, and another checks that it is a superset of the detector).
 */
export function prefilterPattern(): string {
  const runUnit = '[A-Za-z0-9+/]|\\\\/|%2[FfBb]|\\\\u002[FfBb]';
  return [
    ...CREDENTIAL_PREFIXES,
    BEDROCK_LONG_TERM_PREFIX,
    BEDROCK_SHORT_TERM_PREFIX,
    `${SERVICE_USER_MARKER}[0-9]{12}`,
    ...SSO_TOKEN_PREFIXES,
    ...ENCODED_PREFIXES,
    `(${runUnit}){40}`,
  ].join('|');
}
