import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, symlinkSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { Sandbox } from '../support/sandbox.js';

/**
 * Each way a fresh key got into a commit in the last black-box review, tried again through the real
 * `git commit` and its pre-commit hook (the launcher with its grep prefilter, then keyguard).
 */

let repo: Sandbox;
afterEach(() => repo?.remove());

function hooked(): Sandbox {
  repo = Sandbox.create();
  repo.installHook();
  return repo;
}

/** Commits what is staged through the hook; returns git's result and whether HEAD moved. */
function commit(message: string): { status: number | null; stderr: string; committed: boolean } {
  const before = repo.git('rev-parse', '--verify', '--quiet', 'HEAD').stdout.trim();
  const result = repo.git('commit', '-m', message);
  const after = repo.git('rev-parse', '--verify', '--quiet', 'HEAD').stdout.trim();
  return { status: result.status, stderr: result.stderr, committed: before !== after };
}

/** base64 wrapped at 76 columns, as `base64` writes it. */
function wrapped(content: string): string {
  return `${Buffer.from(content).toString('base64').replace(/.{76}/g, '$&\n').replace(/\n$/, '')}\n`;
}

describe('detection holes found by the black-box review, through the real hook', () => {
  it('a secret after line 4,113 (and after 300,000 lines) of a file blocks the commit, as do --all and --history', () => {
    hooked();
    const secret = freshSecret();
    repo.write('app.log', `${'GET /health 200\n'.repeat(4_113)}AWS_SECRET_ACCESS_KEY=${secret}\n`).gitOk('add', '.');
    const blocked = commit('logs');
    expect(blocked.committed).toBe(false);
    expect(blocked.stderr).toContain('secret access key');

    repo.write('dump.sql', `${'INSERT INTO t VALUES (1);\n'.repeat(300_000)}-- aws_secret_access_key: ${freshSecret()}`).gitOk('add', '.');
    expect(repo.findings(['--all']).findings.map((f) => [f.path, f.line]).sort()).toEqual([
      ['app.log', 4_114],
      ['dump.sql', 300_001],
    ]);
    repo.gitOk('commit', '--no-verify', '-m', 'bypassed');
    expect(repo.findings(['--history']).findings.map((f) => f.path).sort()).toEqual(['app.log', 'dump.sql']);
  });

  it('wrapped base64 whose next version adds keys: blocked, each key reported on the lines that hold it', () => {
    hooked();
    const head = `# deploy settings\n${'# '.padEnd(300, '-')}\n[default]\nregion = eu-west-1\noutput = json\n`;
    repo.write('creds.b64', wrapped(head)).gitOk('add', '.');
    expect(commit('settings, encoded').committed).toBe(true);

    const id = freshKeyId();
    const secret = freshSecret();
    repo.write('creds.b64', wrapped(`${head}aws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`)).gitOk('add', '.');
    const result = repo.findings();
    expect(result.status).toBe(1);
    // The keys are encoded after the unchanged first lines: reported where their characters are.
    const keyIdOffset = Buffer.from(head).length + 'aws_access_key_id = '.length;
    expect(result.findings.map((f) => [f.kind, f.encoding])).toEqual([
      ['access-key-id', 'base64'],
      ['secret-access-key', 'base64'],
    ]);
    expect(result.findings[0]!.line).toBe(Math.floor(Math.floor(keyIdOffset / 3) * 4 / 76) + 1);
    expect(result.findings[0]!.line).toBeGreaterThan(1);
    expect(commit('add the key').committed).toBe(false);

    // Committed anyway: a later change that leaves the keys' lines as they are does not report them again.
    repo.gitOk('commit', '--no-verify', '-m', 'bypassed');
    repo.write('creds.b64', `${readFileSync(repo.path('creds.b64'), 'utf8')}${wrapped('# appended, unrelated\n'.repeat(6))}`).gitOk('add', '.');
    expect(repo.findings().findings).toEqual([]);
  });

  it('binary content whose fields are stored back to back (a SQLite row): key ID and secret are both found', () => {
    hooked();
    const id = freshKeyId();
    const secret = freshSecret();
    // The shape of a SQLite record: a header of serial types, then the column values with no separator.
    const row = Buffer.concat([Buffer.from([0x00, 0x00, 0x0d, 0x05, 0x00, 0x21, 0x41, 0x5d, 0x1b]), Buffer.from(`alice${id}${secret}us-east-1`)]);
    repo.write('app.db', Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4000), row, Buffer.alloc(4000)])).gitOk('add', '.');
    const result = repo.findings();
    expect(result.findings.map((f) => [f.kind, f.redacted])).toEqual([
      ['access-key-id', `${id.slice(0, 4)}...${id.slice(-2)}`],
      ['secret-access-key', `${secret.slice(0, 4)}...${secret.slice(-4)}`],
    ]);
    expect(commit('database').committed).toBe(false);
  });

  it('a real SQLite database with a credentials table', (context) => {
    const python = spawnSync('python3', ['-c', 'import sqlite3'], { encoding: 'utf8' });
    if (python.status !== 0) {
      console.log('skipped: python3 with its sqlite3 module is not installed here');
      context.skip();
    }
    hooked();
    const id = freshKeyId();
    const secret = freshSecret();
    const script = [
      'import sqlite3, sys',
      'db = sqlite3.connect(sys.argv[1])',
      'db.execute("create table credentials (profile text, access_key_id text, secret_access_key text, region text)")',
      'db.execute("insert into credentials values (?, ?, ?, ?)", ("default", sys.stdin.readline().strip(), sys.stdin.readline().strip(), "eu-west-1"))',
      'db.commit()',
    ].join('\n');
    // The key goes through stdin, not the command line.
    const made = spawnSync('python3', ['-c', script, repo.path('local.sqlite')], { input: `${id}\n${secret}\n`, encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    repo.gitOk('add', '.');
    expect(repo.findings().findings.map((f) => f.kind).sort()).toEqual(['access-key-id', 'secret-access-key']);
    expect(commit('db').committed).toBe(false);
  });

  it('UTF-32 with a byte-order mark, and UTF-16 without one whose first 8,000 bytes are CJK text', () => {
    hooked();
    const pair = (id: string, secret: string) => `\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`;
    const utf32 = (text: string, littleEndian: boolean) => {
      const out = Buffer.alloc(4 + [...text].length * 4);
      out.writeUInt32LE(0xfeff, 0);
      if (!littleEndian) out.writeUInt32BE(0xfeff, 0);
      [...text].forEach((ch, i) => (littleEndian ? out.writeUInt32LE(ch.codePointAt(0)!, 4 + i * 4) : out.writeUInt32BE(ch.codePointAt(0)!, 4 + i * 4)));
      return out;
    };
    repo.write('le32.txt', utf32(`notes${pair(freshKeyId(), freshSecret())}`, true));
    repo.write('be32.txt', utf32(`notes${pair(freshKeyId(), freshSecret())}`, false));
    const cjk = '中文说明文档，请勿提交密钥。'.repeat(400); // 5,600 characters: 11,200 bytes without a NUL
    repo.write('le16.txt', Buffer.from(`${cjk}${pair(freshKeyId(), freshSecret())}`, 'utf16le'));
    repo.write('be16.txt', Buffer.from(`${cjk}${pair(freshKeyId(), freshSecret())}`, 'utf16le').swap16());
    repo.gitOk('add', '.');
    const found = repo.findings().findings;
    for (const file of ['le32.txt', 'be32.txt', 'le16.txt', 'be16.txt']) {
      expect(found.filter((f) => f.path === file).map((f) => [f.kind, f.line]), file).toEqual([
        ['access-key-id', 2],
        ['secret-access-key', 3],
      ]);
    }
    // Each file alone gets past the prefilter and is blocked.
    for (const file of ['le32.txt', 'be32.txt', 'le16.txt', 'be16.txt']) {
      repo.gitOk('reset', '--quiet');
      repo.gitOk('add', file);
      expect(commit(file).committed, file).toBe(false);
    }
  });

  it('one keyguard:allow in a minified bundle silences the credential next to it, not the whole line', () => {
    hooked();
    const allowed = freshKeyId();
    const other = freshKeyId();
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `var a${i}=function(b){return b*${i}};`).join('');
    repo.write('dist/bundle.min.js', `${filler(800)}var fixture="${allowed}"/* keyguard:allow test fixture */;${filler(3000)}var k="${other}";${filler(800)}`);
    repo.gitOk('add', '.');
    const result = repo.findings(['--verbose']);
    expect(result.findings.map((f) => f.redacted)).toEqual([`${other.slice(0, 4)}...${other.slice(-2)}`]);
    expect(result.stderr).toMatch(/allowed .*bundle\.min\.js:1:\d+ {2}access key ID/);
    expect(commit('bundle').committed).toBe(false);
  });

  it('a large modified file: only what the change adds counts, read in pieces, the same as for a small file', () => {
    hooked();
    const old = freshKeyId();
    const line = 'lorem ipsum dolor sit amet, consectetur adipiscing elit\n';
    const lines = Math.ceil((40 * 1024 * 1024) / line.length);
    // A 40 MB file (five pieces) and a 20 MB single line (longer than a piece), each holding a committed key.
    const big = `${line.repeat(100)}old_key = ${old}\n${line.repeat(lines)}`;
    const giantLine = `${'x=1;'.repeat(5 * 1024 * 1024)}var k="${freshKeyId()}";\n`;
    repo.write('big.log', big).write('bundle.js', `${giantLine}// end\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'before keyguard');

    repo.write('big.log', `${big}tail line\n`).write('bundle.js', `${giantLine}// changed\n`).gitOk('add', '.');
    expect(repo.findings().findings).toEqual([]);
    expect(commit('unrelated changes').committed).toBe(true);

    const added = freshKeyId();
    repo.write('big.log', `${big}tail line\nnew_key = ${added}\n`).gitOk('add', '.');
    expect(repo.findings().findings.map((f) => [f.path, f.line])).toEqual([["big.log", 100 + 1 + lines + 2]]);
  });

  it('gzip in base64 past the first 8 MB (a Helm-style release, and `base64` of a .gz), through the hook and --all', () => {
    hooked();
    const id = freshKeyId();
    const payload = `${randomBytes(7_500_000).toString('base64')}\naws_access_key_id = ${id}\n`;
    const gz = gzipSync(payload, { level: 1 });
    repo.write('release.yaml', `release: ${gz.toString('base64')}\n`).gitOk('add', '.');
    const blocked = commit('release');
    expect(blocked.committed).toBe(false);
    expect(blocked.stderr).toContain('(base64 > gzip)');
    repo.gitOk('reset', '-q');
    repo.write('release.yaml', '').write('payload.gz.b64', `${gz.toString('base64').replace(/.{76}/g, '$&\n')}\n`).gitOk('add', 'payload.gz.b64');
    expect(commit('payload').committed).toBe(false);
    expect(repo.findings(['--all']).findings.map((f) => [f.path, f.kind])).toEqual([['payload.gz.b64', 'access-key-id']]);
  });

  it('a gzip stream in base64 too long to decode whole stops the commit (exit 2) and names the file', () => {
    hooked();
    const gz = gzipSync(randomBytes(38_000_000), { level: 0 }); // 50.7 million characters of base64: past the 48 MiB the decoder takes
    repo.write('blob.yaml', `release: ${gz.toString('base64')}\n`).gitOk('add', '.');
    const blocked = commit('blob');
    expect(blocked.committed).toBe(false);
    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toMatch(/blob.yaml: a base64 gzip stream of .* is too long to decode, so keyguard could not check all of it/);
    expect(blocked.stderr).not.toContain('unexpected error');
  });

  it('a key ID in a file name: the commit, a rename, the push, --all and --history stop it, and no output holds the whole key', () => {
    hooked().installHook(repo.path('.git', 'hooks'), ['pre-push']);
    repo.write('README', 'hello\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'start');
    const id = freshKeyId();
    repo.write(`keys/${id}.json`, '{}\n').gitOk('add', '.');
    const blocked = commit('a key file');
    expect(blocked.committed).toBe(false);
    expect(blocked.stderr).toContain(`(file name) keys/${id.slice(0, 4)}...${id.slice(-2)}.json`);
    expect(blocked.stderr).toContain('rename that file');
    expect(blocked.stderr).not.toContain(id);

    repo.gitOk('mv', `keys/${id}.json`, 'keys/a.json');
    repo.gitOk('commit', '--no-verify', '-m', 'a plain name');
    repo.gitOk('mv', 'keys/a.json', `keys/${id}.json`);
    expect(commit('renamed to a key').committed).toBe(false);

    repo.gitOk('commit', '--no-verify', '-m', 'bypassed');
    const all = repo.keyguard(['check', '--all', '--format', 'json']);
    expect(all.status).toBe(1);
    expect(all.stdout).not.toContain(id);
    expect(repo.findings(['--history']).findings.map((f) => [f.path, f.kind])).toEqual([[`(file name) keys/${id.slice(0, 4)}...${id.slice(-2)}.json`, 'access-key-id']]);
    const remote = Sandbox.bare();
    try {
      repo.gitOk('remote', 'add', 'origin', remote.dir);
      const push = repo.git('push', 'origin', 'main');
      expect(push.status).not.toBe(0);
      expect(push.stderr).not.toContain(id);
      expect(remote.git('rev-parse', '--verify', '--quiet', 'refs/heads/main').stdout.trim()).toBe('');
    } finally {
      remote.remove();
    }
  });

  it('a key written as a symlink\'s target: the commit through the hook and --history stop it', () => {
    hooked();
    const id = freshKeyId();
    symlinkSync(`${id}:${freshSecret()}`, repo.path('pair'));
    repo.gitOk('add', 'pair');
    const blocked = commit('a link');
    expect(blocked.committed).toBe(false);
    expect(blocked.stderr).toContain('pair');
    expect(blocked.stderr).not.toContain(id);
    repo.gitOk('commit', '--no-verify', '-m', 'bypassed');
    expect(repo.findings(['--history']).findings.map((f) => [f.path, f.kind]).sort()).toEqual([
      ['pair', 'access-key-id'],
      ['pair', 'secret-access-key'],
    ]);
  });
});
