import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { Sandbox } from '../support/sandbox.js';

/**
 * Each encoded form, committed through the real hook (the launcher with its grep prefilter, then
 * keyguard): the commit is blocked and the report names the encoding. Keys are generated per run.
 */

let repo: Sandbox;
afterEach(() => repo?.remove());

const hex = (s: string) => Buffer.from(s).toString('hex');
const each = (s: string, f: (c: number) => string) => [...Buffer.from(s)].map(f).join('');
const two = (c: number) => c.toString(16).padStart(2, '0');
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

const SHAPES: [string, string, (id: string, secret: string) => string, string][] = [
  ['hex', 'creds.hex', (id, s) => `${hex(`[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${s}\n`).replace(/.{60}/g, '$&\n')}\n`, 'hex'],
  ['\\x escapes', 'key.py', (id, s) => `ID = "${each(id, (c) => `\\x${two(c)}`)}"\nSECRET = "${each(`aws_secret_access_key=${s}`, (c) => `\\x${two(c)}`)}"\n`, 'hex'],
  ['a C byte array', 'key.c', (id) => `static const char k[] = {${each(id, (c) => `0x${two(c)}`).replace(/(0x..)(?=0x)/g, '$1, ')}};\n`, 'hex'],
  ['\\u escapes', 'config.json', (id, s) => `{"AccessKeyId": "${each(id, (c) => `\\u00${two(c)}`)}", "SecretAccessKey": "${each(s, (c) => `\\u00${two(c)}`)}"}\n`, 'unicode-escaped'],
  ['percent-encoding', 'link.txt', (id) => `https://example.com/setup?k=${each(id, (c) => `%${two(c).toUpperCase()}`)}\n`, 'url-encoded'],
  ['HTML entities', 'page.html', (id, s) => `<p>${each(id, (c) => `&#${c};`)} ${each(`aws_secret_access_key ${s}`, (c) => `&#x${c.toString(16)};`)}</p>\n`, 'html-escaped'],
  ['joined literals', 'keys.js', (id, s) => `const id = "${id.slice(0, 6)}" +\n  "${id.slice(6)}";\nconst awsSecretKey = "${s.slice(0, 20)}" + "${s.slice(20)}";\n`, 'concatenated'],
  ['Python implicit concatenation', 'keys.py', (id) => `KEY = ("${id.slice(0, 10)}"\n       "${id.slice(10)}")\n`, 'concatenated'],
  ['base64 wrapped at 20 columns', 'creds.b64', (id, s) => `${b64(`[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${s}\n`).replace(/.{20}/g, '$&\n')}\n`, 'base64'],
  [
    'a Helm release Secret (base64 of base64 of gzip)',
    'release.yaml',
    (id, s) => `apiVersion: v1\nkind: Secret\ntype: helm.sh/release.v1\ndata:\n  release: ${b64(b64(gzipSync(JSON.stringify({ config: { env: `AWS_ACCESS_KEY_ID=${id}\nAWS_SECRET_ACCESS_KEY=${s}` } }))))}\n`,
    'base64',
  ],
];

describe('encoded keys, through the real pre-commit hook', () => {
  it.each(SHAPES)('%s is blocked', (_name, path, write, encoding) => {
    repo = Sandbox.create();
    repo.installHook();
    repo.write('README.md', 'start\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'init');
    const id = freshKeyId();
    repo.write(path, write(id, freshSecret())).gitOk('add', path);
    const result = repo.git('commit', '-m', 'add');
    expect(result.status, result.stderr).toBe(1);
    expect(repo.commitCount()).toBe(1);
    expect(result.stderr).toContain(`(${encoding}`);
    expect(result.stderr).toContain(`${id.slice(0, 4)}...${id.slice(-2)}`);
    expect(result.stderr).not.toContain(id);
  });

  it('look-alikes in the same forms commit cleanly: hashes, UUIDs, escaped prose', () => {
    repo = Sandbox.create();
    repo.installHook();
    repo.write('README.md', 'start\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'init');
    repo.write('hashes.txt', `sha256 ${hex('not a key at all, just a sentence that is long')}\nuuid ${crypto.randomUUID()}\n`);
    repo.write('escaped.json', `{"greeting": "${each('Hello, world! This is plain text.', (c) => `\\u00${two(c)}`)}"}\n`);
    repo.write('joined.js', `const url = "https://" + "example.com" + "/path";\nconst parts = ["AK", "IA", "x"].join("-");\n`);
    repo.gitOk('add', '.');
    const result = repo.git('commit', '-m', 'look-alikes');
    expect(result.status, result.stderr).toBe(0);
  });
});
