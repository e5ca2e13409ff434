import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { projectWithKeyguard } from '../support/package.js';
import { Sandbox, trackSandboxes } from '../support/sandbox.js';

/**
 * Git LFS next to keyguard's hooks, with the real git-lfs (.ci/run installs it). git-lfs refuses to
 * replace hooks it did not write, so keyguard's dispatchers run its four hooks (pre-push,
 * post-checkout, post-commit, post-merge) themselves; when git-lfs's own hooks were there first,
 * they are chained and run once.
 */

const realLfs = spawnSync('sh', ['-c', 'command -v git-lfs'], { encoding: 'utf8' }).stdout.trim();
const haveLfs = realLfs !== '' && spawnSync('git', ['lfs', 'version']).status === 0;
const track = trackSandboxes();

const keyFile = () => `aws_access_key_id = ${freshKeyId()}\naws_secret_access_key = ${freshSecret()}\n`;

/**
 * A git-lfs on PATH that logs each hook it runs (and pre-push's stdin), then runs the real one: so
 * a test sees how many times each hook ran, and with which input.
 */
function loggingLfs(folder: Sandbox): { env: NodeJS.ProcessEnv; calls: () => string[]; stdin: () => string } {
  const bin = folder.path('lfs-bin');
  const log = folder.path('lfs-calls');
  const stdin = folder.path('lfs-pre-push-stdin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'git-lfs'),
    [
      '#!/bin/sh',
      `case "$1" in pre-push | post-checkout | post-commit | post-merge) echo "$1" >> '${log}' ;; esac`,
      `if [ "$1" = pre-push ]; then cat > '${stdin}'; exec '${realLfs}' "$@" < '${stdin}'; fi`,
      `exec '${realLfs}' "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'git-lfs'), 0o755);
  return {
    env: { PATH: `${bin}:${folder.env.PATH}` },
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
    stdin: () => readFileSync(stdin, 'utf8'),
  };
}

/** A PATH with everything of the machine's but git-lfs. */
function pathWithoutLfs(folder: Sandbox): string {
  const bin = folder.path('no-lfs-bin');
  mkdirSync(bin, { recursive: true });
  for (const dir of ['/usr/local/bin', '/usr/bin', dirname(process.execPath)]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (name === 'git-lfs' || existsSync(join(bin, name))) continue;
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}

function lfsObjectsIn(remote: Sandbox): number {
  const store = remote.path('lfs', 'objects');
  if (!existsSync(store)) return 0;
  return (readdirSync(store, { recursive: true }) as string[]).filter((name) => statSync(join(store, name)).isFile()).length;
}

/** A bare remote, added as `lfsr` by file:// URL (git-lfs 3 uploads to its lfs/ folder). */
function addRemote(project: Sandbox): Sandbox {
  const remote = track(Sandbox.bare());
  project.gitOk('remote', 'add', 'lfsr', `file://${remote.dir}`);
  return remote;
}

function withEnv(project: Sandbox, env: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync('git', args, { cwd: project.dir, env: { ...project.env, ...env }, encoding: 'utf8' });
}

// Each test installs keyguard with npm and drives real git-lfs; doctor runs a probe: minutes under load.
describe.skipIf(!haveLfs)('Git LFS and keyguard hooks', { timeout: 300_000 }, () => {
  if (!haveLfs) console.log('skipped: git-lfs is not installed here (apt-get install git-lfs)');

  it('LFS set up after keyguard: git-lfs leaves keyguard hooks alone, and a push still uploads the LFS content; a push with a key uploads nothing', () => {
    const project = track(projectWithKeyguard());
    const lfs = loggingLfs(project);
    project.gitOk('add', '.');
    project.gitOk('commit', '-m', 'init');
    const install = withEnv(project, lfs.env, 'lfs', 'install', '--local');
    expect(install.stderr).toContain('Hook already exists: pre-push');
    withEnv(project, lfs.env, 'lfs', 'track', '*.bin');
    expect(readFileSync(project.path('.git/hooks/pre-push'), 'utf8')).toContain('# keyguard: what git runs for this hook');
    expect(withEnv(project, lfs.env, 'add', '.gitattributes').status).toBe(0);
    expect(withEnv(project, lfs.env, 'commit', '-qm', 'lfs').status).toBe(0);
    const remote = addRemote(project);

    // Blocked: keyguard stops the push before git-lfs uploads anything.
    project.write('secret.bin', Buffer.concat([randomBytes(2000), Buffer.from(`\n${keyFile()}`)]));
    withEnv(project, lfs.env, 'add', 'secret.bin');
    expect(withEnv(project, lfs.env, 'commit', '--no-verify', '-qm', 'bypassed').status).toBe(0);
    const blocked = withEnv(project, lfs.env, 'push', 'lfsr', 'main');
    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toContain('(Git LFS object)');
    expect(lfs.calls()).not.toContain('pre-push');
    expect(lfsObjectsIn(remote)).toBe(0);
    project.gitOk('reset', '--hard', '--quiet', 'HEAD~1');

    project.write('d.bin', randomBytes(3000).toString('base64'));
    withEnv(project, lfs.env, 'add', 'd.bin');
    const commit = withEnv(project, lfs.env, 'commit', '-qm', 'data');
    expect(commit.status, commit.stderr).toBe(0);
    const push = withEnv(project, lfs.env, 'push', 'lfsr', 'main');
    expect(push.status, push.stderr).toBe(0);
    expect(lfsObjectsIn(remote)).toBe(1);
    expect(lfs.calls().filter((call) => call === 'pre-push')).toEqual(['pre-push']);
    expect(lfs.stdin()).toMatch(/^refs\/heads\/main [0-9a-f]{40} refs\/heads\/main 0{40}\n$/);
    expect(lfs.calls()).toContain('post-commit');

    const doctor = project.npx('keyguard', 'doctor');
    expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
    expect(doctor.stdout).toContain("Git LFS: its hooks (pre-push, post-checkout, post-commit, post-merge) run through keyguard's");

    // A clone gets the content back from the remote.
    const clone = track(Sandbox.empty());
    const cloned = spawnSync('git', ['clone', '-q', '-c', 'filter.lfs.process=git-lfs filter-process', '-c', 'filter.lfs.required=true', `file://${remote.dir}`, clone.path('c')], { env: { ...clone.env, ...lfs.env }, encoding: 'utf8' });
    expect(cloned.status, cloned.stderr).toBe(0);
    expect(readFileSync(clone.path('c', 'd.bin'), 'utf8')).toBe(readFileSync(project.path('d.bin'), 'utf8'));
  });

  it('LFS installed before keyguard: its hooks are chained and each runs once, pre-push with its stdin; the push uploads the content', () => {
    const project = track(projectWithKeyguard({ blockScripts: true }));
    const lfs = loggingLfs(project);
    expect(withEnv(project, lfs.env, 'lfs', 'install', '--local').status).toBe(0);
    withEnv(project, lfs.env, 'lfs', 'track', '*.bin');
    const install = project.npx('keyguard', 'install');
    expect(install.status, install.stderr).toBe(0);
    expect(install.stdout).toMatch(/kept the hooks that were in .*running \(post-checkout, post-commit, post-merge, pre-push\)/);
    expect(install.stdout).toContain("keyguard's pre-push, post-checkout, post-commit, post-merge hooks run git-lfs's");
    project.write('d.bin', randomBytes(3000).toString('base64'));
    withEnv(project, lfs.env, 'add', '.');
    expect(withEnv(project, lfs.env, 'commit', '-qm', 'data').status).toBe(0);
    const remote = addRemote(project);
    project.write('secret.bin', keyFile());
    withEnv(project, lfs.env, 'add', 'secret.bin');
    expect(withEnv(project, lfs.env, 'commit', '--no-verify', '-qm', 'bypassed').status).toBe(0);
    const blocked = withEnv(project, lfs.env, 'push', 'lfsr', 'main');
    expect(blocked.status).not.toBe(0);
    expect(lfsObjectsIn(remote)).toBe(0);
    project.gitOk('reset', '--hard', '--quiet', 'HEAD~1');

    const push = withEnv(project, lfs.env, 'push', 'lfsr', 'main');
    expect(push.status, push.stderr).toBe(0);
    expect(lfsObjectsIn(remote)).toBe(1);
    expect(lfs.stdin()).toMatch(/^refs\/heads\/main [0-9a-f]{40} refs\/heads\/main 0{40}\n$/);
    // Once each: git-lfs's own hooks ran from the chain, keyguard did not run them again.
    const calls = lfs.calls();
    expect(calls.filter((call) => call === 'pre-push')).toEqual(['pre-push']);
    expect(calls.filter((call) => call === 'post-commit')).toEqual(['post-commit', 'post-commit']);

    // Two branches in one push: git-lfs gets both lines, and uploads both objects.
    for (const branch of ['two', 'three']) {
      project.gitOk('branch', branch, 'main');
      withEnv(project, lfs.env, 'checkout', '-q', branch);
      project.write(`${branch}.bin`, randomBytes(3000).toString('base64'));
      withEnv(project, lfs.env, 'add', `${branch}.bin`);
      expect(withEnv(project, lfs.env, 'commit', '-qm', branch).status).toBe(0);
    }
    const both = withEnv(project, lfs.env, 'push', 'lfsr', 'two', 'three');
    expect(both.status, both.stderr).toBe(0);
    expect(lfs.stdin()).toMatch(/^refs\/heads\/three [0-9a-f]{40} refs\/heads\/three 0{40}\nrefs\/heads\/two [0-9a-f]{40} refs\/heads\/two 0{40}\n$|^refs\/heads\/two [0-9a-f]{40} refs\/heads\/two 0{40}\nrefs\/heads\/three [0-9a-f]{40} refs\/heads\/three 0{40}\n$/);
    expect(lfsObjectsIn(remote)).toBe(3);
    expect(lfs.calls().filter((call) => call === 'pre-push')).toEqual(['pre-push', 'pre-push']);
  });

  it('post-checkout, post-commit and post-merge run git-lfs: a lockable file is read-only after checkout and merge', () => {
    const project = track(projectWithKeyguard());
    const lfs = loggingLfs(project);
    withEnv(project, lfs.env, 'lfs', 'install', '--local', '--skip-repo');
    withEnv(project, lfs.env, 'lfs', 'track', '--lockable', '*.psd');
    project.write('a.psd', randomBytes(100).toString('base64'));
    withEnv(project, lfs.env, 'add', '.');
    expect(withEnv(project, lfs.env, 'commit', '-qm', 'init').status).toBe(0);
    expect(lfs.calls()).toEqual(['post-commit']);
    expect(withEnv(project, lfs.env, 'checkout', '-q', '-b', 'side').status).toBe(0);
    project.write('b.psd', randomBytes(100).toString('base64'));
    chmodSync(project.path('a.psd'), 0o644);
    withEnv(project, lfs.env, 'add', 'b.psd');
    expect(withEnv(project, lfs.env, 'commit', '-qm', 'b').status).toBe(0);
    expect(withEnv(project, lfs.env, 'checkout', '-q', 'main').status).toBe(0);
    expect(withEnv(project, lfs.env, 'merge', '-q', '--ff-only', 'side').status).toBe(0);
    expect(lfs.calls()).toEqual(['post-commit', 'post-checkout', 'post-commit', 'post-checkout', 'post-merge']);
    // git-lfs makes lockable files that you have not locked read-only.
    expect(statSync(project.path('b.psd')).mode & 0o222).toBe(0);
  });

  it('a repository without LFS: commits and pushes do not start git-lfs', () => {
    const project = track(projectWithKeyguard());
    const lfs = loggingLfs(project);
    project.gitOk('add', '.');
    expect(withEnv(project, lfs.env, 'commit', '-qm', 'init').status).toBe(0);
    expect(withEnv(project, lfs.env, 'checkout', '-q', '-b', 'x').status).toBe(0);
    addRemote(project);
    expect(withEnv(project, lfs.env, 'push', '-q', 'lfsr', 'x').status).toBe(0);
    expect(lfs.calls()).toEqual([]);
  });

  it('a .husky/pre-push that runs git lfs pre-push itself (as husky documents) is not doubled', () => {
    const project = track(projectWithKeyguard());
    const lfs = loggingLfs(project);
    project.write('.husky/pre-push', 'git lfs pre-push "$@"\n');
    withEnv(project, lfs.env, 'lfs', 'install', '--local', '--skip-repo');
    withEnv(project, lfs.env, 'lfs', 'track', '*.bin');
    project.write('d.bin', randomBytes(3000).toString('base64'));
    withEnv(project, lfs.env, 'add', '.');
    expect(withEnv(project, lfs.env, 'commit', '-qm', 'data').status).toBe(0);
    const remote = addRemote(project);
    const push = withEnv(project, lfs.env, 'push', 'lfsr', 'main');
    expect(push.status, push.stderr).toBe(0);
    expect(lfsObjectsIn(remote)).toBe(1);
    expect(lfs.calls().filter((call) => call === 'pre-push')).toEqual(['pre-push']);
  });

  it('LFS in use but git-lfs missing: the push is stopped with what to do, as git-lfs own hook would', () => {
    const project = track(projectWithKeyguard());
    withEnv(project, {}, 'lfs', 'install', '--local', '--skip-repo');
    withEnv(project, {}, 'lfs', 'track', '*.bin');
    project.write('d.bin', randomBytes(3000).toString('base64'));
    project.gitOk('add', '.');
    project.gitOk('commit', '-qm', 'data');
    const remote = addRemote(project);
    const env = { PATH: pathWithoutLfs(project) };
    const push = withEnv(project, env, 'push', 'lfsr', 'main');
    expect(push.status).not.toBe(0);
    expect(push.stderr).toContain('this repository uses Git LFS');
    expect(push.stderr).toContain('git-lfs is not installed');
    expect(remote.gitOk('branch', '--list')).toBe('');
    const doctor = project.npx('keyguard', 'doctor');
    const withoutLfs = spawnSync('npx', ['--no-install', 'keyguard', 'doctor'], { cwd: project.dir, env: { ...project.env, ...env }, encoding: 'utf8' });
    expect(doctor.stdout).not.toContain('git-lfs is not installed');
    expect(withoutLfs.status).toBe(1);
    expect(withoutLfs.stdout).toContain('this repository uses Git LFS');
    expect(withoutLfs.stdout).toContain('git-lfs is not installed');
  });

  it('doctor: keyguard hooks from before its Git LFS support, in a repository that uses LFS, are reported with the fix', () => {
    const project = track(projectWithKeyguard());
    withEnv(project, {}, 'lfs', 'track', '*.bin');
    const prePush = project.path('.git', 'hooks', 'pre-push');
    writeFileSync(prePush, readFileSync(prePush, 'utf8').replace(/^ {2}with_input git lfs .*$/m, '  :'));
    const doctor = project.npx('keyguard', 'doctor');
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toContain('older than keyguard');
    expect(doctor.stdout).toContain('keyguard install');
    expect(project.npx('keyguard', 'install').status).toBe(0);
    expect(project.npx('keyguard', 'doctor').stdout).toContain("Git LFS: its hooks");
  });
});
