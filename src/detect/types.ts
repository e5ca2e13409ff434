/** What kind of AWS credential a finding is. */
export type CredentialKind = 'access-key-id' | 'secret-access-key' | 'session-token';

/**
 * How the credential was written in the text where it was found. `hex`: hex digits (`414b…`,
 * `\x41`, `0x41,`); `unicode-escaped`: `\u0041`; `html-escaped`: `&#65;`, `&#x41;`, named entities;
 * `concatenated`: split across joined string literals; `gzip`: inside a compressed stream.
 */
export type ValueEncoding =
  | 'plain'
  | 'json-escaped'
  | 'url-encoded'
  | 'base64'
  | 'hex'
  | 'unicode-escaped'
  | 'html-escaped'
  | 'concatenated'
  | 'gzip';

/**
 * One credential found in a text. Positions are 1-based; columns count UTF-16 code units,
 * which is what editors and SARIF (`columnKind: utf16CodeUnits`) expect.
 */
export interface Detection {
  kind: CredentialKind;
  line: number;
  /** The line of its last character: later than `line` for a value encoded across wrapped lines. */
  endLine: number;
  column: number;
  /** Offset of the first character in the text (0-based); used to merge chunk scans. */
  offset: number;
  /** Length of the credential as written (escapes and encodings included). */
  length: number;
  /**
   * The credential itself, unescaped and decoded. Internal: allowlists compare against it; no
   * report ever prints it (reports use `redacted`).
   */
  value: string;
  /** The text as written where it was found (escaped, encoded). Internal: to look it up in history. */
  written: string;
  /** First and last four characters, never the whole value. */
  redacted: string;
  /** Stable hash of kind and value; identifies the secret without revealing it. */
  fingerprint: string;
  encoding: ValueEncoding;
  /**
   * Every decoding step, outermost first, when there is more than one (`['base64', 'gzip']`: base64
   * text of a gzip stream); `encoding` is the first.
   */
  encodings?: ValueEncoding[];
  /** The 12-digit AWS account an access key ID belongs to, decoded offline, when its format encodes one. */
  accountId?: string;
}
