import { decodeBase64ToLatin1 } from './base64.js';
import { isBase64Char, isSecretChar } from './chars.js';
import { ACCESS_KEY_ID_SHAPE, BEDROCK_LONG_TERM_PREFIX, BEDROCK_SHORT_TERM_PREFIX, SERVICE_USER_MARKER } from './anchors.js';
import { entropyBitsPerChar, judgeKeyIdBody } from './plausibility.js';
import { readRun, runValue } from './tokens.js';
import type { CredentialDetails, CredentialKind, ValueEncoding } from './types.js';

/**
 * AWS credentials that are not access key pairs, each recognised by its own format and checked by
 * decoding what it says about itself (offline; nothing is verified with AWS):
 *
 * - Amazon Bedrock API keys, long-term: `ABSK` + base64 of `<service user name>:<password>`, the
 *   name being `<IAM user>-at-<account>` (a service-specific credential of the Bedrock service);
 * - Amazon Bedrock API keys, short-term: `bedrock-api-key-` + base64 of a SigV4-presigned request,
 *   which names the access key that signed it, its region and its lifetime (at most 12 hours);
 * - passwords of other service-specific credentials (CodeCommit HTTPS Git credentials, Amazon
 *   Keyspaces), found next to their `<IAM user>-at-<account>` user name: in a URL's user info
 *   (`https://alice-at-111122223333:<password>@git-codecommit…`), or within a few lines of it;
 * - IAM Identity Center (SSO) access and refresh tokens, as the AWS CLI caches them
 *   (`~/.aws/sso/cache/*.json`: `aoaAAAA…`, `aorAAAA…`).
 */

export interface FoundCredential {
  kind: CredentialKind;
  offset: number;
  length: number;
  value: string;
  encoding: ValueEncoding;
  accountId?: string;
  details?: CredentialDetails;
}

/** What a check at an anchor gives: a credential (or not), and where the text it read ends. */
export interface AnchorResult {
  found?: FoundCredential;
  /** The end of the token that was read, so that nothing inside it is read again (e.g. the key ID inside a presigned request). */
  end: number;
}

/** Account IDs that AWS documentation uses in examples: a credential of one of them is an example. */
const DOCUMENTATION_ACCOUNTS = new Set(['111122223333', '123456789012', '444455556666', '777788889999', '012345678901', '999999999999', '000000000000']);

/** A service-specific credential's password: base64 of random bytes (44 characters for 32 bytes); much shorter or longer is not one. */
const PASSWORD_MIN = 40;
const PASSWORD_MAX = 64;
/** How far from its user name a password may be (a CSV row, `username=` then `password=` lines). */
const PASSWORD_REACH = 300;
const PASSWORD_REACH_LINES = 3;
/** A Bedrock long-term key is a few dozen characters; a short-term one a few thousand (its session token included). */
const BEDROCK_TOKEN_MAX = 16_384;
const SSO_TOKEN_MIN = 100;
const SSO_TOKEN_MAX = 8_192;
const EXAMPLE = /EXAMPLE/i;

/** IAM user names: letters, digits and `+=,.@_-`, at most 64 characters. */
const isUserNameChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 61 || c === 44 || c === 46 || c === 64 || c === 95 || c === 45;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** `<IAM user>-at-<12 digits>` around a `-at-` at `at`, or undefined. */
export function serviceUserNameAt(text: string, at: number): { start: number; end: number; iamUser: string; accountId: string } | undefined {
  const digits = at + SERVICE_USER_MARKER.length;
  for (let i = digits; i < digits + 12; i++) if (!isDigit(text.charCodeAt(i))) return undefined;
  if (isDigit(text.charCodeAt(digits + 12))) return undefined;
  let start = at;
  while (start > 0 && at - start < 64 && isUserNameChar(text.charCodeAt(start - 1))) start--;
  if (start === at) return undefined;
  return { start, end: digits + 12, iamUser: text.slice(start, at), accountId: text.slice(digits, digits + 12) };
}

/** A password looks like random base64: both letter cases, enough entropy, no placeholder text. */
function looksRandom(value: string): boolean {
  return /[a-z]/.test(value) && /[A-Z]/.test(value) && !EXAMPLE.test(value) && entropyBitsPerChar(value) >= 3.5 && !/(.)\1{4}/.test(value);
}

/** `ABSK…` at `at`: a long-term Amazon Bedrock API key when its base64 decodes to `<user>-at-<account>:<password>`. */
export function bedrockLongTermKeyAt(text: string, at: number): AnchorResult {
  const bodyStart = at + BEDROCK_LONG_TERM_PREFIX.length;
  const run = readRun(text, bodyStart, BEDROCK_TOKEN_MAX);
  const end = run.end;
  if (at > 0 && isBase64Char(text.charCodeAt(at - 1))) return { end };
  const body = runValue(text, run);
  const decoded = /^([\w+=,.@-]{1,64})-at-(\d{12}):([A-Za-z0-9+/]{20,128}={0,2})$/.exec(decodeBase64ToLatin1(body));
  if (!decoded) return { end: bodyStart };
  const [, iamUser, accountId, password] = decoded as unknown as [string, string, string, string];
  if (DOCUMENTATION_ACCOUNTS.has(accountId) || !looksRandom(password)) return { end };
  const value = BEDROCK_LONG_TERM_PREFIX + body + '='.repeat(run.padding);
  return {
    end,
    found: {
      kind: 'bedrock-api-key',
      offset: at,
      length: end - at,
      value,
      encoding: run.escaped === 'json' ? 'json-escaped' : run.escaped === 'url' ? 'url-encoded' : 'plain',
      accountId,
      details: { service: 'bedrock', serviceUserName: `${iamUser}-at-${accountId}`, iamUser },
    },
  };
}

/** `X-Amz-Date` (20251130T120000Z) plus `X-Amz-Expires` seconds, as ISO 8601; undefined when malformed. */
function expiryOf(date: string | null, expires: string | null): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date ?? '');
  if (!m || !/^\d{1,6}$/.test(expires ?? '')) return undefined;
  const signed = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return new Date(signed + Number(expires) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * `bedrock-api-key-…` at `at`: a short-term Amazon Bedrock API key when its base64 decodes to a
 * SigV4-presigned Bedrock request (`bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-…`).
 */
export function bedrockShortTermKeyAt(text: string, at: number): AnchorResult {
  const bodyStart = at + BEDROCK_SHORT_TERM_PREFIX.length;
  const fail = { end: bodyStart };
  const c = text.charCodeAt(at - 1);
  if (at > 0 && (isSecretChar(c) || c === 45 /* - */)) return fail;
  const run = readRun(text, bodyStart, BEDROCK_TOKEN_MAX);
  const body = runValue(text, run);
  const request = decodeBase64ToLatin1(body);
  const query = request.indexOf('?');
  if (query < 0 || !/X-Amz-Credential=/.test(request)) return fail;
  const params = new URLSearchParams(request.slice(query + 1));
  const [keyId, , region, service] = (params.get('X-Amz-Credential') ?? '').split('/');
  if (keyId === undefined || !ACCESS_KEY_ID_SHAPE.test(keyId) || service !== 'bedrock' || !/^[0-9a-f]{64}$/.test(params.get('X-Amz-Signature') ?? '')) return fail;
  const end = run.end;
  if (judgeKeyIdBody(keyId.slice(4)) !== 'credential') return { end }; // signed by an example key: an example
  const expires = expiryOf(params.get('X-Amz-Date'), params.get('X-Amz-Expires'));
  return {
    end,
    found: {
      kind: 'bedrock-short-term-key',
      offset: at,
      length: end - at,
      value: BEDROCK_SHORT_TERM_PREFIX + body + '='.repeat(run.padding),
      encoding: run.escaped === 'json' ? 'json-escaped' : run.escaped === 'url' ? 'url-encoded' : 'plain',
      details: { service: 'bedrock', signingKeyId: keyId, ...(region ? { region } : {}), ...(expires ? { expires } : {}) },
    },
  };
}

/** Which service a credential is for, from the text around it (its host). */
function serviceNear(text: string, from: number, to: number): CredentialDetails['service'] {
  const around = text.slice(Math.max(0, from), Math.min(text.length, to)).toLowerCase();
  if (around.includes('codecommit')) return 'codecommit';
  if (around.includes('cassandra') || around.includes('keyspaces')) return 'keyspaces';
  return undefined;
}

/** A candidate password run at `start`: base64 characters then up to two `=`, with URL escapes resolved. */
function passwordRun(text: string, start: number): { value: string; end: number; encoding: ValueEncoding } | undefined {
  const run = readRun(text, start, PASSWORD_MAX);
  if (run.length < PASSWORD_MIN || run.length > PASSWORD_MAX) return undefined;
  const value = runValue(text, run) + '='.repeat(run.padding);
  return { value, end: run.end, encoding: run.escaped === 'json' ? 'json-escaped' : run.escaped === 'url' ? 'url-encoded' : 'plain' };
}

/**
 * A service-specific credential at a `-at-` marker: the user name `<IAM user>-at-<account>`, and its
 * password in the URL's user info right after it, or else the nearest random base64 value within a
 * few lines (a CSV row, a `password = …` line).
 */
export function serviceSpecificCredentialAt(text: string, at: number): AnchorResult {
  const name = serviceUserNameAt(text, at);
  if (!name) return { end: at + SERVICE_USER_MARKER.length };
  const end = name.end;
  if (DOCUMENTATION_ACCOUNTS.has(name.accountId)) return { end };
  const details = (from: number, to: number): CredentialDetails => {
    const service = serviceNear(text, from - 200, to + 200);
    return { ...(service ? { service } : {}), serviceUserName: text.slice(name.start, name.end), iamUser: name.iamUser };
  };
  const push = (start: number, candidate: { value: string; end: number; encoding: ValueEncoding }): AnchorResult => ({
    end: Math.max(end, candidate.end),
    found: {
      kind: 'service-specific-credential',
      offset: start,
      length: candidate.end - start,
      value: candidate.value,
      encoding: candidate.encoding,
      accountId: name.accountId,
      details: details(name.start, candidate.end),
    },
  });

  // URL user info: <user>:<password>@host
  if (text.charCodeAt(end) === 58 /* : */) {
    const candidate = passwordRun(text, end + 1);
    if (candidate && text.charCodeAt(candidate.end) === 64 /* @ */) {
      return looksRandom(candidate.value) ? push(end + 1, candidate) : { end: candidate.end };
    }
  }
  // Nearby: the nearest random base64 value after the name, then before it.
  const after = windowAfter(text, end);
  for (let i = end; i < after; ) {
    if (!isSecretChar(text.charCodeAt(i)) || (i > 0 && isSecretChar(text.charCodeAt(i - 1)))) {
      i++;
      continue;
    }
    const candidate = passwordRun(text, i);
    if (candidate && looksRandom(candidate.value) && !ACCESS_KEY_ID_SHAPE.test(candidate.value)) return push(i, candidate);
    i = candidate ? candidate.end : i + 1;
  }
  const before = windowBefore(text, name.start);
  for (let i = name.start - 1; i >= before; i--) {
    if (!isSecretChar(text.charCodeAt(i)) || (i > 0 && isSecretChar(text.charCodeAt(i - 1)))) continue;
    const candidate = passwordRun(text, i);
    if (candidate && candidate.end <= name.start && looksRandom(candidate.value) && !ACCESS_KEY_ID_SHAPE.test(candidate.value)) return push(i, candidate);
  }
  return { end };
}

function windowAfter(text: string, from: number): number {
  let limit = Math.min(text.length, from + PASSWORD_REACH);
  let lines = 0;
  for (let i = from; i < limit; i++) if (text.charCodeAt(i) === 10 && ++lines > PASSWORD_REACH_LINES) limit = i;
  return limit;
}

function windowBefore(text: string, from: number): number {
  let limit = Math.max(0, from - PASSWORD_REACH);
  let lines = 0;
  for (let i = from - 1; i >= limit; i--) if (text.charCodeAt(i) === 10 && ++lines > PASSWORD_REACH_LINES) limit = i + 1;
  return limit;
}

/** Characters of an SSO token: base64url and base64, and the `:` between its parts. */
const isSsoTokenChar = (c: number): boolean => isBase64Char(c) || c === 58 /* : */ || c === 61; /* = */

/** An IAM Identity Center token (`aoaAAAA…` access, `aorAAAA…` refresh) at `at`. */
export function ssoTokenAt(text: string, at: number): AnchorResult {
  let end = at;
  while (end < text.length && end - at <= SSO_TOKEN_MAX && isSsoTokenChar(text.charCodeAt(end))) end++;
  if (at > 0 && isSsoTokenChar(text.charCodeAt(at - 1))) return { end };
  const value = text.slice(at, end);
  // Its fixed head (`aoaAAAAA`) is left out of the randomness test.
  if (value.length < SSO_TOKEN_MIN || value.length > SSO_TOKEN_MAX || !looksRandom(value.replace(/^ao[ar]A+/, ''))) return { end };
  return {
    end,
    found: { kind: 'sso-token', offset: at, length: end - at, value, encoding: 'plain', details: { tokenType: value.startsWith('aor') ? 'refresh' : 'access' } },
  };
}
