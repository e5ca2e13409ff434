import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { crc32, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { pdf, png, tar, zip } from '../support/archives.js';
import { Sandbox } from '../support/sandbox.js';

/**
 * Compressed and container files, through the real pre-commit hook: their members are expanded and
 * scanned, findings name their place, and what cannot be expanded stops the commit (exit 2).
 * The archives are built here, byte by byte, with fresh keys.
 */

let repo: Sandbox;
afterEach(() => repo?.remove());

const credentials = (id: string, secret: string) => `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`;

function started(): Sandbox {
  repo = Sandbox.create();
  repo.installHook();
  repo.write('README.md', 'start\n').gitOk('add', '.');
  repo.gitOk('commit', '-m', 'init');
  return repo;
}

function commit(): { status: number | null; stderr: string } {
  const result = repo.git('commit', '-m', 'add');
  return { status: result.status, stderr: result.stderr };
}

describe('containers, through the real hook', () => {
  it.each([
    ['a .gz file', 'creds.gz', (c: string) => gzipSync(c), ['(gzip content)']],
    ['a .tgz member', 'backup.tgz', (c: string) => gzipSync(tar([['notes.txt', 'hello\n'], ['home/.aws/credentials', c]])), ['home/.aws/credentials']],
    ['a .zip member', 'keys.zip', (c: string) => zip([['a.txt', 'nothing'], ['config/credentials', c]]), ['config/credentials']],
    ['a stored .jar member', 'app.jar', (c: string) => zip([['META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\n'], ['app.properties', c]], { stored: true }), ['app.properties']],
    [
      'an .xlsx shared-strings table',
      'team.xlsx',
      (c: string) => zip([['[Content_Types].xml', '<Types/>'], ['xl/sharedStrings.xml', `<sst><si><t>${c.replace(/\n/g, '</t></si>\n<si><t>')}</t></si></sst>`]]),
      ['xl/sharedStrings.xml'],
    ],
    ['a zip inside a .tgz', 'nested.tgz', (c: string) => gzipSync(tar([['dist/bundle.zip', zip([['creds.ini', c]])]])), ['dist/bundle.zip', 'creds.ini']],
    ['a PNG zTXt chunk', 'chart.png', (c: string) => png([['zTXt', Buffer.concat([Buffer.from('Comment\0\0'), deflateSync(c)])]]), ['zTXt Comment']],
    ['a PNG compressed iTXt chunk', 'logo.png', (c: string) => png([['iTXt', Buffer.concat([Buffer.from('Description\0\x01\0en\0\0'), deflateSync(c)])]]), ['iTXt Description']],
  ])('%s: blocked, and the finding names its place', (_name, path, make, within) => {
    started();
    const id = freshKeyId();
    repo.write(path, make(credentials(id, freshSecret()))).gitOk('add', path);
    const json = repo.findings();
    expect(json.findings.map((f) => [f.path, f.kind, (f as { within?: string[] }).within, f.line])).toEqual([
      [path, 'access-key-id', within, 2],
      [path, 'secret-access-key', within, 3],
    ]);
    const result = commit();
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain(`${within.join(' > ')}:2:`);
    expect(result.stderr).not.toContain(id);
  });

  it('a modified archive reports only the credential that is new in it', () => {
    started();
    const old = freshKeyId();
    repo.write('data.zip', zip([['old.txt', `key ${old}\n`]])).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'before keyguard');
    repo.write('data.zip', zip([['old.txt', `key ${old}\n`], ['readme.txt', 'more\n']])).gitOk('add', '.');
    expect(repo.findings().findings).toEqual([]);
    const added = freshKeyId();
    repo.write('data.zip', zip([['old.txt', `key ${old}\n`], ['new.txt', `key ${added}\n`]])).gitOk('add', '.');
    expect(repo.findings().findings.map((f) => f.redacted)).toEqual([`${added.slice(0, 4)}...${added.slice(-2)}`]);
  });

  it.each([
    ['a member that inflates past 256 MB', 'bomb.zip', () => zip([['zeros.bin', Buffer.alloc(257 * 1024 * 1024)]]), /expands to more than 256 MB/],
    ['archives nested four deep', 'deep.zip', () => zip([['1.zip', zip([['2.zip', zip([['3.zip', zip([['k.txt', 'x']])]])]])]]), /nests containers more than 3 deep/],
    ['an encrypted member', 'locked.zip', () => zip([['secret.txt', 'x']], { encrypted: true }), /is encrypted/],
  ])('%s stops the commit with a clear message (exit 2)', (_name, path, make, message) => {
    started();
    repo.write(path, make()).gitOk('add', path);
    expect(repo.keyguard(['check']).status).toBe(2);
    const result = commit(); // git says 1 for any failing hook
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain(path);
    expect(result.stderr).toContain('ignorePaths');
    expect(repo.commitCount()).toBe(1);
  });
});

/** Runs the real tar in the repository (names only in its arguments; the keys are in the files). */
function realTar(args: string[]): void {
  execFileSync('tar', args, { cwd: repo.dir, stdio: 'pipe' });
}

/** Whether git diffs these bytes as text (no NUL in the first 8000): the hook's prefilter then sees them. */
const gitSeesText = (bytes: Buffer): boolean => !bytes.subarray(0, 8000).includes(0);

/** deflate/zlib output with no NUL byte (so git calls the file text), found by varying a padding line. */
function nulFree(make: (text: string) => Buffer, content: string): Buffer {
  for (let i = 0; i < 100000; i++) {
    const out = make(`# ${randomBytes(1 + (i % 97)).toString('hex')}\n${content}`);
    if (gitSeesText(out)) return out;
  }
  throw new Error('no NUL-free stream found');
}

/** What the staged file holds, as keyguard check --format json reports it. */
function placesFound(): [string, string, string[] | undefined, number | undefined][] {
  return repo.findings().findings.map((f) => [f.path, f.kind, (f as { within?: string[] }).within, f.line]);
}

function expectBlocked(path: string, within: string[], id: string, line = 2): void {
  const result = commit();
  expect(result.status, result.stderr).toBe(1);
  expect(result.stderr).toContain(path);
  expect(result.stderr).toContain(`${within.join(' > ')}:${line}:`);
  expect(result.stderr).not.toContain(id);
  expect(repo.commitCount()).toBe(1);
}

describe('tar archives, through the real hook', () => {
  it.each(['gnu', 'pax', 'ustar'])('%s: a .tar.gz inside a .tar (a docker image layer) is opened, members named', (format) => {
    started();
    const id = freshKeyId();
    repo.write('credentials', credentials(id, freshSecret()));
    realTar([`--format=${format}`, '-czf', 'layer.tar.gz', 'credentials']);
    realTar([`--format=${format}`, '-cf', 'image.tar', 'layer.tar.gz']);
    execFileSync('rm', ['credentials', 'layer.tar.gz'], { cwd: repo.dir });
    repo.gitOk('add', 'image.tar');
    expect(placesFound()).toEqual([
      ['image.tar', 'access-key-id', ['layer.tar.gz', 'credentials'], 2],
      ['image.tar', 'secret-access-key', ['layer.tar.gz', 'credentials'], 3],
    ]);
    expectBlocked('image.tar', ['layer.tar.gz', 'credentials'], id);
  });

  it.each(['gnu', 'pax'])('%s: a member with a name longer than 100 characters keeps its whole name', (format) => {
    started();
    const id = freshKeyId();
    const deep = `${'very-long-folder-name/'.repeat(6)}config`;
    repo.write(`${deep}/credentials`, credentials(id, freshSecret()));
    realTar([`--format=${format}`, '-cf', 'release.tar', 'very-long-folder-name']);
    execFileSync('rm', ['-r', 'very-long-folder-name'], { cwd: repo.dir });
    repo.gitOk('add', 'release.tar');
    const within = [`${deep}/credentials`];
    expect(placesFound()).toEqual([
      ['release.tar', 'access-key-id', within, 2],
      ['release.tar', 'secret-access-key', within, 3],
    ]);
    expectBlocked('release.tar', within, id);
  });

  it('a zip inside a plain tar, named by magic bytes not by name (a file called layer with no extension)', () => {
    started();
    const id = freshKeyId();
    repo.write('inner.zip', zip([['readme.txt', 'hello\n'], ['conf/creds.ini', credentials(id, freshSecret())]]));
    realTar(['-cf', 'zips.tar', 'inner.zip']);
    execFileSync('mv', ['zips.tar', 'layer'], { cwd: repo.dir });
    execFileSync('rm', ['inner.zip'], { cwd: repo.dir });
    repo.gitOk('add', 'layer');
    expect(placesFound()).toEqual([
      ['layer', 'access-key-id', ['inner.zip', 'conf/creds.ini'], 2],
      ['layer', 'secret-access-key', ['inner.zip', 'conf/creds.ini'], 3],
    ]);
    expectBlocked('layer', ['inner.zip', 'conf/creds.ini'], id);
  });

  it('a plain member is reported once, in its member, even past 8 MB of other members (a scan piece boundary)', () => {
    started();
    const id = freshKeyId();
    const filler = Buffer.alloc(9 * 1024 * 1024, 'filler line\n');
    repo.write('plain.tar', tar([['big.log', filler], ['etc/app/credentials', credentials(id, freshSecret())]]));
    repo.gitOk('add', 'plain.tar');
    expect(placesFound()).toEqual([
      ['plain.tar', 'access-key-id', ['etc/app/credentials'], 2],
      ['plain.tar', 'secret-access-key', ['etc/app/credentials'], 3],
    ]);
    expectBlocked('plain.tar', ['etc/app/credentials'], id);
  });

  it('a docker save image (manifest, layer tars under blobs/sha256) is opened, also by check --all after a --no-verify commit', () => {
    started();
    const id = freshKeyId();
    const layer = tar([['etc/', ''], ['root/.aws/credentials', credentials(id, freshSecret())]]);
    const digest = 'a'.repeat(64);
    repo.write('app-image.tar', tar([['manifest.json', `[{"Layers":["blobs/sha256/${digest}"]}]`], [`blobs/sha256/${digest}`, gzipSync(layer)]]));
    repo.gitOk('add', '.');
    const within = [`blobs/sha256/${digest}`, 'root/.aws/credentials'];
    expectBlocked('app-image.tar', within, id);
    repo.gitOk('commit', '--no-verify', '-m', 'bypassed');
    const all = repo.keyguard(['check', '--all']);
    expect(all.status, all.stderr).toBe(1);
    expect(all.stderr).toContain('app-image.tar');
    expect(all.stderr).toContain('root/.aws/credentials:2');
  });
});

describe('zlib streams, through the real hook', () => {
  it.each([
    ['a whole file that is a zlib stream', 'x.bin', (c: string) => deflateSync(c), ['(zlib content)'], 2],
    ['a git loose object', 'objects/ab/cdef', (c: string) => deflateSync(`blob ${c.length}\0${c}`), ['(zlib content)'], 2],
    ['a PDF /FlateDecode stream', 'report.pdf', (c: string) => pdf([deflateSync('BT /F1 12 Tf (hello) Tj ET'), deflateSync(c)]), ['obj 5 0'], 2],
    ['a PDF stream with CRLF lines, a filter name written with #-escapes, junk before the header', 'scan.pdf', (c: string) => pdf([deflateSync(c)], { newline: '\r\n', filter: '[/Flat#65Decode]', lead: 'junk\n' }), ['obj 4 0'], 2],
    ['a zip inside a PDF stream (an attachment)', 'attach.pdf', (c: string) => pdf([deflateSync(zip([['creds.ini', c]]))]), ['obj 4 0', 'creds.ini'], 2],
    ['a PDF stream behind ASCII85 ([/ASCII85Decode /FlateDecode])', 'a85.pdf', (c: string) => pdf([ascii85(deflateSync(c))], { filter: '[/ASCII85Decode /FlateDecode]' }), ['obj 4 0'], 2],
    ['a PDF stream behind ASCIIHex ([/AHx /FlateDecode])', 'ahx.pdf', (c: string) => pdf([Buffer.from(`${deflateSync(c).toString('hex').replace(/.{64}/g, '$&\n')}>`)], { filter: '[/AHx /FlateDecode]' }), ['obj 4 0'], 2],
    ['a PDF stream in ASCII85 alone', 'plain85.pdf', (c: string) => pdf([ascii85(Buffer.from(c))], { filter: '/ASCII85Decode' }), ['obj 4 0'], 2],
  ])('%s: blocked, and the finding names its place', (_name, path, make, within, line) => {
    started();
    const id = freshKeyId();
    repo.write(path, make(credentials(id, freshSecret()))).gitOk('add', path);
    expect(placesFound()).toEqual([
      [path, 'access-key-id', within, line],
      [path, 'secret-access-key', within, line + 1],
    ]);
    expectBlocked(path, within, id, line);
  });

  it.each([
    ['a zlib file', 'z.bin', (c: string) => nulFree((t) => deflateSync(t, { level: 1 }), c)],
    ['a PDF', 'small.pdf', (c: string) => pdf([nulFree((t) => deflateSync(t, { level: 1 }), c)])],
    // gzip's trailer (the size) always has NULs: an 8 KB extra field puts them past what git looks at
    ['a gzip file (an 8 KB extra field in front of the NULs of its header and trailer)', 'small.gz', (c: string) => Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 4, 1, 1, 1, 1, 2, 3, 0x20, 0x20]), Buffer.alloc(0x2020, '.'), gzipBody(c)])],
  ])('%s with no NUL in its first 8000 bytes (git diffs it as text, so the hook prefilter sees it) is still opened', (_name, path, make) => {
    started();
    const id = freshKeyId();
    const bytes = make(credentials(id, freshSecret()));
    expect(gitSeesText(bytes)).toBe(true);
    repo.write(path, bytes).gitOk('add', path);
    const result = commit();
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain(path);
    expect(repo.commitCount()).toBe(1);
  });

  it('text that only starts like a zlib header (x^2) is committed; a damaged zlib file stops the commit (exit 2)', () => {
    started();
    repo.write('formula.txt', 'x^2 + y^2 = r^2\n').gitOk('add', '.');
    expect(commit().status).toBe(0);
    repo.write('broken.z', Buffer.concat([Buffer.from([0x78, 0x9c]), randomBytes(200)])).gitOk('add', '.');
    expect(repo.keyguard(['check']).status).toBe(2);
    const result = commit();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/broken\.z > \(zlib content\) is damaged/);
    expect(repo.commitCount()).toBe(2);
  });

  it.each([
    ['a zlib file', 'bomb.z', () => deflateSync(Buffer.alloc(257 * 1024 * 1024))],
    ['a PDF stream', 'bomb.pdf', () => pdf([deflateSync(Buffer.alloc(257 * 1024 * 1024))])],
  ])('%s that inflates past 256 MB stops the commit with a clear message (exit 2)', (_name, path, make) => {
    started();
    repo.write(path, make()).gitOk('add', path);
    expect(repo.keyguard(['check']).status).toBe(2);
    const result = commit();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/expands to more than 256 MB/);
    expect(result.stderr).toContain(path);
    expect(repo.commitCount()).toBe(1);
  });
});

describe('names inside archives, through the real hook', () => {
  it('a key ID as a member\'s name (in a .tgz, and in a zip inside a zip) blocks the commit, redacted', () => {
    started();
    const id = freshKeyId();
    repo.write('keys.tgz', gzipSync(tar([[`keys/${id}.json`, '{}\n']]))).gitOk('add', 'keys.tgz');
    const result = commit();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`(file name) keys/${id.slice(0, 4)}...${id.slice(-2)}.json`);
    expect(result.stderr).not.toContain(id);
    repo.gitOk('reset', '--quiet');
    const other = freshKeyId();
    repo.write('outer.zip', zip([['inner.zip', zip([[`${other}.txt`, 'x\n']])]])).gitOk('add', 'outer.zip');
    expect(commit().status).toBe(1);
    expect(repo.commitCount()).toBe(1);
  });
});

describe('compression keyguard cannot undo, through the real hook', () => {
  it.each([
    ['xz', 'backup.tar.xz', ['xz', '-c']],
    ['bzip2', 'backup.tar.bz2', ['bzip2', '-c']],
    ['zstd', 'backup.tar.zst', ['zstd', '-q', '-c']],
    ['lzma', 'backup.lzma', ['xz', '--format=lzma', '-c']],
  ])('a %s file stops the commit (exit 2) and says so: it is never passed as clean', (kind, path, command) => {
    const [tool, ...args] = command as [string, ...string[]];
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) {
      console.log(`skipped: ${tool} is not installed (apt-get install -y xz-utils bzip2 zstd)`);
      return;
    }
    started();
    const compressed = execFileSync(tool, args, { input: credentials(freshKeyId(), freshSecret()) });
    repo.write(path, compressed).gitOk('add', path);
    const result = commit();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${path} is compressed with ${kind}, which keyguard cannot decompress`);
    expect(repo.commitCount()).toBe(1);
  });
});

describe('a zip appended to other bytes, through the real hook', () => {
  const elf = () => Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(5000)]);
  it.each([
    ['a self-extracting executable', 'setup.bin', (z: Buffer) => Buffer.concat([elf(), z])],
    ['an executable jar behind its launcher script', 'app.run', (z: Buffer) => Buffer.concat([Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n'), z])],
    ['a PNG with a zip after its end (a polyglot)', 'cat.png', (z: Buffer) => Buffer.concat([png([]), z])],
    ['a zip with bytes in front and a comment', 'bundle.zip', (z: Buffer) => Buffer.concat([randomBytes(70000), withComment(z, 'release 1.2')])],
  ])('%s: blocked, and the finding names its member', (_name, path, make) => {
    started();
    const id = freshKeyId();
    repo.write(path, make(zip([['a.txt', 'nothing\n'], ['config/credentials', credentials(id, freshSecret())]]))).gitOk('add', path);
    expect(placesFound()).toEqual([
      [path, 'access-key-id', ['config/credentials'], 2],
      [path, 'secret-access-key', ['config/credentials'], 3],
    ]);
    expectBlocked(path, ['config/credentials'], id);
  });

  it('a zip appended to a file over 64 MB (not kept whole to expand) stops the commit with a clear message (exit 2)', () => {
    started();
    const big = Buffer.concat([elf(), Buffer.alloc(65 * 1024 * 1024, 1), zip([['creds.ini', credentials(freshKeyId(), freshSecret())]])]);
    repo.write('installer.bin', big).gitOk('add', '.');
    expect(repo.keyguard(['check']).status).toBe(2);
    const result = commit();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/installer\.bin has a zip archive appended after its first \d+ bytes/);
    expect(result.stderr).toContain('ignorePaths');
    expect(repo.commitCount()).toBe(1);
  });

  it('bytes that only look like a zip end record are not an archive: the commit goes through', () => {
    started();
    const fake = Buffer.alloc(22);
    fake.writeUInt32LE(0x06054b50, 0);
    fake.writeUInt16LE(1, 10);
    fake.writeUInt32LE(999999, 12); // a directory larger than the file
    repo.write('data.bin', Buffer.concat([elf(), fake])).gitOk('add', '.');
    expect(commit().status).toBe(0);
  });
});

/** ASCII85 as PDF writes it: groups of five characters, `z` for four zero bytes, ended by `~>`. */
function ascii85(bytes: Buffer): Buffer {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const chunk = Buffer.alloc(4);
    bytes.copy(chunk, 0, i, i + 4);
    const count = Math.min(4, bytes.length - i);
    let value = chunk.readUInt32BE(0);
    if (value === 0 && count === 4) {
      out += 'z';
      continue;
    }
    const digits: string[] = [];
    for (let k = 0; k < 5; k++) {
      digits.unshift(String.fromCharCode(0x21 + (value % 85)));
      value = Math.floor(value / 85);
    }
    out += digits.slice(0, count + 1).join('');
  }
  return Buffer.from(`${out.replace(/.{72}/g, '$&\n')}~>`, 'latin1');
}

function withComment(archive: Buffer, comment: string): Buffer {
  const out = Buffer.concat([archive, Buffer.from(comment)]);
  out.writeUInt16LE(comment.length, archive.length - 2);
  return out;
}

/** A raw deflate body and gzip's trailer (CRC-32, size), to follow a hand-written gzip header. */
function gzipBody(text: string): Buffer {
  const data = Buffer.from(text);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length, 4);
  return Buffer.concat([deflateRawSync(data, { level: 1 }), trailer]);
}
