import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanText } from '../../src/detect/index.js';
import { judgeKeyIdBody, judgeSecret } from '../../src/detect/plausibility.js';
import { BASE32_ALPHABET, SECRET_ALPHABET } from '../../src/fake-keys.js';

/** Property-based tests: generated keys in generated contexts, and generated near-misses. */

const base32Char = fc.constantFrom(...BASE32_ALPHABET);
const secretChar = fc.constantFrom(...SECRET_ALPHABET);

const prefix = fc.constantFrom('AKIA', 'ASIA', 'ABIA', 'ACCA');
const keyId = fc
  .tuple(prefix, fc.array(base32Char, { minLength: 16, maxLength: 16 }))
  .map(([p, body]) => p + body.join(''))
  .filter((id) => judgeKeyIdBody(id.slice(4)) === 'credential');
const secret = fc
  .array(secretChar, { minLength: 40, maxLength: 40 })
  .map((chars) => chars.join(''))
  .filter((value) => judgeSecret(value) === 'credential');

/**
 * Filler text: lower-case prose and punctuation. It cannot hold a key ID (no upper case) nor a
 * secret (a secret needs both cases), so any finding must be the planted one.
 */
const fillerLine = fc.stringMatching(/^[a-z0-9 ,.;:#()[\]{}<>!?'"-]{0,60}$/);
const filler = fc.array(fillerLine, { maxLength: 6 });

/** How a value is written: name, separator, quoting. */
const keyIdName = fc.constantFrom('aws_access_key_id', 'AWS_ACCESS_KEY_ID', 'AccessKeyId', 'accessKeyId', 'access_key', 'key', 'id', '');
const secretName = fc.constantFrom('aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY', 'SecretAccessKey', 'secretAccessKey', 'secret_key', 'aws-secret-key', 'Secret access key');
const separator = fc.constantFrom(' = ', '=', ': ', ':', ' => ', '\t', ', ', ' ');
const quote = fc.constantFrom('', '"', "'", '`');
const eol = fc.constantFrom('\n', '\r\n');

function assignment(name: string, sep: string, q: string, value: string): { line: string; column: number } {
  const head = name ? `${name}${sep}${q}` : `${q}`;
  return { line: `${head}${value}${q}`, column: head.length + 1 };
}

describe('detector properties', () => {
  it('finds a generated key ID in a generated context, at its exact line and column', () => {
    fc.assert(
      fc.property(filler, keyId, keyIdName, separator, quote, filler, eol, (before, id, name, sep, q, after, newline) => {
        const { line, column } = assignment(name, sep, q, id);
        const text = [...before, line, ...after].join(newline);
        const found = scanText(text);
        expect(found.map((d) => [d.kind, d.value, d.line, d.column])).toEqual([['access-key-id', id, before.length + 1, column]]);
      }),
      { numRuns: 400 },
    );
  });

  it('finds a generated secret when an AWS name or a key ID vouches for it, and never without', () => {
    fc.assert(
      fc.property(filler, keyId, secret, secretName, separator, quote, fc.integer({ min: 0, max: 4 }), (before, id, value, name, sep, q, gap) => {
        const named = assignment(name, sep, q, value);
        const withName = [...before, named.line].join('\n');
        expect(scanText(withName).map((d) => [d.kind, d.value, d.line, d.column])).toEqual([
          ['secret-access-key', value, before.length + 1, named.column],
        ]);

        const gapLines = Array.from({ length: gap }, () => 'x');
        const withKeyId = [...before, id, ...gapLines, `value${sep}${q}${value}${q}`].join('\n');
        expect(scanText(withKeyId).map((d) => d.value).sort()).toEqual([id, value].sort());

        const unnamed = [...before, `value${sep}${q}${value}${q}`].join('\n');
        expect(scanText(unnamed)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('near-misses are not key IDs: a non-base32 character, a neighbouring letter or digit, a non-credential prefix', () => {
    const nearMiss = fc.oneof(
      // one body character outside base32
      fc.tuple(keyId, fc.integer({ min: 4, max: 19 }), fc.constantFrom(...'01890abcxyz')).map(([id, at, c]) => id.slice(0, at) + c + id.slice(at + 1)),
      // glued to an alphanumeric neighbour
      fc.tuple(keyId, fc.constantFrom(...'A9zQ2'), fc.boolean()).map(([id, c, before]) => (before ? c + id : id + c)),
      // one character short
      keyId.map((id) => id.slice(0, 19)),
      // identifier prefixes that are not credentials
      fc.tuple(fc.constantFrom('AIDA', 'AROA', 'AGPA', 'AIPA', 'ANPA', 'ANVA', 'APKA', 'ASCA'), keyId).map(([p, id]) => p + id.slice(4)),
    );
    fc.assert(
      fc.property(filler, nearMiss, filler, (before, miss, after) => {
        expect(scanText([...before, `key: ${miss}`, ...after].join('\n'))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, and every finding is redacted, fingerprinted and points at its value, on arbitrary text', () => {
    const planted = fc.tuple(keyId, secret).map(([id, value]) => `aws_access_key_id=${id}\naws_secret_access_key=${value}`);
    const text = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), planted, fc.constantFrom('AKIA', 'secret', '\\/', '%2F', '=', 'QUtJQ')), {
      maxLength: 20,
    });
    fc.assert(
      fc.property(text, (parts) => {
        const joined = parts.join('');
        for (const finding of scanText(joined)) {
          expect(finding.redacted).not.toContain(finding.value);
          expect(finding.redacted.length).toBeLessThanOrEqual(11);
          expect(finding.fingerprint).toMatch(/^kg1:[0-9a-f]{32}$/);
          expect(finding.line).toBeGreaterThanOrEqual(1);
          expect(finding.column).toBeGreaterThanOrEqual(1);
          if (finding.encoding === 'plain') expect(joined.startsWith(finding.value, finding.offset)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('an encoded value has the same fingerprint as the plain one', () => {
    fc.assert(
      fc.property(keyId, secret, (id, value) => {
        const plain = scanText(`aws_access_key_id=${id}\naws_secret_access_key=${value}`);
        const encoded = scanText(`aws_access_key_id=${id}\naws_secret_access_key=${encodeURIComponent(value)}`);
        const b64 = scanText(`credentials: ${Buffer.from(`aws_access_key_id=${id}\naws_secret_access_key=${value}`).toString('base64')}`);
        const fingerprints = (found: ReturnType<typeof scanText>) => found.map((d) => d.fingerprint).sort();
        expect(fingerprints(encoded)).toEqual(fingerprints(plain));
        expect(fingerprints(b64)).toEqual(fingerprints(plain));
      }),
      { numRuns: 200 },
    );
  });
});
