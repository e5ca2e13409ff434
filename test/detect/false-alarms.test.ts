import crypto from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scanText } from '../../src/detect/index.js';
import { BASE32_ALPHABET, freshKeyId, freshSecret, randomString } from '../../src/fake-keys.js';

/** What other scanners wrongly report, and what must stay quiet here. */

const id = freshKeyId();
/** Placeholders are assembled at run time, so that no key-shaped literal sits in the repository. */
const placeholder = (body: string) => `AKIA${body}`;
const secret = freshSecret();
const hex40 = () => randomBytes(20).toString('hex');

describe('not credentials', () => {
  it.each([
    ['AWS documentation key pair', '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n'],
    ['the other documentation pair', 'aws_access_key_id=AKIAI44QH8DHBEXAMPLE\naws_secret_access_key=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n'],
    ['X placeholder', `AWS_ACCESS_KEY_ID=${placeholder('X'.repeat(16))}\nAWS_SECRET_ACCESS_KEY=${'X'.repeat(40)}\n`],
    ['template variables', 'AWS_ACCESS_KEY_ID=AKIA${KEY_SUFFIX}\naws_secret_access_key = "${AWS_SECRET_ACCESS_KEY}"\n'],
    ['angle-bracket placeholders', 'aws_access_key_id = <YOUR_ACCESS_KEY_ID>\naws_secret_access_key = <YOUR_SECRET_ACCESS_KEY>\n'],
    ['alphabet placeholder', `aws_access_key_id = ${placeholder('ABCDEFGHIJKLMNOP')}\naws_secret_access_key = abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN\n`],
    ['region-like word', `const REGION = "${['ASIA', 'PACIFIC', 'SOUTHEAST'].join('')}";\n`],
    ['wording placeholder', `aws_access_key_id = ${placeholder('YOURACCESSKEYIDX')}\n`],
    ['git commit SHA next to a secret name', `aws_secret_access_key_commit: ${hex40()}\n`],
    ['git SHAs next to a key ID', `${id.replace(/^AKIA/, 'AIDA')}\n${hex40()}\n${hex40().toUpperCase()}\n`],
    ['account IDs', 'account: 123456789012\narn:aws:iam::123456789012:user/alice\n'],
    ['a generic key = <40 chars> with no AWS context', `key = "${secret}"\ntoken = "${secret}"\n`],
    ['a non-AWS secret name', `client_secret = "${secret}"\nJWT_SECRET=${secret}\n`],
    ['lower-case key ID', `aws_access_key_id = ${id.toLowerCase()}\n`],
    ['a key ID inside a longer word', `X${id}\n${id}7\nthe${id}s\n`],
  ])('%s', (_name, text) => {
    expect(scanText(text)).toEqual([]);
  });

  it('an underscore is a boundary: a key pasted into a snake_case name is still a key', () => {
    expect(scanText(`backup_${id}_2024.csv`).map((d) => d.value)).toEqual([id]);
  });

  it('unique-ID prefixes of users, roles, groups, policies, instance profiles are identifiers, not credentials', () => {
    const body = id.slice(4);
    const text = ['AIDA', 'AROA', 'AGPA', 'AIPA', 'ANPA', 'ANVA', 'APKA', 'ASCA'].map((p) => `"${p}${body}"`).join('\n');
    expect(scanText(text)).toEqual([]);
  });

  it('npm lockfile integrity hashes, go.sum hashes and base64 blobs next to a key ID are not secrets', () => {
    const sha512 = 'sha512-' + createHash('sha512').update(randomBytes(8)).digest('base64');
    const goSum = 'h1:' + createHash('sha256').update(randomBytes(8)).digest('base64');
    const blob = randomBytes(300).toString('base64');
    const text = `"key": "${id}",\n"integrity": "${sha512}",\ngolang.org/x/net v0.1.0 ${goSum}\nimage: data:image/png;base64,${blob}\n`;
    expect(scanText(text).map((d) => d.kind)).toEqual(['access-key-id']);
  });

  it('JWTs and webpack chunk hashes near the word secret are not secrets', () => {
    const segment = (n: number) => randomBytes(n).toString('base64url');
    // Many at once: about 4% of random JWTs hold a 40-character piece between `-`, `_` and `.`.
    for (let round = 0; round < 2000; round++) {
      const jwt = `${segment(20)}.${segment(60)}.${segment(32)}`;
      const text = `aws_secret_hint = "${jwt}"\nmain.${randomBytes(10).toString('hex')}.js\n`;
      expect(scanText(text), text).toEqual([]);
    }
  });

  it('a key ID in a key ID-shaped but non-base32 body (0, 1, 8, 9) is not reported', () => {
    const body = randomString(BASE32_ALPHABET, 15);
    for (const digit of '0189') expect(scanText(`AKIA${body}${digit}`)).toEqual([]);
  });

  it('a jar\'s entry names glued to the next entry\'s signature, next to a class named SecretKeyCallback, are not a secret', () => {
    // The central directory of a real jar (jakarta.authentication-api): names and PK signatures back to back.
    const directory =
      'PK\x01\x02\x14\x00jakarta/security/auth/message/callback/SecretKeyCallback.class' +
      'PK\x01\x02\x14\x00\x00\x00\x08\x00yjakarta/security/auth/message/callback/PK\x01\x02\x14\x00';
    expect(scanText(directory, { binary: true })).toEqual([]);
    // A real secret glued the same way is still found.
    const secret = freshSecret();
    expect(scanText(`\x00\x08SecretAccessKey${secret}\x00\x02`, { binary: true }).map((d) => d.value)).toEqual([secret]);
  });

  it('a 39- or 41-character value is not a secret', () => {
    expect(scanText(`${id}\naws_secret_access_key=${secret.slice(1)}\naws_secret_access_key=${secret}x\n`).map((d) => d.kind)).toEqual(['access-key-id']);
  });

  it('a secret-shaped value far from any AWS evidence is not reported', () => {
    const filler = Array.from({ length: 8 }, (_, i) => `line ${i}`).join('\n');
    expect(scanText(`${id}\n${filler}\nvalue: ${secret}\n`).map((d) => d.kind)).toEqual(['access-key-id']);
  });
});

describe('not credentials, written in hex or with escapes', () => {
  const hexOf = (s: string) => Buffer.from(s).toString('hex');
  const escaped = (s: string, f: (c: number) => string) => [...Buffer.from(s)].map(f).join('');
  const digest = (algorithm: string, n: number) => createHash(algorithm).update(randomBytes(n)).digest('hex');

  it('hex digests of 32 to 64 characters, UUIDs, git SHAs, hex colours, next to key names and key IDs', () => {
    for (let round = 0; round < 200; round++) {
      const text = [
        `aws_secret_access_key_hash = ${digest('sha256', 8)}`,
        `aws_access_key_id_md5: ${digest('md5', 8)}`,
        `${id.replace(/^AKIA/, 'AIDA')} ${digest('sha1', 8)} ${digest('sha512', 8)}`,
        `uuid: ${crypto.randomUUID()} ${crypto.randomUUID().toUpperCase()}`,
        `color: #${randomBytes(3).toString('hex')}; commit ${hex40()}`,
        `secret_key_fingerprint: ${digest('sha1', 4).replace(/../g, '$&:').slice(0, -1)}`,
      ].join('\n');
      expect(scanText(text), text).toEqual([]);
    }
  });

  it('the hex and escaped forms of hashes, SRI strings, lockfile lines, JWTs and UUIDs', () => {
    const segment = (n: number) => randomBytes(n).toString('base64url');
    for (let round = 0; round < 100; round++) {
      const samples = [
        `"integrity": "sha512-${createHash('sha512').update(randomBytes(8)).digest('base64')}"`,
        `<script src="app.js" integrity="sha384-${createHash('sha384').update(randomBytes(8)).digest('base64')}"></script>`,
        `${segment(20)}.${segment(60)}.${segment(32)}`,
        crypto.randomUUID(),
        `resolved "https://registry.yarnpkg.com/x/-/x-1.0.0.tgz#${hex40()}"`,
      ];
      for (const sample of samples) {
        const forms = [
          hexOf(sample),
          hexOf(sample).toUpperCase(),
          escaped(sample, (c) => `\\x${c.toString(16).padStart(2, '0')}`),
          escaped(sample, (c) => `\\u00${c.toString(16).padStart(2, '0')}`),
          escaped(sample, (c) => `%${c.toString(16).padStart(2, '0')}`),
          escaped(sample, (c) => `&#${c};`),
          escaped(sample, (c) => `0x${c.toString(16).padStart(2, '0')}, `),
          Buffer.from(Buffer.from(sample).toString('base64')).toString('base64'),
        ];
        for (const form of forms) expect(scanText(`aws_secret_access_key_digest = "${form}"\n${form}\n`), form).toEqual([]);
      }
    }
  });

  it('a source map and a minified bundle full of escapes, hex literals and joined strings', () => {
    const names = Array.from({ length: 2000 }, (_, i) => `n${i}`);
    const mappings = Array.from({ length: 5000 }, () => randomBytes(6).toString('base64').replace(/[+/=]/g, 'A')).join(';');
    const sourceMap = JSON.stringify({ version: 3, sources: ['src/app.ts'], names, mappings, sourcesContent: ['const \\u0041 = "\\u00e9t\\u00e9";'] });
    const bundle = Array.from(
      { length: 3000 },
      (_, i) => `var a${i}="\\x${(65 + (i % 26)).toString(16)}\\x4b"+"${randomBytes(6).toString('hex')}",b${i}=0x${randomBytes(4).toString('hex')},c${i}=["AK","IA","${i}"].join("");`,
    ).join('');
    expect(scanText(sourceMap)).toEqual([]);
    expect(scanText(bundle)).toEqual([]);
  });
});
