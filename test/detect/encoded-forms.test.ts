import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanText, type Detection } from '../../src/detect/index.js';
import { prefilterPattern } from '../../src/detect/anchors.js';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';

/**
 * Keys written in forms the plain scan cannot see: hex, escapes of every character, concatenated
 * string literals, narrow base64, gzip inside base64. Each case generates fresh keys, expects the
 * exact pair and nothing else, and checks that the hook's prefilter passes the line of each finding.
 */

const hex = (s: string) => Buffer.from(s).toString('hex');
const each = (s: string, f: (c: number) => string) => [...Buffer.from(s)].map(f).join('');
const two = (c: number) => c.toString(16).padStart(2, '0');
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

function check(text: string, id: string, secret: string | undefined, encoding: string, encodings?: string[]): Detection[] {
  const found = scanText(text);
  const expected = [['access-key-id', id], ...(secret ? [['secret-access-key', secret]] : [])];
  expect(found.map((d) => [d.kind, d.value]).sort(), text.slice(0, 300)).toEqual(expected.sort());
  for (const d of found) {
    expect(d.encoding).toBe(encoding);
    expect(d.encodings).toEqual(encodings);
  }
  const lines = text.split('\n');
  const prefilter = new RegExp(prefilterPattern());
  for (const d of found) expect(prefilter.test(lines[d.line - 1]!), lines[d.line - 1]).toBe(true);
  return found;
}

describe('keys in the forms people write them', () => {
  const credentials = (id: string, secret: string) => `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`;

  it.each([
    ['hex, lower case', (t: string) => `${hex(t)}\n`, 'hex'],
    ['hex, upper case', (t: string) => `${hex(t).toUpperCase()}\n`, 'hex'],
    ['hex wrapped at 60 columns (xxd -p)', (t: string) => `${hex(t).replace(/.{60}/g, '$&\n')}\n`, 'hex'],
    ['hex bytes with spaces', (t: string) => `dump: ${hex(t).replace(/(..)(?=.)/g, '$1 ')}\n`, 'hex'],
    ['\\x escapes', (t: string) => `s = "${each(t, (c) => `\\x${two(c)}`)}"\n`, 'hex'],
    ['a C byte array', (t: string) => `static const unsigned char k[] = {${each(t, (c) => `0x${two(c)}`).replace(/(0x..)(?=0x)/g, '$1, ')}};\n`, 'hex'],
    ['xxd -i output', (t: string) => `unsigned char c[] = {\n  ${each(t, (c) => `0x${two(c)}, `).replace(/((0x.., ){12})/g, '$1\n  ')}\n};\n`, 'hex'],
    ['\\u escapes (JSON, JavaScript)', (t: string) => `{"k": "${each(t, (c) => `\\u00${two(c)}`)}"}\n`, 'unicode-escaped'],
    ['percent-encoding', (t: string) => `https://example.com/?q=${each(t, (c) => `%${two(c).toUpperCase()}`)}\n`, 'url-encoded'],
    ['decimal HTML entities', (t: string) => `<p>${each(t, (c) => `&#${c};`)}</p>\n`, 'html-escaped'],
    ['hex HTML entities', (t: string) => `<p>${each(t, (c) => `&#x${c.toString(16)};`)}</p>\n`, 'html-escaped'],
  ])('the whole credentials file as %s', (_name, encode, encoding) => {
    const id = freshKeyId();
    const secret = freshSecret();
    check(encode(credentials(id, secret)), id, secret, encoding);
  });

  it('a key ID alone, hex-encoded, with no name near it', () => {
    const id = freshKeyId();
    check(`const k = "${hex(id)}";\n`, id, undefined, 'hex');
    const asia = freshKeyId('ASIA');
    check(`${hex(asia).toUpperCase()}\n`, asia, undefined, 'hex');
  });

  it('a secret in hex, next to its name', () => {
    const id = freshKeyId();
    const secret = freshSecret();
    check(`aws_access_key_id = ${hex(id)}\naws_secret_access_key = ${hex(secret)}\n`, id, secret, 'hex');
  });

  it('a secret with its / and + written as HTML character references', () => {
    let secret = freshSecret();
    while (!/[/+]/.test(secret)) secret = freshSecret();
    const id = freshKeyId();
    const found = scanText(`<td>${id}</td><td>${secret.replace(/\//g, '&#x2F;').replace(/\+/g, '&plus;')}</td>\n`);
    expect(found.map((d) => [d.kind, d.value, d.encoding])).toEqual([
      ['access-key-id', id, 'plain'],
      ['secret-access-key', secret, 'html-escaped'],
    ]);
  });

  it.each([
    ['JavaScript +', (id: string, s: string) => `const id = '${id.slice(0, 4)}' + '${id.slice(4)}';\nconst secret = "aws_secret_access_key=${s.slice(0, 20)}" + "${s.slice(20)}";\n`],
    ['Java/C#/Go + over lines', (id: string, s: string) => `String id = "${id.slice(0, 9)}"\n    + "${id.slice(9)}";\nString awsSecretKey = "${s.slice(0, 13)}" +\n    "${s.slice(13, 30)}" + "${s.slice(30)}";\n`],
    ['Python implicit concatenation', (id: string, s: string) => `key = ("${id.slice(0, 10)}"\n       "${id.slice(10)}")\naws_secret_access_key = ("${s.slice(0, 25)}"\n    "${s.slice(25)}")\n`],
    ['+=', (id: string, s: string) => `k = "${id.slice(0, 8)}"\nk += "${id.slice(8)}"\naws_secret_access_key = "${s.slice(0, 20)}"\naws_secret_access_key += "${s.slice(20)}"\n`],
    ['"".join([...])', (id: string, s: string) => `k = "".join(["${id.slice(0, 5)}", "${id.slice(5, 12)}", "${id.slice(12)}"])\naws_secret_access_key = "".join(["${s.slice(0, 20)}", "${s.slice(20)}"])\n`],
    ['a key ID cut inside its prefix, below a secret-key name', (id: string, s: string) => `aws_secret_access_key = "${s}"\naws_access_key_id = "${id.slice(0, 2)}" + "${id.slice(2)}"\n`],
  ])('a key split across string literals: %s', (_name, write) => {
    const id = freshKeyId();
    const secret = freshSecret();
    const found = scanText(write(id, secret));
    expect(found.map((d) => [d.kind, d.value]).sort()).toEqual([
      ['access-key-id', id],
      ['secret-access-key', secret],
    ]);
    expect(found.find((d) => d.kind === 'access-key-id')!.encoding).toBe('concatenated');
  });

  it('literals joined only where the joined value is a key: lists of strings stay quiet', () => {
    const id = freshKeyId();
    const text = `const codes = ["AKIA", "${id.slice(4, 12)}", "ZZ"];\nconst parts = ["${id.slice(0, 10)}", "-", "${id.slice(10)}x"];\nconst words = "${freshSecret().slice(0, 20)}" + "${freshSecret().slice(0, 20)}";\n`;
    expect(scanText(text)).toEqual([]);
  });

  it.each([16, 20, 24, 32, 36])('base64 wrapped at %i columns', (width) => {
    const id = freshKeyId();
    const secret = freshSecret();
    const text = `${b64(credentials(id, secret)).replace(new RegExp(`.{${width}}`, 'g'), '$&\n')}\n`;
    check(text, id, secret, 'base64');
  });

  it('gzip inside base64, and the Helm release form: base64 of base64 of gzipped JSON', () => {
    const id = freshKeyId();
    const secret = freshSecret();
    check(`blob: ${b64(gzipSync(credentials(id, secret)))}\n`, id, secret, 'base64', ['base64', 'gzip']);
    const release = b64(gzipSync(JSON.stringify({ name: 'app', config: { aws: credentials(id, secret) } })));
    const found = check(`apiVersion: v1\nkind: Secret\ntype: helm.sh/release.v1\ndata:\n  release: ${b64(release)}\n`, id, secret, 'base64', ['base64', 'base64', 'gzip']);
    expect(found.map((d) => d.line)).toEqual([5, 5]);
  });

  it('base64 of base64, wrapped as base64 writes it, is decoded twice', () => {
    const id = freshKeyId();
    const secret = freshSecret();
    check(`${b64(b64(credentials(id, secret))).replace(/.{76}/g, '$&\n')}\n`, id, secret, 'base64', ['base64', 'base64']);
  });
});
