import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { packedKeyguard, projectWithKeyguard } from '../support/package.js';
import { Sandbox, run, type RunResult } from '../support/sandbox.js';

/**
 * Issue 10: the ways keys reached commits while doctor said "Protected", each through real git
 * on a project with the packed keyguard installed by npm: the work tree losing the hooks, steps
 * of the hook that fail, git paths that commit without pre-commit, hook scripts that re-stage,
 * pushes that read the wrong objects or trust the wrong tracking branches.
 */

const keyFile = () => `aws_access_key_id = ${freshKeyId()}\naws_secret_access_key = ${freshSecret()}\n`;
const sandboxes: Sandbox[] = [];
const track = <T extends Sandbox>(sandbox: T): T => {
  sandboxes.push(sandbox);
  return sandbox;
};
afterEach(() => {
  for (const sandbox of sandboxes.splice(0)) sandbox.remove();
});

/** A project with keyguard installed by npm, its own husky-style pre-commit script, one clean commit. */
function protectedProject(options: { preCommit?: string } = {}): Sandbox {
  const project = track(projectWithKeyguard());
  project.write('.husky/pre-commit', options.preCommit ?? 'echo project-script-ran >> "$(git rev-parse --git-common-dir)/project-script"\n');
  project.write('src/app.js', 'export const app = 1;\n');
  project.gitOk('add', '.');
  project.gitOk('commit', '--quiet', '-m', 'init');
  return project;
}

function head(project: Sandbox, cwd = project.dir): string {
  return run('git', ['rev-parse', 'HEAD'], cwd, project.env).stdout.trim();
}

function expectBlocked(result: RunResult, what = 'keyguard: commit blocked'): void {
  expect(result.status, result.stderr + result.stdout).not.toBe(0);
  expect(result.stderr + result.stdout).toContain(what);
}

function addRemote(project: Sandbox, name = 'origin'): Sandbox {
  const remote = track(Sandbox.bare());
  project.gitOk('remote', 'add', name, remote.dir);
  return remote;
}

describe('the work tree cannot take the hooks away (item 2)', () => {
  it('git runs hooks from the git directory, not from the work tree', () => {
    const project = protectedProject();
    expect(project.git('config', 'core.hooksPath').status).not.toBe(0);
    expect(readFileSync(project.path('.git/hooks/pre-commit'), 'utf8')).toContain('# keyguard: what git runs for this hook');
    const ranBefore = readFileSync(project.path('.git/project-script'), 'utf8');
    project.write('config.ini', keyFile()).gitOk('add', '.');
    expectBlocked(project.git('commit', '-m', 'key'));
    // The project's own script ran too, as husky would run it.
    expect(readFileSync(project.path('.git/project-script'), 'utf8')).toBe(`${ranBefore}project-script-ran\n`);
  });

  it('after `git sparse-checkout set src` (no .husky/ in the work tree) a key commit is blocked', () => {
    const project = protectedProject();
    const before = head(project);
    project.gitOk('sparse-checkout', 'set', 'src');
    expect(existsSync(project.path('.husky'))).toBe(false);
    project.write('src/config.ini', keyFile()).gitOk('add', 'src/config.ini');
    const commit = project.git('commit', '-m', 'key in a sparse checkout');
    expect(commit.status, commit.stderr).not.toBe(0);
    expect(commit.stderr).toMatch(/keyguard: commit blocked|keyguard: .* is missing/);
    expect(head(project)).toBe(before);
  });

  it('after `git clean -xfd` (node_modules gone) every commit stops with exit 2 until npm install', () => {
    const project = protectedProject();
    const before = head(project);
    project.gitOk('clean', '-xfdq');
    expect(existsSync(project.path('node_modules'))).toBe(false);
    project.write('config.ini', keyFile()).gitOk('add', 'config.ini');
    const commit = project.git('commit', '-m', 'key after git clean');
    expect(commit.status).not.toBe(0); // the hook's exit 2; git commit itself exits 1
    expect(commit.stderr).toContain('node_modules/keyguard/hooks/keyguard.sh is missing (run npm install)');
    expect(head(project)).toBe(before);
    // npm install brings keyguard back (from the tarball the project names): blocked for the key itself.
    const reinstall = project.npm('install');
    expect(reinstall.status, reinstall.stderr).toBe(0);
    expectBlocked(project.git('commit', '-m', 'key after npm install'));
  });

  it('a worktree added with --no-checkout runs the same hooks, with the main worktree\'s keyguard', () => {
    const project = protectedProject();
    const worktree = `${project.dir}-nocheckout`;
    project.gitOk('worktree', 'add', '--quiet', '--no-checkout', worktree);
    try {
      run('git', ['checkout', '--quiet', 'HEAD', '--', '.'], worktree, project.env);
      const before = head(project, worktree);
      writeFileSync(join(worktree, 'leak.ini'), keyFile());
      run('git', ['add', 'leak.ini'], worktree, project.env);
      expectBlocked(run('git', ['commit', '-m', 'leak'], worktree, project.env));
      expect(head(project, worktree)).toBe(before);
    } finally {
      project.git('worktree', 'remove', '--force', worktree);
    }
  });
});

describe('fail-open paths (item 7)', () => {
  it('with `tr` missing from PATH the commit still goes to the full check', () => {
    const project = protectedProject();
    const bin = project.path('.no-tr-bin');
    mkdirSync(bin);
    for (const dir of ['/usr/local/bin', '/usr/bin', '/bin']) {
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir)) {
        if (name === 'tr' || existsSync(join(bin, name))) continue;
        symlinkSync(join(dir, name), join(bin, name));
      }
    }
    if (!existsSync(join(bin, 'node'))) symlinkSync(process.execPath, join(bin, 'node'));
    project.write('.gitignore', 'node_modules/\n.no-tr-bin/\n');
    expect(run('sh', ['-c', 'command -v tr || echo none'], project.dir, { ...project.env, PATH: bin }).stdout.trim()).toBe('none');
    project.write('config.ini', keyFile()).gitOk('add', 'config.ini');
    expectBlocked(run(join(bin, 'git'), ['commit', '-m', 'no tr'], project.dir, { ...project.env, PATH: bin }));
  });

  it('pre-push reads what git sends, not a `git replace` stand-in', () => {
    const project = protectedProject();
    addRemote(project);
    project.gitOk('push', '--quiet', 'origin', 'main');
    project.write('config.ini', keyFile()).gitOk('add', 'config.ini');
    project.gitOk('commit', '--quiet', '--no-verify', '-m', 'key');
    const leaky = head(project);
    // A commit with the same parent and message but a clean tree, replacing the leaky one.
    const cleanTree = project.gitOk('rev-parse', 'HEAD~1^{tree}').trim();
    const stand_in = run('git', ['commit-tree', cleanTree, '-p', 'HEAD~1'], project.dir, project.env, 'key\n').stdout.trim();
    project.gitOk('replace', leaky, stand_in);
    const push = project.git('push', 'origin', 'main');
    expectBlocked(push, 'keyguard: push blocked');
    expect(push.stderr).toContain(leaky);
  });

  it('after `git remote set-url`, commits on the old host\'s tracking branches are checked before they go to the new host', () => {
    const project = protectedProject();
    const oldHost = addRemote(project);
    project.write('config.ini', keyFile()).gitOk('add', 'config.ini');
    project.gitOk('commit', '--quiet', '--no-verify', '-m', 'key, pushed to the old host without hooks');
    project.gitOk('push', '--quiet', '--no-verify', 'origin', 'main');
    project.gitOk('fetch', '--quiet', 'origin');
    const newHost = track(Sandbox.bare());
    project.gitOk('remote', 'set-url', 'origin', newHost.dir);
    project.gitOk('checkout', '--quiet', '-b', 'feature');
    project.write('notes.md', 'notes\n').gitOk('add', 'notes.md');
    project.gitOk('commit', '--quiet', '-m', 'notes');
    const push = project.git('push', 'origin', 'feature');
    expectBlocked(push, 'keyguard: push blocked');
    expect(push.stderr).toContain('URL of remote "origin" changed');
    expect(run('git', ['rev-parse', '--verify', '--quiet', 'refs/heads/feature'], newHost.dir, project.env).status).not.toBe(0);
    expect(oldHost.dir).not.toBe(newHost.dir);
  });

  it('remembers remote URLs by digest only: a password in a URL is never copied, and the file is private', () => {
    const project = protectedProject();
    const password = encodeURIComponent(freshSecret());
    project.gitOk('remote', 'add', 'cc', `https://deploy-at-123456789012:${password}@git-codecommit.us-east-1.amazonaws.com/v1/repos/app`);
    const install = project.npx('keyguard', 'install');
    expect(install.status, install.stderr).toBe(0);
    const file = project.path('.git', 'keyguard', 'remote-urls');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^cc\tsha256:[0-9a-f]{64}$/m);
    expect(text).not.toContain(password);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('a bare repository with a separate work tree (dotfiles) can be protected', () => {
    const scratch = track(Sandbox.empty());
    const gitDir = scratch.path('dotfiles.git');
    const home = scratch.path('home');
    mkdirSync(home);
    expect(run('git', ['init', '--quiet', '--bare', gitDir], scratch.dir, scratch.env).status).toBe(0);
    writeFileSync(join(home, 'package.json'), '{"name":"dotfiles","version":"1.0.0","private":true}\n');
    expect(run('npm', ['--no-audit', '--no-fund', 'install', '--save-dev', packedKeyguard()], home, scratch.env).status).toBe(0);
    const env = { ...scratch.env, GIT_DIR: gitDir, GIT_WORK_TREE: home };
    const install = run('npx', ['--no-install', 'keyguard', 'install'], home, env);
    expect(install.status, install.stderr + install.stdout).toBe(0);
    expect(readFileSync(join(gitDir, 'hooks', 'pre-commit'), 'utf8')).toContain('# keyguard: what git runs for this hook');
    writeFileSync(join(home, '.aws-credentials'), keyFile());
    const dotfiles = (...args: string[]) => run('git', [`--git-dir=${gitDir}`, `--work-tree=${home}`, ...args], home, scratch.env);
    expect(dotfiles('add', '.aws-credentials').status).toBe(0);
    expectBlocked(dotfiles('commit', '-m', 'my credentials'));
    expect(dotfiles('rev-parse', '--verify', '--quiet', 'HEAD').status).not.toBe(0);
  });
});

describe('the check sees the index the commit will have (item 4)', () => {
  it('a project script that re-stages after its own checks, then `exit 0`s, cannot let a key through', () => {
    const project = protectedProject({ preCommit: 'git add -A\nexit 0\n' });
    project.write('config.ini', keyFile()); // not staged: the project's script stages it
    project.write('src/app.js', 'export const app = 2;\n').gitOk('add', 'src/app.js');
    expectBlocked(project.git('commit', '-m', 'only app.js was staged'));
  });

  it('lint-staged --no-hide-partially-staged re-staging a whole file with a key is blocked', () => {
    const project = protectedProject();
    const deps = project.npm('install', '--save-dev', 'lint-staged@16.3.4');
    expect(deps.status, deps.stderr).toBe(0);
    project.write('.husky/pre-commit', 'npx --no-install lint-staged --no-hide-partially-staged\n');
    const manifest = JSON.parse(readFileSync(project.path('package.json'), 'utf8'));
    manifest['lint-staged'] = { '*.js': 'node fmt.cjs' };
    project.write('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
    project.write('fmt.cjs', "const fs = require('fs');\nfor (const f of process.argv.slice(2)) fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/\\s+$/, '') + '\\n');\n");
    project.gitOk('add', '.');
    expect(project.git('commit', '--quiet', '-m', 'lint-staged').status).toBe(0);

    // Staged: a clean change. Not staged: a key in the same file. The formatter touches the file and
    // lint-staged adds it whole.
    project.write('src/app.js', 'export const app = 3;   \n').gitOk('add', 'src/app.js');
    project.write('src/app.js', `export const app = 3;   \nexport const key = "${freshKeyId()}";\n`);
    const before = head(project);
    const commit = project.git('commit', '-m', 'formatted');
    expectBlocked(commit);
    expect(head(project)).toBe(before);
  });
});

describe('commits made without pre-commit (item 3)', () => {
  function withSideBranch(): Sandbox {
    const project = protectedProject();
    project.gitOk('checkout', '--quiet', '-b', 'side');
    project.write('side.ini', keyFile()).gitOk('add', 'side.ini');
    project.gitOk('commit', '--quiet', '--no-verify', '-m', 'side: key committed with --no-verify');
    project.gitOk('checkout', '--quiet', 'main');
    return project;
  }

  it('git cherry-pick of a commit with a key is blocked', () => {
    const project = withSideBranch();
    const before = head(project);
    expectBlocked(project.git('cherry-pick', 'side'));
    expect(head(project)).toBe(before);
    project.git('cherry-pick', '--abort');
  });

  it('git am of a patch with a key is blocked (pre-applypatch), and so is a key in its message (applypatch-msg)', () => {
    const project = withSideBranch();
    const patches = track(Sandbox.empty());
    project.gitOk('format-patch', '--quiet', '-1', 'side', '-o', patches.dir);
    const before = head(project);
    expectBlocked(project.git('am', ...readdirSync(patches.dir).map((name) => patches.path(name))));
    expect(head(project)).toBe(before);
    project.gitOk('am', '--abort');

    project.gitOk('checkout', '--quiet', '-b', 'msg');
    project.write('clean.txt', 'clean\n').gitOk('add', 'clean.txt');
    project.gitOk('commit', '--quiet', '--no-verify', '-m', `deploy\n\nwith ${freshKeyId()}`);
    const messagePatches = track(Sandbox.empty());
    project.gitOk('format-patch', '--quiet', '-1', 'HEAD', '-o', messagePatches.dir);
    project.gitOk('checkout', '--quiet', 'main');
    expectBlocked(project.git('am', ...readdirSync(messagePatches.dir).map((name) => messagePatches.path(name))), 'commit message');
    expect(head(project)).toBe(before);
  });

  it('git rebase --continue after an edit stop with a key staged is blocked', () => {
    const project = protectedProject();
    project.write('a.txt', 'a\n').gitOk('add', 'a.txt');
    project.gitOk('commit', '--quiet', '-m', 'a');
    const env = { ...project.env, GIT_SEQUENCE_EDITOR: "sed -i '1s/^pick/edit/'", GIT_EDITOR: 'true' };
    expect(run('git', ['rebase', '-i', 'HEAD~1'], project.dir, env).status).toBe(0);
    project.write('edit.ini', keyFile()).gitOk('add', 'edit.ini');
    const cont = run('git', ['rebase', '--continue'], project.dir, env);
    expectBlocked(cont);
    expect(project.gitOk('ls-tree', '-r', '--name-only', 'HEAD')).not.toContain('edit.ini');
    run('git', ['rebase', '--abort'], project.dir, env);
  });

  it('git rebase --continue after a conflict resolved with a key is blocked', () => {
    const project = protectedProject();
    project.gitOk('checkout', '--quiet', '-b', 'topic');
    project.write('src/app.js', 'export const app = "topic";\n').gitOk('add', '.');
    project.gitOk('commit', '--quiet', '-m', 'topic');
    project.gitOk('checkout', '--quiet', 'main');
    project.write('src/app.js', 'export const app = "main";\n').gitOk('add', '.');
    project.gitOk('commit', '--quiet', '-m', 'main');
    project.gitOk('checkout', '--quiet', 'topic');
    const env = { ...project.env, GIT_EDITOR: 'true' };
    expect(run('git', ['rebase', 'main'], project.dir, env).status).not.toBe(0); // the conflict
    project.write('src/app.js', `export const app = "${freshKeyId()}";\n`).gitOk('add', 'src/app.js');
    expectBlocked(run('git', ['rebase', '--continue'], project.dir, env));
    run('git', ['rebase', '--abort'], project.dir, env);
  });

  it('a plain rebase of a commit with a key is blocked; `git commit --no-verify` still skips on purpose', () => {
    const project = withSideBranch();
    project.write('m.txt', 'm\n').gitOk('add', 'm.txt');
    project.gitOk('commit', '--quiet', '-m', 'main moves');
    project.gitOk('checkout', '--quiet', 'side');
    const before = head(project);
    expectBlocked(run('git', ['rebase', 'main'], project.dir, { ...project.env, GIT_EDITOR: 'true' }));
    project.git('rebase', '--abort');
    expect(head(project)).toBe(before);
    project.write('b.ini', keyFile()).gitOk('add', 'b.ini');
    expect(project.git('commit', '--quiet', '--no-verify', '-m', 'deliberate').status).toBe(0);
  });

  it('a fast-forward merge makes no commit: the key is stopped at push', () => {
    const project = withSideBranch();
    addRemote(project);
    project.gitOk('push', '--quiet', 'origin', 'main');
    expect(project.git('merge', '--ff-only', '--quiet', 'side').status).toBe(0);
    expectBlocked(project.git('push', 'origin', 'main'), 'keyguard: push blocked');
  });
});

function snapshotOf(project: Sandbox): string {
  return [
    project.gitOk('status', '--porcelain=v2', '--branch', '--untracked-files=all', '--ignored'),
    project.gitOk('for-each-ref'),
    project.gitOk('stash', 'list'),
    project.gitOk('ls-files', '-s', '--debug'),
    project.gitOk('config', '--local', '--list'),
  ].join('\n---\n');
}

describe('doctor proves it (the probe)', () => {
  it('protected: every hook blocks the probe, in a few seconds, and nothing of the user\'s changes', () => {
    const project = protectedProject();
    project.write('wip.txt', 'work in progress\n').gitOk('add', 'wip.txt');
    project.write('src/app.js', 'export const app = "unstaged";\n');
    const before = snapshotOf(project);
    const started = Date.now();
    const doctor = project.npx('keyguard', 'doctor');
    const seconds = (Date.now() - started) / 1000;
    expect(doctor.status, doctor.stdout).toBe(0);
    for (const hook of ['pre-commit', 'commit-msg', 'pre-push']) expect(doctor.stdout).toContain(`${hook}: keyguard blocked`);
    expect(doctor.stdout).toContain("its pre-commit hook is keyguard's");
    expect(doctor.stdout).toContain('Protected');
    expect(snapshotOf(project)).toBe(before);
    expect(readFileSync(project.path('.git/project-script'), 'utf8')).toBe('project-script-ran\n'); // the probe ran it elsewhere
    expect(seconds).toBeLessThan(15);
  });

  const breakages: Array<[string, (project: Sandbox) => void, RegExp]> = [
    ['another tool overwrote pre-commit (simple-git-hooks style)', (p) => {
      writeFileSync(p.path('.git/hooks/pre-commit'), '#!/bin/sh\n# simple-git-hooks\nnpx lint-staged || true\n');
      chmodSync(p.path('.git/hooks/pre-commit'), 0o755);
    }, /pre-commit: a commit of a file with an AWS key went through/],
    ['`npx husky` set core.hooksPath back to .husky/_', (p) => {
      p.write('.husky/_/h', '#!/bin/sh\n').write('.husky/_/pre-commit', '#!/bin/sh\nexit 0\n');
      chmodSync(p.path('.husky/_/pre-commit'), 0o755);
      p.gitOk('config', 'core.hooksPath', '.husky/_');
    }, /pre-commit: a commit of a file with an AWS key went through[^]*fix: npx --no-install keyguard install/],
    ['node_modules is gone (git clean -xfd)', (p) => p.gitOk('clean', '-xfdq', '-e', '.husky'), /is missing \(run npm install\)[^]*fix: npm install/],
    ['the hooks were deleted', (p) => {
      for (const hook of ['pre-commit', 'commit-msg', 'pre-push']) run('rm', ['-f', p.path('.git/hooks', hook)], p.dir, p.env);
    }, /pre-push: a push of a commit with an AWS key went through/],
  ];
  it.each(breakages)('not protected when %s', (_name, breakIt, expected) => {
    const project = protectedProject();
    breakIt(project);
    const keyguard = project.path('node_modules/keyguard/bin/keyguard.js');
    const doctor = existsSync(keyguard)
      ? run(process.execPath, [keyguard, 'doctor'], project.dir, project.env)
      : run(process.execPath, [join(process.cwd(), 'bin/keyguard.js'), 'doctor'], project.dir, project.env);
    expect(doctor.status, doctor.stdout).toBe(1);
    expect(doctor.stdout).toMatch(expected);
    expect(doctor.stdout).toContain('Not protected');
  });
});
