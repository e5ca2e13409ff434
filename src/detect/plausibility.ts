/**
 * Is a key-shaped string a real credential, or an example, a placeholder or a word?
 *
 * Every threshold here trades a false alarm against a missed key. The figures quoted were measured
 * by sampling millions of uniformly random keys of the real formats (see test/detect/plausibility.test.ts,
 * which re-measures them): each rule rejects real keys with a probability below one in a hundred
 * thousand, so a real key is almost never let through by these rules.
 */

/** AWS documentation and SDK examples end in EXAMPLE / EXAMPLEKEY; they are not credentials. */
const EXAMPLE_MARKER = 'EXAMPLE';

/**
 * Words that make a digit-free key ID body a placeholder (AKIA + YOURACCESSKEYID…) or prose (the
 * region-like word ASIA + PACIFICSOUTHEAST). Only words of four or more letters: a given four-letter word
 * appears in a random 16-character base32 body with probability about 13/32^4 ≈ 1.2e-5, and the
 * rule applies only to bodies without digits (3.6 % of real keys), so together these words reject
 * about 1e-6 of real keys.
 */
const PLACEHOLDER_WORDS = [
  'EXAMPLE', 'SAMPLE', 'DUMMY', 'FAKE', 'TEST', 'YOUR', 'ACCESS', 'SECRET', 'PLACEHOLDER', 'REPLACE',
  'CHANGEME', 'REDACTED', 'INSERT', 'PACIFIC', 'SOUTH', 'NORTH', 'EAST', 'WEST', 'CENTRAL', 'REGION',
  'CHINA', 'EUROPE', 'AFRICA', 'MIDDLE', 'AMERICA',
];

/**
 * A random base32 body of 16 characters has 12.5 distinct characters on average; in 2 million
 * samples none had fewer than 7 (7 itself: 4.5e-5). Six or fewer means a pattern such as
 * AKIA followed by sixteen X, or by ABAB… repeated.
 */
const MIN_DISTINCT_IN_KEY_ID_BODY = 7;

/**
 * Six characters counting up (ABCDEF, 234567) occur in a random body with probability about
 * 11/32^5 ≈ 3e-7; in placeholders (AKIA followed by ABCDEFGHIJKLMNOP) they are the rule.
 */
const MAX_ASCENDING_RUN = 5;

/**
 * Shannon entropy of a 40-character secret, in bits per character. Random secrets (40 draws from 64
 * symbols) measure 4.78 on median and never below 4.1 in 200,000 samples; repeated patterns and
 * keyboard walks measure far lower. 3.5 leaves a wide margin on both sides.
 */
const MIN_SECRET_ENTROPY = 3.5;

/**
 * Five identical characters in a row: probability about 36/64^4 ≈ 2e-6 in a random secret, common
 * in placeholders (xxxxx, 00000).
 */
const MAX_REPEAT_RUN = 4;

function longestRun(value: string, step: 0 | 1): number {
  let longest = 1;
  let run = 1;
  for (let i = 1; i < value.length; i++) {
    run = value.charCodeAt(i) - value.charCodeAt(i - 1) === step ? run + 1 : 1;
    if (run > longest) longest = run;
  }
  return longest;
}

function distinctCount(value: string): number {
  const seen = new Set<number>();
  for (let i = 0; i < value.length; i++) seen.add(value.charCodeAt(i));
  return seen.size;
}

const counts = new Uint32Array(65536);

/** Shannon entropy of the string's character distribution, in bits per character. */
export function entropyBitsPerChar(value: string): number {
  for (let i = 0; i < value.length; i++) counts[value.charCodeAt(i)]!++;
  let bits = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const count = counts[c]!;
    if (count === 0) continue; // already counted
    const p = count / value.length;
    bits -= p * Math.log2(p);
    counts[c] = 0;
  }
  return bits;
}

export type Verdict = 'credential' | 'example' | 'placeholder';

/** Judges the 16 base32 characters after an access key ID's prefix. */
export function judgeKeyIdBody(body: string): Verdict {
  if (body.includes(EXAMPLE_MARKER)) return 'example';
  if (distinctCount(body) < MIN_DISTINCT_IN_KEY_ID_BODY) return 'placeholder';
  if (longestRun(body, 1) > MAX_ASCENDING_RUN) return 'placeholder';
  if (!/[2-7]/.test(body) && PLACEHOLDER_WORDS.some((word) => body.includes(word))) return 'placeholder';
  return 'credential';
}

/**
 * Judges a 40-character string of the secret-key alphabet. Beyond the example and placeholder
 * rules it must look random: upper and lower case letters both present (a random secret lacks one of
 * them with probability 2 × (38/64)^40 ≈ 2e-9, while hex digests, lower-case words and upper-case
 * constants always do), and enough entropy.
 */
export function judgeSecret(value: string): Verdict {
  if (value.includes(EXAMPLE_MARKER)) return 'example';
  if (!hasBothCases(value)) return 'placeholder';
  if (capitalsAndDigits(value) < MIN_CAPITALS_AND_DIGITS) return 'placeholder';
  if (longestRun(value, 0) > MAX_REPEAT_RUN) return 'placeholder';
  if (longestRun(value, 1) > MAX_ASCENDING_RUN) return 'placeholder';
  if (entropyBitsPerChar(value) < MIN_SECRET_ENTROPY) return 'placeholder';
  return 'credential';
}

/**
 * A secret's 40 random characters hold about 22 capitals and digits; words and paths hold a few
 * (`jakarta/security/auth/message/callback/PK`, a jar's entry name and the next entry's signature).
 * Fewer than four in a random secret: about one in ten billion.
 */
const MIN_CAPITALS_AND_DIGITS = 4;

function capitalsAndDigits(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 48 && c <= 57)) count++;
  }
  return count;
}

function hasBothCases(value: string): boolean {
  let upper = false;
  let lower = false;
  for (let i = 0; i < value.length && !(upper && lower); i++) {
    const c = value.charCodeAt(i);
    if (c >= 65 && c <= 90) upper = true;
    else if (c >= 97 && c <= 122) lower = true;
  }
  return upper && lower;
}

/**
 * Session tokens are hundreds of base64 characters; the documentation's examples contain EXAMPLE.
 * Mixed case rules out hex dumps and upper-case constants of the same length.
 */
export function judgeSessionToken(value: string): Verdict {
  if (value.includes(EXAMPLE_MARKER)) return 'example';
  if (!hasBothCases(value)) return 'placeholder';
  if (entropyBitsPerChar(value) < MIN_SECRET_ENTROPY) return 'placeholder';
  return 'credential';
}
