/**
 * Classifies the name around a keyword hit ("secret", "session", "security" in any letter case): is
 * it the name of an AWS secret access key (`aws_secret_access_key`, `SecretAccessKey`, `secret_key`,
 * `AWS Secret Access Key [None]:`, `aws.secretKey`) or of a session token (`SessionToken`,
 * `aws_session_token`, `X-Amz-Security-Token`)?
 *
 * Requiring "secret" to come with "key", "access key" or "aws" keeps generic names (client_secret,
 * JWT_SECRET) from vouching for an AWS secret. Words may be joined directly (camelCase) or by one
 * separator (`_ - .` or a space, as in prose). This runs for every keyword hit in the text, so it
 * looks at characters in place and allocates nothing.
 */

export type NameKind = 'secret-key-name' | 'session-token-name';

const isSeparator = (c: number): boolean => c === 95 /* _ */ || c === 45 /* - */ || c === 46 /* . */ || c === 32 /* space */;

/** Whether `word` (lower case) is at `at`, in any letter case. */
function wordAt(text: string, at: number, word: string): boolean {
  if (at < 0 || at + word.length > text.length) return false;
  for (let i = 0; i < word.length; i++) {
    let c = text.charCodeAt(at + i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** Position of the next word after `end`, past at most one separator. */
const nextWord = (text: string, end: number): number => (isSeparator(text.charCodeAt(end)) ? end + 1 : end);

/** Whether `word` ends right before `start`, past at most one separator. */
function wordBefore(text: string, start: number, word: string): boolean {
  const end = isSeparator(text.charCodeAt(start - 1)) ? start - 1 : start;
  return wordAt(text, end - word.length, word);
}

export function classifyName(text: string, hitStart: number, hitEnd: number): NameKind | undefined {
  const first = text.charCodeAt(hitStart + 2) | 0x20; // se[c]ret, se[s]sion, se[c]urity
  const third = text.charCodeAt(hitStart + 3) | 0x20;
  if (first === 0x63 /* c */ && third === 0x72 /* r */) {
    // secret: aws_secret…, secret_key…, secret_access_key…
    if (wordBefore(text, hitStart, 'aws')) return 'secret-key-name';
    const after = nextWord(text, hitEnd);
    if (wordAt(text, after, 'key')) return 'secret-key-name';
    if (wordAt(text, after, 'access') && wordAt(text, nextWord(text, after + 6), 'key')) return 'secret-key-name';
    return undefined;
  }
  // session…token, security…token
  return wordAt(text, nextWord(text, hitEnd), 'token') ? 'session-token-name' : undefined;
}

/**
 * Where a secret-key name that starts with the hit at `hitStart` ends: after `key`
 * (`secret_key`, `secretAccessKey`), or after `secret` (`aws_secret`). Only called for names
 * classifyName accepted.
 */
export function secretKeyNameEnd(text: string, hitEnd: number): number {
  const after = nextWord(text, hitEnd);
  if (wordAt(text, after, 'key')) return after + 3;
  if (wordAt(text, after, 'access')) {
    const key = nextWord(text, after + 6);
    if (wordAt(text, key, 'key')) return key + 3;
  }
  return hitEnd;
}
