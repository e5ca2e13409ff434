import { crc32, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { Sandbox } from '../support/sandbox.js';

/**
 * Compressed and container files, through the real pre-commit hook: their members are expanded and
 * scanned, findings name their place, and what cannot be expanded stops the commit (exit 2).
 * The archives are built here, byte by byte, with fresh keys.
 */

let repo: Sandbox;
afterEach(() => repo?.remove());

function zip(members: [string, Buffer | string][], options: { encrypted?: boolean; stored?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of members) {
    const data = Buffer.from(content);
    const body = options.stored ? data : deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(options.encrypted ? 1 : 0, 6);
    local.writeUInt16LE(options.stored ? 0 : 8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(options.encrypted ? 1 : 0, 8);
    entry.writeUInt16LE(options.stored ? 0 : 8, 10);
    entry.writeUInt32LE(crc32(data), 16);
    entry.writeUInt32LE(body.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function tar(members: [string, string | Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, text] of members) {
    const content = Buffer.from(text);
    const header = Buffer.alloc(512);
    header.write(name, 0);
    header.write('0000644\0', 100);
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('0', 156);
    header.write('ustar\0' + '00', 257);
    const data = Buffer.alloc(Math.ceil(content.length / 512) * 512);
    content.copy(data);
    parts.push(header, data);
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

function png(chunks: [string, Buffer][]): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, 'latin1');
    body.copy(out, 8);
    out.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), body])), 8 + body.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), ...chunks.map(([t, b]) => chunk(t, b)), chunk('IEND', Buffer.alloc(0))]);
}

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
