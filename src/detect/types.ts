/** What kind of AWS credential a finding is. */
export type CredentialKind = 'access-key-id' | 'secret-access-key' | 'session-token';

/** How the credential was written in the text where it was found. */
export type ValueEncoding = 'plain' | 'json-escaped' | 'url-encoded' | 'base64';

/**
 * One credential found in a text. Positions are 1-based; columns count UTF-16 code units,
 * which is what editors and SARIF (`columnKind: utf16CodeUnits`) expect.
 */
export interface Detection {
  kind: CredentialKind;
  line: number;
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
  /** Never the whole value: an access key ID's prefix and last two characters, other values' first and last four. */
  redacted: string;
  /**
   * The value's identity inside keyguard (kg1, fast): deduplication, and matching entries keyguard
   * 0.1 wrote. Reports and baselines write publicFingerprintOf (kg2) instead, which does not give
   * a key ID back (see identity.ts).
   */
  fingerprint: string;
  encoding: ValueEncoding;
  /** The 12-digit AWS account an access key ID belongs to, decoded offline, when its format encodes one. */
  accountId?: string;
}
