import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { Sandbox, run } from '../support/sandbox.js';

/**
 * What a push sends, through the real pre-push hook and real `git push` to local bare remotes:
 * commits, their messages, annotated tags and what they point at.
 */

/** The report's text with line wrapping undone, so that assertions do not depend on where lines break. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

const sandboxes: Sandbox[] = [];
const track = (sandbox: Sandbox) => {
  sandboxes.push(sandbox);
  return sandbox;
};
afterEach(() => {
  for (const sandbox of sandboxes.splice(0)) sandbox.remove();
});

function bareRemote(repo: Sandbox, name: string): Sandbox {
  const remote = track(Sandbox.bare());
  repo.gitOk('remote', 'add', name, remote.dir);
  return remote;
}

/** A repository with keyguard's pre-commit, commit-msg and pre-push hooks, one clean commit, pushed to origin. */
function pushedRepository(): Sandbox {
  const repo = track(Sandbox.create());
  repo.installHook(undefined, ['pre-commit', 'commit-msg', 'pre-push']);
  bareRemote(repo, 'origin');
  repo.write('README.md', 'notes\n').gitOk('add', '.');
  repo.gitOk('commit', '-m', 'init');
  repo.gitOk('push', '--quiet', 'origin', 'main');
  return repo;
}

describe('pre-push', () => {
  it("as the pre-commit framework runs it: git's refs in variables, a revision as the from-ref, or none at all", () => {
    const repo = pushedRepository();
    repo.gitOk('fetch', '--quiet', 'origin');
    repo.gitOk('switch', '--quiet', '-c', 'feature');
    repo.write('config.ini', `aws_access_key_id = ${freshKeyId()}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'key');
    const head = repo.gitOk('rev-parse', 'HEAD').trim();
    const framework = { PRE_COMMIT_REMOTE_NAME: 'origin', PRE_COMMIT_REMOTE_URL: repo.gitOk('remote', 'get-url', 'origin').trim(), PRE_COMMIT_LOCAL_BRANCH: 'refs/heads/feature', PRE_COMMIT_REMOTE_BRANCH: 'refs/heads/feature' };
    // A new branch: the framework names the first new commit's parent as a revision.
    const withRevision = repo.keyguard(['hook', 'pre-push'], { env: { ...framework, PRE_COMMIT_FROM_REF: `${head}^`, PRE_COMMIT_TO_REF: head }, input: '' });
    expect(withRevision.status, withRevision.stderr).toBe(1);
    // A branch whose new commits reach a root commit: the framework gives no refs ("all files").
    const orphan = track(Sandbox.create());
    orphan.write('config.ini', `aws_access_key_id = ${freshKeyId()}\n`).gitOk('add', '.');
    orphan.gitOk('commit', '-m', 'key');
    const none = orphan.keyguard(['hook', 'pre-push'], { env: { ...framework, PRE_COMMIT_LOCAL_BRANCH: 'refs/heads/main' }, input: '' });
    expect(none.status, none.stderr).toBe(1);
    expect(none.stderr).toContain('keyguard: push blocked');
  });

  it('a key in a commit message blocks the push, reported with its commit', () => {
    const repo = pushedRepository();
    const keyId = freshKeyId();
    repo.write('a.txt', 'a\n').gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', `use the deploy key\n\n${keyId}`);
    const commit = repo.gitOk('rev-parse', 'HEAD').trim();
    const push = repo.git('push', 'origin', 'main');
    expect(push.status).not.toBe(0);
    expect(flat(push.stderr)).toContain('keyguard: push blocked');
    expect(flat(push.stderr)).toContain(`(commit message):3 (commit ${commit.slice(0, 12)})`);
    expect(flat(push.stderr)).toContain('"reword"');
    expect(push.stderr).not.toContain(keyId);
    expect(repo.keyguard(['incident', '(commit message):3', '--commit', commit]).stdout).toContain(`keyguard incident: ${keyId}`);
  });

  it('an annotated tag whose message holds a key is blocked; a clean one is pushed', () => {
    const repo = pushedRepository();
    repo.gitOk('tag', '-a', 'v1.0', '-m', 'release 1.0');
    expect(repo.git('push', 'origin', 'v1.0').status).toBe(0);
    const keyId = freshKeyId();
    repo.gitOk('tag', '-a', 'v1.1', '-m', `release 1.1\n\ndeployed with ${keyId}`);
    const push = repo.git('push', 'origin', 'v1.1');
    expect(push.status).not.toBe(0);
    expect(flat(push.stderr)).toContain('1 AWS credential in 1 tag about to be pushed');
    expect(flat(push.stderr)).toContain('in the local tag v1.1');
    expect(flat(push.stderr)).toContain('(message of tag refs/tags/v1.1):3');
    expect(flat(push.stderr)).toContain('git tag -d v1.1');
    expect(repo.keyguard(['incident', '(message of tag refs/tags/v1.1):3']).stdout).toContain(`keyguard incident: ${keyId}`);
  });

  it('a tag pointing straight at a blob or a tree that holds a key is blocked', () => {
    const repo = pushedRepository();
    const blob = run('git', ['hash-object', '-w', '--stdin'], repo.dir, repo.env, `aws_secret_access_key = ${freshSecret()}\n`).stdout.trim();
    repo.gitOk('tag', 'blob-tag', blob);
    const blobPush = repo.git('push', 'origin', 'blob-tag');
    expect(blobPush.status).not.toBe(0);
    expect(flat(blobPush.stderr)).toContain('(blob tagged refs/tags/blob-tag)');

    repo.write('secrets/keys.ini', `aws_access_key_id = ${freshKeyId()}\n`).gitOk('add', 'secrets');
    const tree = repo.gitOk('write-tree').trim();
    repo.gitOk('reset', '--quiet');
    repo.gitOk('tag', '-a', 'tree-tag', '-m', 'a tree', tree);
    const treePush = repo.git('push', 'origin', 'tree-tag');
    expect(treePush.status).not.toBe(0);
    expect(flat(treePush.stderr)).toContain('(tree tagged refs/tags/tree-tag)/secrets/keys.ini');
  });

  it('commits already on origin are checked again when a branch goes to another remote for the first time', () => {
    const repo = pushedRepository();
    repo.write('keys.ini', `aws_access_key_id = ${freshKeyId()}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'oops');
    repo.gitOk('push', '--quiet', '--no-verify', 'origin', 'main');
    // Already on origin: a new branch there sends nothing new.
    expect(repo.git('push', 'origin', 'main:copy').status).toBe(0);
    // A second remote has none of it: the push sends the key.
    bareRemote(repo, 'backup');
    const push = repo.git('push', 'backup', 'main');
    expect(push.status).not.toBe(0);
    expect(flat(push.stderr)).toContain('keys.ini');
  });

  it.each([
    ['a URL no remote is configured with', (repo: Sandbox, target: Sandbox) => target.dir],
    ['a remote whose name has a slash', (repo: Sandbox, target: Sandbox) => (repo.gitOk('remote', 'add', 'team/backup', target.dir), 'team/backup')],
  ])('moving commits already on origin to %s: they are checked', (_name, destination) => {
    const repo = pushedRepository();
    repo.write('keys.ini', `aws_access_key_id = ${freshKeyId()}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'oops');
    repo.gitOk('push', '--quiet', '--no-verify', 'origin', 'main');
    const target = track(Sandbox.bare());
    const push = repo.git('push', destination(repo, target), 'main');
    expect(push.status).not.toBe(0);
    expect(flat(push.stderr)).toContain('keys.ini');
    expect(flat(push.stderr)).toContain('PUSHED: in origin/main'); // and it says the key is already public
  });

  it('a key already pushed (in a file or a commit message) and now in a tag or a message is known to be public', () => {
    const repo = pushedRepository();
    const keyId = freshKeyId();
    repo.write('a.txt', 'a\n').gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', `deploy with ${keyId}`);
    repo.gitOk('push', '--quiet', '--no-verify', 'origin', 'main');
    repo.gitOk('tag', '-a', 'v2', '-m', `rotated ${keyId}`);
    const push = repo.git('push', 'origin', 'v2');
    expect(push.status).not.toBe(0);
    expect(flat(push.stderr)).toContain('PUSHED: in origin/main');
    expect(flat(push.stderr)).toContain('Treat the key as compromised now');
  });

  it('a tag of a tag: the inner message is reported under the inner tag, and incident reads it there', () => {
    const repo = pushedRepository();
    const keyId = freshKeyId();
    repo.gitOk('tag', '-a', 'inner', '-m', `inner\n\n${keyId}`);
    repo.gitOk('tag', '-a', 'outer', '-m', 'outer', 'inner');
    const innerOid = repo.gitOk('rev-parse', 'inner').trim();
    repo.gitOk('tag', '-d', 'inner');
    const push = repo.git('push', 'origin', 'outer');
    expect(push.status).not.toBe(0);
    expect(flat(push.stderr)).toContain(`(message of tag ${innerOid})`);
    expect(repo.keyguard(['incident', `(message of tag ${innerOid}):3`]).stdout).toContain(`keyguard incident: ${keyId}`);
  });

  it('ignorePaths apply inside a tagged tree', () => {
    const repo = pushedRepository();
    repo.write('keyguard.config.json', '{ "ignorePaths": ["**/fixtures/**"] }\n');
    repo.write('test/fixtures/keys.ini', `aws_access_key_id = ${freshKeyId()}\n`).gitOk('add', '.');
    const tree = repo.gitOk('write-tree').trim();
    repo.gitOk('tag', '-a', 'tree-tag', '-m', 'a tree', tree);
    const push = repo.git('push', 'origin', 'tree-tag');
    expect(push.status, push.stderr).toBe(0);
  });

  it('a merged tag copied into a commit header (mergetag) is scanned', () => {
    const repo = pushedRepository();
    const head = repo.gitOk('rev-parse', 'HEAD').trim();
    const tree = repo.gitOk('rev-parse', 'HEAD^{tree}').trim();
    const keyId = freshKeyId();
    const object = [
      `tree ${tree}`,
      `parent ${head}`,
      'author Test Author <author@example.invalid> 1700000000 +0000',
      'committer Test Author <author@example.invalid> 1700000000 +0000',
      `mergetag object ${head}`,
      ' type commit',
      ' tag v9',
      ' tagger Test Author <author@example.invalid> 1700000000 +0000',
      ' ',
      ` deployed with ${keyId}`,
      '',
      'Merge tag v9',
      '',
    ].join('\n');
    const commit = run('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], repo.dir, repo.env, object).stdout.trim();
    repo.gitOk('update-ref', 'refs/heads/main', commit);
    const push = repo.git('push', 'origin', 'main');
    expect(push.status).not.toBe(0);
    expect(flat(push.stderr)).toContain('(commit header)');
    expect(flat(push.stderr)).toContain('Redo that merge from the commit the tag points at');
  });

  it('a push of many tags at once is checked in one walk', () => {
    const repo = pushedRepository();
    for (let i = 0; i < 40; i++) {
      repo.write('n.txt', `${i}\n`).gitOk('add', '.');
      repo.gitOk('commit', '--quiet', '-m', `c${i}`);
      repo.gitOk('tag', '-a', `v0.${i}`, '-m', `release ${i}`);
    }
    repo.gitOk('tag', '-a', 'v1.0', '-m', `release with ${freshKeyId()}`);
    const push = repo.git('push', 'origin', '--tags');
    expect(push.status).not.toBe(0);
    expect(flat(push.stderr)).toContain('1 AWS credential in 1 tag about to be pushed');
  });

  it('a push of a clean branch, a deletion and a lightweight tag goes through', () => {
    const repo = pushedRepository();
    repo.gitOk('push', '--quiet', 'origin', 'main:topic');
    repo.gitOk('tag', 'light');
    expect(repo.git('push', 'origin', 'light', ':topic').status).toBe(0);
  });
});

describe('commit messages', () => {
  it('git commit -m keeps "#" lines, so a key on one is blocked; below the scissors line is the diff, not the message', () => {
    const repo = track(Sandbox.create());
    repo.installHook(undefined, ['commit-msg']);
    repo.write('a.txt', 'a\n').gitOk('add', '.');
    const hashLine = repo.git('commit', '-m', `# ${freshKeyId()}`);
    expect(hashLine.status).not.toBe(0);
    expect(flat(hashLine.stderr)).toContain('the commit message contains 1 AWS credential');

    const scissors = `subject\n# ------------------------ >8 ------------------------\n+k = ${freshKeyId()}\n`;
    repo.write('.git/COMMIT_MSG_TEST', scissors);
    expect(repo.keyguard(['hook', 'commit-msg', '.git/COMMIT_MSG_TEST']).status).toBe(0);
  });

  it('--history reports a key in an old commit message', () => {
    const repo = track(Sandbox.create());
    repo.write('a.txt', 'a\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', `add a\n\nkey ${freshKeyId()}`);
    const commit = repo.gitOk('rev-parse', 'HEAD').trim();
    const history = repo.findings(['--history']);
    expect(history.status).toBe(1);
    expect(history.findings.map((f) => [f.path, f.line, f.commit])).toEqual([['(commit message)', 3, commit]]);
  });
});
