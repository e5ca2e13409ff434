import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { denyKeyguardScripts, packedKeyguard, projectWithKeyguard } from '../support/package.js';
import { Sandbox, run } from '../support/sandbox.js';

/**
 * End to end, as teams use it: npm pack, install the tarball in fresh projects, run the install
 * route, then real `git commit` and `git push` (to a local bare remote).
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

/** Everything install may touch, to compare before and after. */
function snapshot(project: Sandbox, huskyDir = '.husky', packageDir = ''): Record<string, string> {
  const files: Record<string, string> = {};
  const folder = project.path(huskyDir);
  if (existsSync(folder)) {
    for (const name of readdirSync(folder)) {
      if (name !== '_') files[`${huskyDir}/${name}`] = readFileSync(join(folder, name), 'utf8');
    }
  }
  files['package.json'] = readFileSync(project.path(packageDir, 'package.json'), 'utf8');
  files['git config'] = project.gitOk('config', '--local', '--list');
  return files;
}

function addRemote(project: Sandbox): Sandbox {
  const remote = track(Sandbox.bare());
  project.gitOk('remote', 'add', 'origin', remote.dir);
  return remote;
}

/**
 * A project with keyguard installed but not set up (its install scripts denied), whose hooks so far
 * are the team's own: executable scripts in `folder`, which core.hooksPath points at.
 */
function projectWithHooksFolder(folder: string, scripts: Record<string, string>): Sandbox {
  const project = track(projectWithKeyguard({ blockScripts: true }));
  for (const [name, body] of Object.entries(scripts)) {
    project.write(`${folder}/${name}`, body);
    chmodSync(project.path(folder, name), 0o755);
  }
  project.gitOk('config', 'core.hooksPath', folder);
  return project;
}

describe('a fresh project', () => {
  it('npm install of keyguard sets up the hooks; commits, messages and pushes with keys are blocked', () => {
    const project = track(projectWithKeyguard());
    expect(project.git('config', 'core.hooksPath').status).not.toBe(0); // git's own hooks folder, in .git
    expect(readFileSync(project.path('.git/hooks/pre-commit'), 'utf8')).toContain('# keyguard: what git runs for this hook');
    expect(JSON.parse(readFileSync(project.path('package.json'), 'utf8')).scripts.prepare).toBe('keyguard install --quiet || exit 0');

    project.gitOk('add', '.');
    const clean = project.git('commit', '-m', 'init');
    expect(clean.status).toBe(0);
    expect(clean.stderr + clean.stdout).not.toContain('keyguard'); // silent when nothing is found

    project.write('config/aws.ini', keyFile()).gitOk('add', '.');
    const blocked = project.git('commit', '-m', 'add aws config');
    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toContain('keyguard: commit blocked');
    project.gitOk('reset', '--quiet', 'config/aws.ini');

    const message = project.git('commit', '--allow-empty', '-m', `deploy with ${freshKeyId()}`);
    expect(message.status).not.toBe(0);
    expect(message.stderr).toContain('the commit message contains 1 AWS credential');
    expect(project.commitCount()).toBe(1);

    addRemote(project);
    project.gitOk('push', '--quiet', 'origin', 'HEAD:main');
    project.gitOk('add', '.');
    project.gitOk('commit', '--no-verify', '-m', 'sneaked past the pre-commit hook');
    const sneaky = project.gitOk('rev-parse', 'HEAD').trim();
    const push = project.git('push', 'origin', 'HEAD:main');
    expect(push.status).not.toBe(0);
    expect(push.stderr).toContain('keyguard: push blocked');
    expect(push.stderr).toContain(sneaky);
    expect(push.stderr).toContain('git commit --amend');

    // A new branch: only commits not yet on any remote-tracking branch are scanned.
    project.gitOk('reset', '--quiet', '--hard', 'HEAD~1');
    project.gitOk('checkout', '--quiet', '-b', 'feature');
    project.write('README.md', 'hello\n').gitOk('add', '.');
    project.gitOk('commit', '-m', 'docs');
    expect(project.git('push', '--quiet', 'origin', 'feature').status).toBe(0);
  });

  it('git merge of a branch that brings a key in is blocked (pre-merge-commit), and leaves the merge to finish or abort', () => {
    const project = track(projectWithKeyguard());
    project.gitOk('add', '.');
    project.gitOk('commit', '-m', 'init');
    project.gitOk('checkout', '--quiet', '-b', 'side');
    project.write('side.ini', keyFile()).gitOk('add', 'side.ini');
    project.gitOk('commit', '--quiet', '--no-verify', '-m', 'side: key committed with --no-verify');
    project.gitOk('checkout', '--quiet', 'main');
    project.write('main.txt', 'main\n').gitOk('add', 'main.txt');
    project.gitOk('commit', '--quiet', '-m', 'main moves on');
    const merge = project.git('merge', '--no-edit', 'side');
    expect(merge.status).not.toBe(0);
    expect(merge.stderr).toContain('keyguard: commit blocked');
    expect(merge.stderr).toContain('side.ini');
    expect(project.gitOk('log', '-1', '--format=%s').trim()).toBe('main moves on');
    expect(project.git('merge', '--abort').status).toBe(0);
  });

  it('HUSKY=0 and --no-verify skip the hooks, as users expect', () => {
    const project = track(projectWithKeyguard());
    project.write('a.ini', keyFile()).gitOk('add', '.');
    expect(project.git('commit', '--no-verify', '-m', 'x').status).toBe(0);
    project.write('b.ini', keyFile()).gitOk('add', '.');
    expect(run('git', ['commit', '-m', 'y'], project.dir, { ...project.env, HUSKY: '0' }).status).toBe(0);
  });

  it('works in a GUI git client whose PATH has neither node nor node_modules/.bin', () => {
    const project = track(projectWithKeyguard());
    const bin = project.path('.gui-bin');
    mkdirSync(bin);
    for (const tool of ['git', 'sh', 'dirname', 'basename', 'cat']) {
      const found = run('sh', ['-c', `command -v ${tool}`], project.dir, project.env).stdout.trim();
      symlinkSync(found, join(bin, tool));
    }
    project.write('.gitignore', 'node_modules/\n.gui-bin/\n').write('k.ini', keyFile()).gitOk('add', '.');
    const result = run(join(bin, 'git'), ['commit', '-m', 'from a GUI'], project.dir, { ...project.env, PATH: bin });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('keyguard: commit blocked');
  });
});

describe('team-wide install', () => {
  it('a second clone of a project that lists keyguard is protected by npm install alone, even with install scripts blocked', () => {
    const first = track(projectWithKeyguard({ blockScripts: true }));
    // With dependency scripts blocked, keyguard's postinstall did not run: the first person installs by hand.
    expect(first.git('config', 'core.hooksPath').status).not.toBe(0);
    const install = first.npx('keyguard', 'install');
    expect(install.status, install.stderr).toBe(0);
    expect(install.stdout).toContain('Commit package.json');
    first.gitOk('add', '.');
    first.gitOk('commit', '-m', 'add keyguard');

    const clone = track(Sandbox.empty());
    run('git', ['clone', '--quiet', first.dir, clone.dir], clone.dir, clone.env);
    expect(existsSync(clone.path('.git/hooks/pre-commit'))).toBe(false);
    const npmInstall = clone.npm('install');
    expect(npmInstall.status, npmInstall.stderr).toBe(0);
    expect(readFileSync(clone.path('.git/hooks/pre-commit'), 'utf8')).toContain('# keyguard: what git runs for this hook');
    clone.write('src/config.js', `export default { accessKeyId: "${freshKeyId()}" };\n`).gitOk('add', 'src');
    const blocked = clone.git('commit', '-m', 'config');
    expect(blocked.status).not.toBe(0);
    expect(blocked.stderr).toContain('src/config.js');
  });

  it('a package that depends on keyguard does not set up hooks in its users\' repositories (only a direct dependency does)', () => {
    const library = track(Sandbox.empty());
    library.write('package.json', `${JSON.stringify({ name: 'uses-keyguard', version: '1.0.0', dependencies: { keyguard: `file:${packedKeyguard()}` } }, null, 2)}\n`);
    library.write('index.js', 'module.exports = 1;\n');
    const packed = run('npm', ['pack', '--silent', '--pack-destination', library.dir], library.dir, library.env);
    expect(packed.status, packed.stderr).toBe(0);
    const project = track(Sandbox.create());
    const manifest = '{\n  "name": "app",\n  "version": "1.0.0",\n  "private": true\n}\n';
    project.write('package.json', manifest);
    const result = project.npm('install', '--foreground-scripts', library.path(packed.stdout.trim()));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('keyguard: git hooks not installed (keyguard is a dependency of another package here');
    expect(existsSync(project.path('.git/hooks/pre-commit'))).toBe(false);
    expect(existsSync(project.path('.husky'))).toBe(false);
    expect(project.git('config', '--local', '--get-regexp', 'keyguard|hookspath').stdout).toBe('');
    expect(JSON.parse(readFileSync(project.path('package.json'), 'utf8')).scripts).toBeUndefined();
  });

  it('npm ci --omit=dev in a project that uses keyguard succeeds (keyguard is not installed there)', () => {
    const project = track(projectWithKeyguard());
    project.gitOk('add', '.');
    project.gitOk('commit', '-m', 'init');
    const ci = project.npm('ci', '--omit=dev');
    expect(ci.status, ci.stderr).toBe(0);
    expect(existsSync(project.path('node_modules', 'keyguard'))).toBe(false);
  });

  it.each([
    ['CI=true', { CI: 'true' }, 'CI'],
    ['HUSKY=0', { HUSKY: '0' }, 'HUSKY=0'],
    ['KEYGUARD_SKIP_INSTALL=1', { KEYGUARD_SKIP_INSTALL: '1' }, 'KEYGUARD_SKIP_INSTALL=1'],
  ])('keyguard\'s postinstall skips with one line and exit 0 under %s', (_name, env, reason) => {
    const project = track(Sandbox.create({ env }));
    project.write('package.json', '{"name":"p","version":"1.0.0","private":true}\n');
    const result = project.npm('install', '--save-dev', '--foreground-scripts', packedKeyguard());
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`keyguard: git hooks not installed (${reason}).`);
    expect(project.git('config', 'core.hooksPath').status).not.toBe(0);
  });

  it('npm install where there is no git repository (a tarball, a Docker build) exits 0', () => {
    const folder = track(Sandbox.empty());
    folder.write('package.json', '{"name":"p","version":"1.0.0","private":true}\n');
    const result = folder.npm('install', '--save-dev', '--foreground-scripts', packedKeyguard());
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('keyguard: git hooks not installed (no git repository).');
    const again = folder.npm('install'); // the prepare script runs too, and must not fail either
    expect(again.status, again.stderr).toBe(0);
  });

  it('a read-only tree: the postinstall skips with one line, exit 0, and changes nothing', () => {
    const project = track(projectWithKeyguard({ blockScripts: true }));
    const before = snapshot(project);
    run('chmod', ['-R', 'a-w,a+rX', project.dir], project.dir, project.env);
    try {
      // Root ignores file permissions: run the postinstall as an unprivileged user where we are root.
      const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
      const home = track(Sandbox.empty());
      run('chmod', ['0777', home.dir], home.dir, home.env);
      const [command, ...args] = [...asUser, process.execPath, project.path('node_modules', 'keyguard', 'bin', 'postinstall.js')];
      const result = run(command!, args, project.dir, { ...project.env, HOME: home.dir, INIT_CWD: project.dir });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
      expect(result.stdout).toMatch(/^keyguard: git hooks not installed/);
    } finally {
      run('chmod', ['-R', 'u+w', project.dir], project.dir, project.env);
    }
    expect(snapshot(project)).toEqual(before);
  });
});

describe('existing setups', () => {
  it('a monorepo subfolder: hooks go where git runs them, and find keyguard in the subfolder', () => {
    const project = track(projectWithKeyguard({ subfolder: 'packages/web' }));
    const dispatcher = readFileSync(project.path('.git/hooks/pre-commit'), 'utf8');
    expect(dispatcher).toContain('husky_dir=packages/web/.husky\n');
    expect(dispatcher).toContain('keyguard=packages/web/node_modules/keyguard/hooks/keyguard.sh\n');
    project.write('infra/deploy.sh', `export AWS_ACCESS_KEY_ID=${freshKeyId()}\n`).gitOk('add', '.');
    expect(project.git('commit', '-m', 'from the top level').status).not.toBe(0);
    expect(run('git', ['commit', '-m', 'from the package'], project.path('packages/web'), project.env).status).not.toBe(0);
    // doctor follows the hooks git runs, so it answers the same from the top level as from the package.
    const keyguard = project.path('packages/web/node_modules/keyguard/bin/keyguard.js');
    for (const cwd of [project.dir, project.path('infra'), project.path('packages/web')]) {
      const doctor = run(process.execPath, [keyguard, 'doctor'], cwd, project.env);
      expect(doctor.status, `${cwd}\n${doctor.stdout}`).toBe(0);
      expect(doctor.stdout).toContain('pre-commit: keyguard blocked');
    }
  });

  it('an existing husky hook keeps its commands; installing twice changes nothing; uninstall restores it exactly', () => {
    const project = track(Sandbox.create());
    const manifest = {
      name: 'p',
      version: '1.0.0',
      private: true,
      scripts: { prepare: 'husky', test: 'true' },
      devDependencies: { husky: '9.1.7', keyguard: `file:${packedKeyguard()}` },
      allowScripts: denyKeyguardScripts(),
    };
    project.write('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
    project.write('.gitignore', 'node_modules/\n');
    project.write('.husky/pre-commit', 'echo "lint-staged ran" > .lint-marker\n');
    const installDeps = project.npm('install'); // runs the project's prepare: husky
    expect(installDeps.status, installDeps.stderr).toBe(0);
    expect(project.gitOk('config', 'core.hooksPath').trim()).toBe('.husky/_');
    const before = snapshot(project);

    const first = project.npx('keyguard', 'install');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('note: your prepare script also runs husky');
    const installed = snapshot(project);
    expect(installed['.husky/pre-commit']).toBe('echo "lint-staged ran" > .lint-marker\n'); // the project's script, untouched
    expect(project.git('config', 'core.hooksPath').status).not.toBe(0);
    expect(JSON.parse(installed['package.json']!).scripts.prepare).toBe('husky && (keyguard install --quiet || exit 0)');

    const second = project.npx('keyguard', 'install');
    expect(second.stdout).toContain('already installed; nothing changed');
    expect(snapshot(project)).toEqual(installed);

    project.write('.lint-marker', '').write('ok.txt', 'fine\n').gitOk('add', '.');
    expect(project.git('commit', '-m', 'clean').status).toBe(0);
    expect(readFileSync(project.path('.lint-marker'), 'utf8')).toBe('lint-staged ran\n');
    project.write('bad.ini', keyFile()).gitOk('add', 'bad.ini');
    expect(project.git('commit', '-m', 'key').status).not.toBe(0);
    project.gitOk('reset', '--quiet', 'bad.ini');

    const removed = project.npx('keyguard', 'uninstall');
    expect(removed.status, removed.stderr).toBe(0);
    expect(snapshot(project)).toEqual(before);
  });

  it('uninstall of a fresh install removes husky too, leaving the repository as it was', () => {
    const project = track(projectWithKeyguard({ blockScripts: true }));
    const before = snapshot(project);
    expect(before['.husky/pre-commit']).toBeUndefined();
    expect(project.npx('keyguard', 'install').status).toBe(0);
    expect(project.npx('keyguard', 'uninstall').status).toBe(0);
    expect(snapshot(project)).toEqual(before);
    expect(existsSync(project.path('.husky'))).toBe(false);
  });

  it('hooks already in .git/hooks (git-lfs style) keep running: chained, with their stdin', () => {
    const project = track(projectWithKeyguard({ blockScripts: true }));
    const lfsPrePush = project.path('.git', 'hooks', 'pre-push');
    writeFileSync(lfsPrePush, `#!/bin/sh\ncat > "${project.path('.git', 'lfs-saw-stdin')}"\n`);
    chmodSync(lfsPrePush, 0o755);
    const lfsPostCommit = project.path('.git', 'hooks', 'post-commit');
    writeFileSync(lfsPostCommit, `#!/bin/sh\ntouch "${project.path('.git', 'lfs-post-commit-ran')}"\n`);
    chmodSync(lfsPostCommit, 0o755);

    const install = project.npx('keyguard', 'install');
    expect(install.stdout).toMatch(/kept the hooks that were in .*hooks running \(post-commit, pre-push\)/);
    project.gitOk('add', '.');
    project.gitOk('commit', '-m', 'init');
    expect(existsSync(project.path('.git', 'lfs-post-commit-ran'))).toBe(true);
    addRemote(project);
    project.gitOk('push', '--quiet', 'origin', 'HEAD:main');
    expect(readFileSync(project.path('.git', 'lfs-saw-stdin'), 'utf8')).toMatch(/^\S+ [0-9a-f]{40} refs\/heads\/main 0{40}\n$/);
  });

  it('a husky 8 setup (core.hooksPath=.husky) is taken over without hooks calling themselves; uninstall gives it back', () => {
    const project = projectWithHooksFolder('.husky', {
      '_/husky.sh': '#!/usr/bin/env sh\n# husky 8\n',
      'pre-commit': '#!/usr/bin/env sh\n. "$(dirname -- "$0")/_/husky.sh"\necho ran >> .git/v8-ran\n',
    });

    const install = project.npx('keyguard', 'install');
    expect(install.status, install.stderr).toBe(0);
    expect(install.stdout).not.toContain('the hooks in .husky keep running'); // its scripts are the project's: run once
    expect(project.git('config', 'core.hooksPath').status).not.toBe(0);
    project.gitOk('add', '.');
    expect(project.git('commit', '-m', 'init').status).toBe(0);
    expect(readFileSync(project.path('.git', 'v8-ran'), 'utf8')).toBe('ran\n'); // once: no loop
    project.write('bad.ini', keyFile()).gitOk('add', 'bad.ini');
    expect(project.git('commit', '-m', 'key').stderr).toContain('keyguard: commit blocked');
    project.gitOk('reset', '--quiet', 'bad.ini');

    expect(project.npx('keyguard', 'uninstall').stdout).toContain('restored core.hooksPath to .husky');
    expect(project.gitOk('config', 'core.hooksPath').trim()).toBe('.husky');
    expect(readFileSync(project.path('.husky/pre-commit'), 'utf8')).not.toContain('keyguard');
    // husky 8's own files were never touched.
    expect(readdirSync(project.path('.husky/_'))).toEqual(['husky.sh']);
    expect(readFileSync(project.path('.husky/_/husky.sh'), 'utf8')).toBe('#!/usr/bin/env sh\n# husky 8\n');
    expect(project.gitOk('config', '--local', '--list')).not.toContain('keyguard.');
  });

  it('a husky 8 folder elsewhere (husky install .config/husky) keeps running: chained, and it can still stop a commit', () => {
    const project = projectWithHooksFolder('.config/husky', {
      '_/husky.sh': '#!/usr/bin/env sh\n# husky 8\n',
      'pre-commit': '#!/usr/bin/env sh\n. "$(dirname -- "$0")/_/husky.sh"\necho team-hook-ran >> .git/team-hook\n[ ! -f STOP ]\n',
    });
    expect(project.npx('keyguard', 'install').stdout).toContain('the hooks in .config/husky keep running');
    project.gitOk('add', '.');
    expect(project.git('commit', '-m', 'init').status).toBe(0);
    expect(readFileSync(project.path('.git', 'team-hook'), 'utf8')).toBe('team-hook-ran\n');
    project.write('STOP', '').gitOk('add', 'STOP');
    expect(project.git('commit', '-m', 'the team hook says no').status).not.toBe(0);
  });

  it('a hooks folder of the team (core.hooksPath=.githooks) keeps running, and is put back by uninstall', () => {
    const project = projectWithHooksFolder('.githooks', { 'pre-commit': '#!/bin/sh\necho ran >> .git/team-hook-ran\n' });
    expect(project.npx('keyguard', 'install').stdout).toContain('the hooks in .githooks keep running');
    project.gitOk('add', '.');
    expect(project.git('commit', '-m', 'init').status).toBe(0);
    expect(readFileSync(project.path('.git', 'team-hook-ran'), 'utf8')).toBe('ran\n');
    project.npx('keyguard', 'uninstall');
    expect(project.gitOk('config', 'core.hooksPath').trim()).toBe('.githooks');
  });

  it('a pre-push script after keyguard\'s lines still reads the refs git sends on stdin', () => {
    const project = track(projectWithKeyguard({ blockScripts: true }));
    project.write('.husky/pre-push', 'echo "[$(cat)]" > .git/pushed-refs\n');
    expect(project.npx('keyguard', 'install').status).toBe(0);
    project.gitOk('add', '.');
    project.gitOk('commit', '-m', 'init');
    addRemote(project);
    const push = project.git('push', '--quiet', 'origin', 'HEAD:main');
    expect(push.status, push.stderr).toBe(0);
    expect(readFileSync(project.path('.git', 'pushed-refs'), 'utf8')).toMatch(/^\[\S+ [0-9a-f]{40} refs\/heads\/main 0{40}\]\n$/);
  });

  it('linked worktrees, existing and new, share the hooks; doctor notices one given other hooks; 0.1\'s worktree settings are removed', () => {
    const project = track(projectWithKeyguard({ blockScripts: true }));
    project.gitOk('add', '.');
    project.gitOk('commit', '--no-verify', '-m', 'init');
    const before = `${project.dir}-before`;
    const after = `${project.dir}-after`;
    project.gitOk('worktree', 'add', '--quiet', before);
    // What keyguard 0.1 left in a worktree: a worktree-scoped core.hooksPath, marked as its own.
    project.gitOk('config', 'extensions.worktreeConfig', 'true');
    project.gitOk('config', 'keyguard.enabledWorktreeConfig', 'true');
    run('git', ['config', '--worktree', 'core.hooksPath', '/nowhere'], before, project.env);
    run('git', ['config', '--worktree', 'keyguard.worktreeHooksPath', 'true'], before, project.env);
    try {
      expect(project.npx('keyguard', 'install').status).toBe(0);
      project.gitOk('worktree', 'add', '--quiet', after);
      for (const worktree of [before, after]) {
        writeFileSync(join(worktree, 'leak.ini'), keyFile());
        run('git', ['add', 'leak.ini'], worktree, project.env);
        const result = run('git', ['commit', '-m', 'leak'], worktree, project.env);
        expect(result.status, worktree).not.toBe(0);
        expect(result.stderr).toContain('keyguard: commit blocked');
      }
      expect(project.npx('keyguard', 'doctor').status).toBe(0);
      // In a worktree with no node_modules of its own, doctor (run from the main clone's keyguard)
      // proves the hooks git runs there.
      const inWorktree = run(process.execPath, [project.path('node_modules/keyguard/bin/keyguard.js'), 'doctor'], after, project.env);
      expect(inWorktree.status, inWorktree.stdout).toBe(0);
      expect(inWorktree.stdout).toContain('pre-commit: keyguard blocked');

      project.gitOk('config', 'extensions.worktreeConfig', 'true');
      run('git', ['config', '--worktree', 'core.hooksPath', '/nowhere'], after, project.env);
      const doctor = project.npx('keyguard', 'doctor');
      expect(doctor.status).toBe(1);
      expect(doctor.stdout).toContain(`linked worktree ${after} runs other hooks (/nowhere)`);
      run('git', ['config', '--worktree', '--unset', 'core.hooksPath'], after, project.env);

      expect(project.npx('keyguard', 'uninstall').status).toBe(0);
      expect(project.gitOk('config', '--local', '--list')).not.toMatch(/keyguard\./);
    } finally {
      for (const worktree of [before, after]) project.git('worktree', 'remove', '--force', worktree);
    }
  });

  it('doctor: healthy exits 0; with hooks switched off it says so and exits 1', () => {
    const project = track(projectWithKeyguard());
    const healthy = project.npx('keyguard', 'doctor');
    expect(healthy.status).toBe(0);
    expect(healthy.stdout).toContain('pre-push: keyguard blocked');
    const xdg = track(Sandbox.empty());
    xdg.write('husky/init.sh', '# switched off while debugging\nexport HUSKY=0\n');
    const huskyOff = run('npx', ['--no-install', 'keyguard', 'doctor'], project.dir, { ...project.env, XDG_CONFIG_HOME: xdg.dir });
    expect(huskyOff.status).toBe(1);
    expect(huskyOff.stdout).toContain(`${xdg.path('husky/init.sh')} sets HUSKY=0`);
    expect(huskyOff.stdout).toContain('pre-commit: a commit of a file with an AWS key went through');
    const envOff = run('npx', ['--no-install', 'keyguard', 'doctor'], project.dir, { ...project.env, HUSKY: '0' });
    expect(envOff.status).toBe(1);
    expect(envOff.stdout).toContain('HUSKY=0 is set in this environment');
  });
});

describe('lint-staged', () => {
  it('keyguard check --files as a lint-staged task scans the staged content, whatever the working tree holds', () => {
    const project = track(Sandbox.create());
    const manifest = { name: 'p', version: '1.0.0', private: true, allowScripts: denyKeyguardScripts(), 'lint-staged': { '*': 'keyguard check --files' } };
    project.write('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
    project.write('.gitignore', 'node_modules/\n');
    const deps = project.npm('install', '--save-dev', 'lint-staged@16.3.4', packedKeyguard());
    expect(deps.status, deps.stderr).toBe(0);
    project.gitOk('add', '.');
    project.gitOk('commit', '--no-verify', '-m', 'init');

    // The key is staged; the working tree no longer has it (lint-staged hides unstaged changes).
    project.write('app/[id]/page.tsx', `const k = "${freshKeyId()}";\n`).gitOk('add', '.');
    project.write('app/[id]/page.tsx', 'const k = process.env.KEY;\n');
    const blocked = project.npx('lint-staged');
    expect(blocked.status).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain('app/[id]/page.tsx');

    // The reverse: the key only in the working tree, the staged version clean.
    project.gitOk('add', '.');
    project.write('app/[id]/page.tsx', `const k = "${freshKeyId()}";\n`);
    const passed = project.npx('lint-staged');
    expect(passed.status, passed.stdout + passed.stderr).toBe(0);
  });
});
