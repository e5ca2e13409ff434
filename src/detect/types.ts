/**
 * What kind of AWS credential a finding is: an access key pair's parts, a session token, an Amazon
 * Bedrock API key (long-term `ABSK…`, a service-specific credential; short-term `bedrock-api-key-…`,
 * a presigned request), the password of another service-specific credential (CodeCommit HTTPS Git
 * credentials, Amazon Keyspaces), or an IAM Identity Center (SSO) token from the AWS CLI's cache.
 */
export type CredentialKind =
  | 'access-key-id'
  | 'secret-access-key'
  | 'session-token'
  | 'bedrock-api-key'
  | 'bedrock-short-term-key'
  | 'service-specific-credential'
  | 'sso-token';

/** What a credential's own text says about it, decoded offline: never the secret part. */
export interface CredentialDetails {
  /** The service a service-specific credential is for, when the text says (its host, its prefix). */
  service?: 'bedrock' | 'codecommit' | 'keyspaces';
  /** The service user name it signs in as (`alice-at-111122223333`), and the IAM user it belongs to (`alice`). */
  serviceUserName?: string;
  iamUser?: string;
  /** A short-term Bedrock API key: the access key ID that signed it (internal; reports redact it). */
  signingKeyId?: string;
  /** A short-term Bedrock API key: the region it was made for, and when it expires (ISO 8601, UTC). */
  region?: string;
  expires?: string;
  /** An SSO token: the access token (hours) or the refresh token (which gets new access tokens). */
  tokenType?: 'access' | 'refresh';
}

/** How the credential was written in the text where it was found. */
export type ValueEncoding = 'plain' | 'json-escaped' | 'url-encoded' | 'base64';

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
  /** Never the whole value: an access key ID's prefix and last two characters, other values' first and last four. */
  redacted: string;
  /**
   * The value's identity inside keyguard (kg1, fast): deduplication, and matching entries keyguard
   * 0.1 wrote. Reports and baselines write publicFingerprintOf (kg2) instead, which does not give
   * a key ID back (see identity.ts).
   */
  fingerprint: string;
  encoding: ValueEncoding;
  /** The 12-digit AWS account the credential belongs to, decoded offline, when its format encodes one. */
  accountId?: string;
  details?: CredentialDetails;
}
