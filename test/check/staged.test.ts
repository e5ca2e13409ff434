import { createHash } from 'node:crypto';
import { readFileSync, rmSync, symlinkSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { Sandbox } from '../support/sandbox.js';

/**
 * What a user does: make a repository, stage something, commit through the real hook, and look at
 * what happened. Every scenario runs against both backends.
 */

const credentials = (id = freshKeyId(), secret = freshSecret()) =>
  `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`;

const backends = ['git', 'isomorphic-git'] as const;

describe.each(backends)('keyguard check on what is staged (%s backend)', (backend) => {
  let repo: Sandbox;
  const make = (init: string[] = []) => {
    repo = Sandbox.create({ env: { KEYGUARD_BACKEND: backend }, init });
    repo.installHook();
    return repo;
  };
  afterEach(() => repo?.remove());

  it('blocks the very first commit when it contains a key pair, and lets a clean one through silently', () => {
    make();
    repo.write('README.md', '# project\n').gitOk('add', '.');
    const clean = repo.git('commit', '-m', 'init');
    expect(clean.status).toBe(0);
    expect(clean.stderr).not.toContain('keyguard');

    const fresh = make();
    fresh.write('notes.md', credentials()).gitOk('add', '.');
    const blocked = fresh.git('commit', '-m', 'notes');
    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toContain('keyguard: commit blocked: 2 AWS credentials in 1 staged file.');
    expect(fresh.hasCommits()).toBe(false);
  });

  it('only added lines count: a key already in HEAD does not block an unrelated change to the same file', () => {
    make();
    repo.write('config.ini', `${credentials()}# end\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'old key, committed before keyguard');

    repo.write('config.ini', `${readFileSync(repo.path('config.ini'), 'utf8')}timeout = 30\n`).gitOk('add', '.');
    expect(repo.git('commit', '-m', 'unrelated').status).toBe(0);

    const id = freshKeyId();
    repo.write('config.ini', `${readFileSync(repo.path('config.ini'), 'utf8')}backup_key = ${id}\n`).gitOk('add', '.');
    const result = repo.findings();
    expect(result.status).toBe(1);
    expect(result.findings.map((f) => [f.kind, f.line])).toEqual([['access-key-id', 6]]);
  });

  it('renames and mode changes add nothing', () => {
    make();
    repo.write('old/name.txt', credentials()).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'before keyguard');
    repo.gitOk('mv', 'old/name.txt', 'new-name.txt');
    expect(repo.git('commit', '-m', 'rename').status).toBe(0);
    chmodSync(repo.path('new-name.txt'), 0o755);
    repo.gitOk('add', 'new-name.txt');
    expect(repo.git('commit', '-m', 'chmod').status).toBe(0);
  });

  it('git commit -a: sees the temporary index git gives the hook', () => {
    make();
    repo.write('app.py', 'print("hi")\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'init');
    repo.write('app.py', `import boto3\nboto3.client("s3", aws_access_key_id="${freshKeyId()}")\n`);
    const result = repo.git('commit', '-a', '-m', 'add s3');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('app.py');
    expect(repo.commitCount()).toBe(1);
  });

  it('git commit <path>: checks the named path, not what else is staged', () => {
    make();
    repo.write('a.txt', 'a\n').write('b.txt', 'b\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'init');
    repo.write('a.txt', `key ${freshKeyId()}\n`);
    expect(repo.git('commit', 'a.txt', '-m', 'a').status).not.toBe(0);

    repo.gitOk('checkout', '--', 'a.txt');
    repo.write('b.txt', `key ${freshKeyId()}\n`).gitOk('add', 'b.txt'); // staged, but not part of `git commit a.txt`
    repo.write('a.txt', 'a2\n');
    expect(repo.git('commit', 'a.txt', '-m', 'only a').status).toBe(0);
  });

  it('partial staging: the staged version decides, in both directions', () => {
    make();
    repo.write('notes.md', 'notes\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'init');

    // Clean version staged, key only in the working tree: the commit is clean.
    repo.write('notes.md', 'notes\nmore\n').gitOk('add', '.');
    repo.write('notes.md', `notes\nmore\n${credentials()}`);
    expect(repo.git('commit', '-m', 'clean part').status).toBe(0);

    // Key staged, then removed from the working tree: the commit would still contain it.
    repo.gitOk('add', '.');
    repo.write('notes.md', 'notes\nmore\n');
    expect(repo.git('commit', '-m', 'staged key').status).not.toBe(0);
  });

  it('a linked worktree is checked like the main one', () => {
    make();
    repo.write('README.md', 'x\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'init');
    const worktree = `${repo.dir}-wt`;
    repo.gitOk('worktree', 'add', '--quiet', '-b', 'feature', worktree);
    try {
      writeFileSync(join(worktree, 'leak.env'), `AWS_ACCESS_KEY_ID=${freshKeyId()}\n`);
      repo.gitIn(worktree, 'add', '.');
      const result = repo.gitIn(worktree, 'commit', '-m', 'leak');
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('leak.env');
    } finally {
      repo.gitOk('worktree', 'remove', '--force', worktree);
    }
  });

  it('index version 4 (feature.manyFiles)', () => {
    make(['--initial-branch=main']);
    repo.gitOk('config', 'feature.manyFiles', 'true');
    repo.write('a/b/c.txt', 'hello\n').gitOk('add', '.');
    repo.gitOk('update-index', '--index-version', '4');
    expect(repo.git('commit', '-m', 'clean').status).toBe(0);
    expect(readFileSync(repo.path('.git', 'index')).readUInt32BE(4)).toBe(4);
    repo.write('a/b/d.txt', credentials()).gitOk('add', '.');
    expect(repo.git('commit', '-m', 'key').status).not.toBe(0);
  });

  it('a merge is checked as its staged result against HEAD', () => {
    make();
    repo.write('README.md', 'x\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'init');
    repo.gitOk('checkout', '--quiet', '-b', 'feature');
    repo.write('deploy.sh', `export AWS_ACCESS_KEY_ID=${freshKeyId()}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'pushed around the hook');
    repo.gitOk('checkout', '--quiet', 'main');
    repo.write('other.txt', 'main moved on\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'main');
    repo.gitOk('merge', '--no-ff', '--no-commit', 'feature');
    const result = repo.git('commit', '-m', 'merge feature');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('deploy.sh');
  });

  it('file names with spaces and non-ASCII characters', () => {
    make();
    repo.write('notes/my keys ü.md', credentials()).write('日本語/鍵 (copy).txt', `id ${freshKeyId()}\n`).gitOk('add', '.');
    const result = repo.findings();
    expect(result.status).toBe(1);
    expect([...new Set(result.findings.map((f) => f.path))].sort()).toEqual(['notes/my keys ü.md', '日本語/鍵 (copy).txt']);
  });

  it('CRLF files: line and column as an editor shows them', () => {
    make();
    const id = freshKeyId();
    repo.write('win.ini', `[aws]\r\nkey = ${id}\r\n`).gitOk('add', '.');
    expect(repo.findings().findings.map((f) => [f.line, f.column])).toEqual([[2, 7]]);
  });

  it('binary files are read as bytes (and counted), UTF-16 text with a BOM is decoded', () => {
    make();
    repo.write('image.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), Buffer.from('IHDR'), Buffer.alloc(64)])).gitOk('add', '.');
    const binary = repo.keyguard(['check', '--verbose']);
    expect(binary.status).toBe(0);
    expect(binary.stderr).toContain('1 binary file read as bytes');

    repo.write('app.db', Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(64), Buffer.from(credentials())])).gitOk('add', '.');
    expect(repo.findings().findings.map((f) => f.path)).toEqual(['app.db', 'app.db']);
    repo.gitOk('rm', '--cached', '--quiet', 'app.db');

    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`$env:AWS_ACCESS_KEY_ID = "${freshKeyId()}"\r\n`, 'utf16le')]);
    repo.write('setup.ps1.txt', utf16).gitOk('add', 'setup.ps1.txt');
    const found = repo.findings();
    expect(found.status).toBe(1);
    expect(found.findings.map((f) => [f.path, f.line, f.column])).toEqual([['setup.ps1.txt', 1, 27]]);
  });

  it('UTF-16 that git diffs as text is still blocked by the real hook (CJK first, or a diff attribute)', () => {
    make();
    repo.write('README.md', '# project\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'init');
    const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    // No NUL byte in the first 8000 bytes: git calls the file text and diffs it as such.
    repo.write('notes.ps1', utf16(`${'日本語のテキスト'.repeat(600)}\r\n$env:AWS_ACCESS_KEY_ID = "${freshKeyId()}"\r\n`)).gitOk('add', '.');
    expect(repo.gitOk('diff', '--cached', '--numstat')).not.toMatch(/^-\t-\t/);
    const cjkFirst = repo.git('commit', '-m', 'notes');
    expect(cjkFirst.status).not.toBe(0);
    expect(cjkFirst.stderr).toContain('keyguard: commit blocked: 1 AWS credential in 1 staged file.');
    repo.gitOk('rm', '--cached', '--quiet', 'notes.ps1');

    // A `diff` attribute makes git diff any UTF-16 file as text.
    repo.write('.git/info/attributes', '*.ps1 diff\n');
    repo.write('setup.ps1', utf16(`$env:AWS_ACCESS_KEY_ID = "${freshKeyId()}"\r\n`)).gitOk('add', 'setup.ps1');
    const attributed = repo.git('commit', '-m', 'setup');
    expect(attributed.status).not.toBe(0);
    expect(attributed.stderr).toContain('keyguard: commit blocked: 1 AWS credential in 1 staged file.');
    expect(repo.gitOk('rev-list', '--count', 'HEAD').trim()).toBe('1');
  });

  it('a symlink\'s target is read (a key can be written there: git commits it as the link\'s content); submodules are skipped', () => {
    make();
    const inner = Sandbox.create();
    try {
      inner.write('f.txt', 'x\n').gitOk('add', '.');
      inner.gitOk('commit', '-m', 'inner');
      repo.gitOk('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', inner.dir, 'vendor/inner');
      symlinkSync('keys/current.txt', repo.path('plain-link'));
      repo.gitOk('add', '.');
      const clean = repo.keyguard(['check', '--verbose']);
      expect(clean.status).toBe(0);
      expect(clean.stderr).toMatch(/1 symlink target read[^;]*; skipped 1 submodule/);
      const id = freshKeyId();
      const secret = freshSecret();
      symlinkSync(`keys/${id}.txt`, repo.path('current-key'));
      symlinkSync(`${id}:${secret}`, repo.path('pair'));
      repo.gitOk('add', '.');
      const found = repo.findings();
      expect(found.status).toBe(1);
      expect(found.findings.map((f) => [f.path, f.kind]).sort()).toEqual([
        ['current-key', 'access-key-id'],
        ['pair', 'access-key-id'],
        ['pair', 'secret-access-key'],
      ]);
    } finally {
      inner.remove();
    }
  });

  it('a corrupted index: exit 2 with a clear message, and nothing in the repository changes', () => {
    make();
    repo.write('a.txt', 'a\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'init');
    repo.write('b.txt', credentials()).gitOk('add', '.');
    const indexPath = repo.path('.git', 'index');
    const bytes = readFileSync(indexPath);
    bytes.write('XXXX', 0, 'latin1'); // break the signature
    writeFileSync(indexPath, bytes);
    const digest = () => createHash('sha256').update(readFileSync(indexPath)).digest('hex');
    const before = digest();
    const result = repo.keyguard(['check']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/keyguard: .*index/);
    // Run by hand, nothing is being committed; run by the hook, the commit is blocked.
    expect(result.stderr).not.toContain('The commit is blocked');
    const fromHook = repo.keyguard(['hook', 'pre-commit']);
    expect(fromHook.status).toBe(2);
    expect(fromHook.stderr).toContain('The commit is blocked');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(digest()).toBe(before);
    expect(readFileSync(repo.path('b.txt'), 'utf8')).toContain('aws_access_key_id');
  });

  it('a staged object that is corrupt or gone: the commit is blocked with a clear message', () => {
    make();
    repo.write('a.txt', 'a\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'init');
    repo.write('b.txt', credentials()).gitOk('add', 'b.txt');
    const oid = repo.gitOk('rev-parse', ':b.txt').trim();
    const object = repo.path('.git', 'objects', oid.slice(0, 2), oid.slice(2));
    chmodSync(object, 0o644);
    for (const damage of [() => writeFileSync(object, 'not zlib data'), () => rmSync(object)]) {
      damage();
      const result = repo.git('commit', '-m', 'b');
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(`cannot read object ${oid}`);
      expect(result.stderr).toContain('git fsck');
      expect(result.stderr).toContain('The commit is blocked');
      expect(result.stderr).not.toContain('unexpected error');
      expect(repo.gitOk('rev-list', '--count', 'HEAD').trim()).toBe('1');
    }
  });

  it('runs from a subdirectory and with GIT_DIR / GIT_WORK_TREE set', () => {
    make();
    repo.write('src/deep/config.ts', `export const key = "${freshKeyId()}";\n`).gitOk('add', '.');
    expect(repo.findings([], { cwd: repo.path('src', 'deep') }).findings.map((f) => f.path)).toEqual(['src/deep/config.ts']);
    const viaEnv = repo.findings([], { cwd: repo.path('src'), env: { GIT_DIR: repo.path('.git'), GIT_WORK_TREE: repo.dir } });
    expect(viaEnv.findings.map((f) => f.path)).toEqual(['src/deep/config.ts']);
  });

  it('--files scans the staged version of named files, relative or absolute, with odd names taken literally', () => {
    make();
    repo.write('app/[id]/page.tsx', `const k = "${freshKeyId()}";\n`).write('app/(group)/x.ts', 'ok\n').gitOk('add', '.');
    repo.write('app/[id]/page.tsx', 'const k = process.env.KEY;\n'); // the working tree is clean, the index is not
    const relative = repo.findings(['--files', 'app/[id]/page.tsx', 'app/(group)/x.ts']);
    expect(relative.findings.map((f) => f.path)).toEqual(['app/[id]/page.tsx']);
    const absolute = repo.findings(['--files', repo.path('app', '[id]', 'page.tsx')], { cwd: repo.path('app') });
    expect(absolute.findings.map((f) => f.path)).toEqual(['app/[id]/page.tsx']);
    // A bracketed name must not act as a glob matching app/i/page.tsx and the like.
    repo.write('app/i/page.tsx', `const k = "${freshKeyId()}";\n`).gitOk('add', 'app/i/page.tsx');
    expect(repo.findings(['--files', 'app/[id]/page.tsx']).findings).toHaveLength(1);
    // The top-level folder itself, named from the top or from below.
    expect(repo.findings(['--files', '.']).findings.map((f) => f.path)).toEqual(['app/[id]/page.tsx', 'app/i/page.tsx']);
    expect(repo.findings(['--files', '..'], { cwd: repo.path('app') }).findings).toHaveLength(2);
  });

  it('--all scans every tracked file, committed or staged', () => {
    make();
    repo.write('old.txt', credentials()).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'old');
    repo.write('clean.txt', 'x\n').gitOk('add', '.');
    expect(repo.findings()).toMatchObject({ status: 0, findings: [] });
    const all = repo.findings(['--all']);
    expect(all.status).toBe(1);
    expect(all.findings.map((f) => f.path)).toEqual(['old.txt', 'old.txt']);
  });
});

describe('outside the hook', () => {
  let dir: Sandbox;
  afterEach(() => dir?.remove());

  it('not a repository: exit 2 and what to do', () => {
    dir = Sandbox.empty();
    const result = dir.keyguard(['check']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('not inside a git repository');
    expect(result.stderr).toContain('keyguard check --files');
  });

  it('git speaking another language changes nothing', () => {
    dir = Sandbox.empty({ env: { LC_ALL: 'C.UTF-8', LANGUAGE: 'de', LANG: 'de_DE.UTF-8' } });
    dir.write('loose.env', `AWS_ACCESS_KEY_ID=${freshKeyId()}\n`);
    expect(dir.keyguard(['check', '--files', 'loose.env']).status).toBe(1);
    expect(dir.keyguard(['check']).stderr).toContain('not inside a git repository');
  });

  it('--files outside a repository reads the files from disk', () => {
    dir = Sandbox.empty();
    dir.write('loose.env', `AWS_ACCESS_KEY_ID=${freshKeyId()}\n`);
    const result = dir.findings(['--files', 'loose.env']);
    expect(result.status).toBe(1);
    expect(result.findings.map((f) => f.path)).toEqual([join(dir.dir, 'loose.env').split('\\').join('/')]);
  });

  it('--files with a missing file is an error, not a clean result', () => {
    dir = Sandbox.create();
    const result = dir.keyguard(['check', '--files', 'nope.txt']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('no such file');
  });

  it('an untracked file named with --files is read from disk', () => {
    dir = Sandbox.create();
    dir.write('draft.md', `key: ${freshKeyId()}\n`);
    const result = dir.findings(['--files', 'draft.md', '--verbose']);
    expect(result.findings.map((f) => f.path)).toEqual(['draft.md']);
    expect(result.stderr).toContain('1 untracked file read from disk');
  });
});
