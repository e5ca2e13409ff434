import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { Sandbox } from '../support/sandbox.js';

/**
 * Git LFS, with the real git-lfs (.ci/run installs it): the pointer is what git commits, the content
 * is what `git lfs push` uploads, and the content is what keyguard checks.
 */

const lfs = spawnSync('git', ['lfs', 'version'], { encoding: 'utf8' });
const haveLfs = lfs.status === 0;

let repo: Sandbox;
let remote: Sandbox | undefined;
afterEach(() => {
  repo?.remove();
  remote?.remove();
  remote = undefined;
});

function lfsRepo(): Sandbox {
  repo = Sandbox.create();
  repo.gitOk('lfs', 'install', '--local');
  repo.installHook(undefined, ['pre-commit', 'pre-push']);
  repo.gitOk('lfs', 'track', '*.bin', '*.xlsx');
  repo.gitOk('add', '.gitattributes');
  repo.gitOk('commit', '-m', 'track binaries with LFS');
  return repo;
}

describe.skipIf(!haveLfs)('Git LFS content', () => {
  if (!haveLfs) console.log('skipped: git-lfs is not installed here (apt-get install git-lfs)');

  it('a key in a file stored with LFS blocks the commit; the report says it is in the LFS content', () => {
    lfsRepo();
    const id = freshKeyId();
    repo.write('backup.bin', Buffer.concat([randomBytes(3000), Buffer.from(`\naws_access_key_id = ${id}\naws_secret_access_key = ${freshSecret()}\n`)]));
    repo.gitOk('add', 'backup.bin');
    // What git stages is the pointer.
    expect(repo.gitOk('cat-file', '-p', ':backup.bin')).toMatch(/^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:/);
    const json = repo.findings();
    expect(json.findings.map((f) => [f.path, f.kind, (f as { within?: string[] }).within])).toEqual([
      ['backup.bin', 'access-key-id', ['(Git LFS object)']],
      ['backup.bin', 'secret-access-key', ['(Git LFS object)']],
    ]);
    const result = repo.git('commit', '-m', 'backup');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('(Git LFS object):');
    expect(repo.commitCount()).toBe(1);
  });

  it('the push of a commit that adds LFS content with a key is blocked', () => {
    lfsRepo();
    remote = Sandbox.bare();
    repo.gitOk('remote', 'add', 'origin', remote.dir);
    repo.gitOk('config', 'lfs.allowincompletepush', 'true');
    repo.write('data.bin', `key ${freshKeyId()}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'bypassed the commit check');
    const push = repo.git('push', 'origin', 'HEAD:refs/heads/main');
    expect(push.status).not.toBe(0);
    expect(push.stderr).toContain('push blocked');
    expect(push.stderr).toContain('(Git LFS object)');
  });

  it('an LFS office document: the finding names the LFS content and the member', () => {
    lfsRepo();
    // A zip with its shared-strings member (stored rather than deflated: the place is what is tested here).
    const member = Buffer.from(`<sst><si><t>${freshKeyId()}</t></si></sst>`);
    const name = Buffer.from('xl/sharedStrings.xml');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(member.length, 18);
    local.writeUInt32LE(member.length, 22);
    local.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt32LE(member.length, 20);
    entry.writeUInt32LE(member.length, 24);
    entry.writeUInt16LE(name.length, 28);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 8);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(46 + name.length, 12);
    end.writeUInt32LE(30 + name.length + member.length, 16);
    repo.write('team.xlsx', Buffer.concat([local, name, member, entry, name, end])).gitOk('add', '.');
    expect(repo.findings().findings.map((f) => (f as { within?: string[] }).within)).toEqual([['(Git LFS object)', 'xl/sharedStrings.xml']]);
  });

  it('a pointer whose content is not in the local store stops the check (exit 2), never passes', () => {
    lfsRepo();
    const sha = randomBytes(32).toString('hex');
    // A pointer committed as it is (the path is not tracked by the LFS filter), naming content this clone never had.
    repo.write('orphan.dat', `version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\nsize 2048\n`).gitOk('add', '.');
    const check = repo.keyguard(['check']);
    expect(check.status).toBe(2);
    expect(check.stderr).toContain('orphan.dat is a Git LFS pointer');
    expect(check.stderr).toContain('git lfs fetch');
    const result = repo.git('commit', '-m', 'pointer');
    expect(result.status).not.toBe(0);
    expect(repo.commitCount()).toBe(1);
  });
});
