import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { run, Sandbox, trackSandboxes } from '../support/sandbox.js';

/**
 * The server-side hook, the way a self-hosted server runs it: a bare repository with keyguard's
 * pre-receive hook (written by `keyguard install --server`), and real `git push`es into it, which
 * git runs through its quarantine.
 */

const track = trackSandboxes();

/** A bare "server" repository and a developer's clone of it (no client-side hooks), with one clean commit pushed. */
function serverAndClone(options: { hook?: boolean } = {}): { server: Sandbox; clone: Sandbox } {
  const server = track(Sandbox.bare());
  const clone = track(Sandbox.create());
  clone.gitOk('remote', 'add', 'origin', server.dir);
  clone.write('README.md', '# project\n').gitOk('add', '.');
  clone.gitOk('commit', '-m', 'init');
  clone.gitOk('push', '--quiet', 'origin', 'main');
  if (options.hook !== false) {
    const install = clone.keyguard(['install', '--server', server.dir]);
    expect(install.status, install.stderr).toBe(0);
  }
  return { server, clone };
}

const serverHas = (server: Sandbox, commit: string) => server.git('cat-file', '-e', `${commit}^{commit}`).status === 0;

describe('keyguard install --server', () => {
  it('writes hooks/pre-receive into a bare repository, and a second run changes nothing', () => {
    const server = track(Sandbox.bare());
    const first = server.keyguard(['install', '--server', server.dir]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(`wrote the pre-receive hook ${join(server.dir, 'hooks', 'pre-receive')}`);
    const hook = join(server.dir, 'hooks', 'pre-receive');
    expect(statSync(hook).mode & 0o111).not.toBe(0);
    expect(readFileSync(hook, 'utf8')).toContain('pre-receive');
    const second = server.keyguard(['install', '--server', server.dir]);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('already in place; nothing changed');
  });

  it('uses a pre-receive.d folder where the server has one (Gitea), or where it is named (GitLab server hooks)', () => {
    const gitea = track(Sandbox.bare());
    mkdirSync(join(gitea.dir, 'hooks', 'pre-receive.d'));
    writeFileSync(join(gitea.dir, 'hooks', 'pre-receive'), '#!/bin/sh\n# the server\'s own dispatcher\n');
    expect(gitea.keyguard(['install', '--server', gitea.dir]).status).toBe(0);
    expect(existsSync(join(gitea.dir, 'hooks', 'pre-receive.d', 'keyguard'))).toBe(true);
    expect(readFileSync(join(gitea.dir, 'hooks', 'pre-receive'), 'utf8')).toContain('the server\'s own dispatcher');

    const gitlab = track(Sandbox.empty());
    mkdirSync(join(gitlab.dir, 'custom_hooks'));
    const global = gitlab.keyguard(['install', '--server', join(gitlab.dir, 'custom_hooks', 'pre-receive.d')]);
    expect(global.status, global.stderr).toBe(0);
    expect(existsSync(join(gitlab.dir, 'custom_hooks', 'pre-receive.d', 'keyguard'))).toBe(true);
  });

  it('never overwrites a pre-receive hook that is not its own, and refuses a clone or a folder that is no repository (exit 2)', () => {
    const server = track(Sandbox.bare());
    writeFileSync(join(server.dir, 'hooks', 'pre-receive'), '#!/bin/sh\nexec /opt/policy/check\n');
    const taken = server.keyguard(['install', '--server', server.dir]);
    expect(taken.status).toBe(2);
    expect(taken.stderr).toContain('not keyguard\'s; it was left as it is');
    expect(taken.stderr).toContain('pre-receive');
    expect(readFileSync(join(server.dir, 'hooks', 'pre-receive'), 'utf8')).toBe('#!/bin/sh\nexec /opt/policy/check\n');

    const clone = track(Sandbox.create());
    const notBare = clone.keyguard(['install', '--server', clone.dir]);
    expect(notBare.status).toBe(2);
    expect(notBare.stderr).toContain('not a server\'s bare repository');

    const folder = track(Sandbox.empty());
    expect(folder.keyguard(['install', '--server', folder.dir]).status).toBe(2);
  });
});

describe('keyguard pre-receive, through real pushes', () => {
  it('rejects a push that adds a key, with a redacted report and what to do; the server keeps nothing of it', () => {
    const { server, clone } = serverAndClone();
    const keyId = freshKeyId();
    const secret = freshSecret();
    clone.write('config/deploy.ini', `[deploy]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${secret}\n`).gitOk('add', '.');
    clone.gitOk('commit', '-m', 'deploy settings');
    const commit = clone.gitOk('rev-parse', 'HEAD').trim();
    const push = clone.git('push', 'origin', 'main');
    expect(push.status).not.toBe(0);
    expect(push.stderr).toContain('remote: keyguard: push blocked: 1 AWS credential in 1 commit about to be pushed.');
    expect(push.stderr).toContain('with its secret access key');
    for (const line of push.stderr.split('\n')) expect(line.trimEnd().length, line).toBeLessThanOrEqual(80);
    expect(push.stderr).toContain(`commit ${commit}`);
    expect(push.stderr).toContain('config/deploy.ini');
    expect(push.stderr).toContain(`${keyId.slice(0, 4)}...${keyId.slice(-2)}`);
    expect(push.stderr).toContain('git rebase -i');
    expect(push.stderr).toContain('The server rejected the push and kept nothing of it.');
    expect(push.stderr).toMatch(/pre-receive hook declined/);
    for (const value of [keyId, secret, secret.slice(0, 20)]) expect(push.stderr).not.toContain(value);
    expect(serverHas(server, commit)).toBe(false);
    expect(server.gitOk('rev-parse', 'main').trim()).toBe(clone.gitOk('rev-parse', 'HEAD~1').trim());
  });

  it('accepts a clean push, a new branch with nothing new, a branch deletion and a lightweight tag', () => {
    const { server, clone } = serverAndClone();
    clone.write('src/app.ts', 'export const region = "eu-west-1";\n').gitOk('add', '.');
    clone.gitOk('commit', '-m', 'app');
    const clean = clone.git('push', 'origin', 'main');
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stderr).not.toContain('keyguard:');
    expect(clone.git('push', 'origin', 'main:topic').status).toBe(0);
    clone.gitOk('tag', 'v1');
    expect(clone.git('push', 'origin', 'v1', ':topic').status).toBe(0);
    expect(server.gitOk('tag').trim()).toBe('v1');
  });

  it('rejects an annotated tag whose message holds a key, and a key in a commit message', () => {
    const { clone } = serverAndClone();
    clone.gitOk('tag', '-a', 'v2', '-m', `release 2\n\ndeployed with ${freshKeyId()}`);
    const tag = clone.git('push', 'origin', 'v2');
    expect(tag.status).not.toBe(0);
    expect(tag.stderr).toContain('(message of tag refs/tags/v2)');
    expect(tag.stderr).toContain('git tag -d v2');

    clone.write('a.txt', 'a\n').gitOk('add', '.');
    clone.gitOk('commit', '-m', `rotate\n\nold key ${freshKeyId()}`);
    const message = clone.git('push', 'origin', 'main');
    expect(message.status).not.toBe(0);
    expect(message.stderr).toContain('(commit message)');
  });

  it('honours the default branch\'s baseline and configuration, not what the push brings', () => {
    // Before keyguard: the history already holds a key.
    const { server, clone } = serverAndClone({ hook: false });
    const legacyKey = freshKeyId();
    clone.write('legacy/settings.ini', `[old]\naws_access_key_id = ${legacyKey}\n`).gitOk('add', '.');
    clone.gitOk('commit', '-m', 'legacy settings');
    clone.gitOk('push', '--quiet', 'origin', 'main');
    expect(clone.keyguard(['install', '--server', server.dir]).status).toBe(0);

    // Adopting keyguard: the baseline and a configuration reach the default branch.
    expect(clone.keyguard(['baseline']).status).toBe(0);
    clone.write('keyguard.config.json', '{ "ignorePaths": ["**/fixtures/**"] }\n').gitOk('add', '.');
    clone.gitOk('commit', '-m', 'keyguard baseline and configuration');
    const adopt = clone.git('push', 'origin', 'main');
    expect(adopt.status, adopt.stderr).toBe(0);

    // The baselined key, moved within its file: accepted. A fixture key: ignored by the configuration.
    clone.write('legacy/settings.ini', `# moved\n[old]\n\naws_access_key_id = ${legacyKey}\n`);
    clone.write('test/fixtures/sample.ini', `aws_access_key_id = ${freshKeyId()}\n`).gitOk('add', '.');
    clone.gitOk('commit', '-m', 'move the old key, add a fixture');
    const accepted = clone.git('push', 'origin', 'main');
    expect(accepted.status, accepted.stderr).toBe(0);

    // The same key copied into another file is a new leak.
    clone.write('app/settings.ini', `aws_access_key_id = ${legacyKey}\n`).gitOk('add', '.');
    clone.gitOk('commit', '-m', 'copy the old key');
    const copied = clone.git('push', 'origin', 'main');
    expect(copied.status).not.toBe(0);
    expect(copied.stderr).toContain('app/settings.ini');
    clone.gitOk('reset', '--quiet', '--hard', 'HEAD~1');

    // A push cannot allow its own key: the configuration it brings is not the default branch's yet.
    const ownKey = freshKeyId();
    clone.write('src/keys.ini', `aws_access_key_id = ${ownKey}\n`);
    clone.write('keyguard.config.json', '{ "ignorePaths": ["**/fixtures/**", "src/**"] }\n').gitOk('add', '.');
    clone.gitOk('commit', '-m', 'ignore src');
    const sneaky = clone.git('push', 'origin', 'main:topic');
    expect(sneaky.status).not.toBe(0);
    expect(sneaky.stderr).toContain('src/keys.ini');
  });

  it('a configuration error on the default branch rejects pushes (exit 2), naming the file', () => {
    const { server, clone } = serverAndClone({ hook: false });
    clone.write('keyguard.config.json', '{ "ignorPaths": [] }\n').gitOk('add', '.');
    clone.gitOk('commit', '-m', 'bad config');
    clone.gitOk('push', '--quiet', 'origin', 'main');
    expect(clone.keyguard(['install', '--server', server.dir]).status).toBe(0);
    clone.write('a.txt', 'a\n').gitOk('add', '.');
    clone.gitOk('commit', '-m', 'a');
    const push = clone.git('push', 'origin', 'main');
    expect(push.status).not.toBe(0);
    expect(push.stderr).toContain('keyguard.config.json (in the default branch): unknown key "ignorPaths"');
    expect(push.stderr).toContain('The push is rejected until keyguard can read what it adds');
  });

  it('a hook whose keyguard is gone rejects the push (fail closed)', () => {
    const { server, clone } = serverAndClone();
    const hook = join(server.dir, 'hooks', 'pre-receive');
    writeFileSync(hook, readFileSync(hook, 'utf8').replace(/^keyguard=.*$/m, "keyguard='/nonexistent/keyguard.js'"));
    clone.write('a.txt', 'a\n').gitOk('add', '.');
    clone.gitOk('commit', '-m', 'a');
    const push = clone.git('push', 'origin', 'main');
    expect(push.status).not.toBe(0);
    expect(push.stderr).toContain('the push cannot be checked, so it is rejected');
  });

  it('bad input on stdin is exit 2 with one line', () => {
    const server = track(Sandbox.bare());
    const result = server.keyguard(['pre-receive'], { input: 'not what git sends\n', env: { GIT_DIR: '.' } });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unexpected pre-receive input');
  });
});

describe('long pushes and histories (split among several diff-tree processes)', () => {
  /** `count` commits on main by fast-import, commit i writing `files(i)` (path → content). */
  function importCommits(repo: Sandbox, count: number, files: (i: number) => Record<string, string>): string[] {
    const parent = repo.git('rev-parse', '--verify', '--quiet', 'main').stdout.trim();
    let stream = '';
    for (let i = 1; i <= count; i++) {
      const message = `commit ${i}\n`;
      stream += `commit refs/heads/main\nmark :${i}\ncommitter T <t@example.invalid> ${1_700_000_000 + i} +0000\ndata ${message.length}\n${message}`;
      stream += i === 1 ? (parent ? `from ${parent}\n` : '') : `from :${i - 1}\n`;
      for (const [path, content] of Object.entries(files(i))) stream += `M 100644 inline ${path}\ndata ${Buffer.byteLength(content)}\n${content}\n`;
    }
    const imported = run('git', ['fast-import', '--quiet'], repo.dir, repo.env, stream);
    if (imported.status !== 0) throw new Error(imported.stderr);
    return repo.gitOk('rev-list', '--reverse', 'main').trim().split('\n').slice(parent ? -count : 0);
  }

  it('each key is reported once, with the first commit that added it, on both sides of the split', () => {
    const repo = track(Sandbox.create());
    const early = freshKeyId();
    const late = freshKeyId();
    const commits = importCommits(repo, 400, (i) => ({
      'n.txt': `${i}\n`,
      ...(i === 120 ? { 'a.ini': `key = ${early}\n` } : {}),
      ...(i === 330 ? { 'a.ini': `# again\nkey = ${early}\n`, 'b.ini': `key = ${late}\n` } : {}),
    }));
    const result = repo.findings(['--history']);
    expect(result.status).toBe(1);
    expect(result.findings.map((f) => [f.path, f.commit])).toEqual([
      ['a.ini', commits[119]],
      ['b.ini', commits[329]],
    ]);
  });

  it('a push of 400 new commits with a key near the end is rejected; without it, accepted', () => {
    const { server, clone } = serverAndClone();
    const key = freshKeyId();
    importCommits(clone, 400, (i) => ({ [`f${i % 7}.txt`]: `line ${i}\n`, ...(i === 390 ? { 'deploy.ini': `aws_access_key_id = ${key}\n` } : {}) }));
    const push = clone.git('push', 'origin', 'main');
    expect(push.status).not.toBe(0);
    expect(push.stderr).toContain('deploy.ini');
    clone.gitOk('reset', '--quiet', '--hard', 'HEAD~11');
    const clean = clone.git('push', 'origin', 'main');
    expect(clean.status, clean.stderr).toBe(0);
    expect(server.gitOk('rev-list', '--count', 'main').trim()).toBe('390');
  });
});
