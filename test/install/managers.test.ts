import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { packedKeyguard } from '../support/package.js';
import { PROJECT_ROOT, Sandbox, run, type RunResult } from '../support/sandbox.js';

/**
 * Issue 10, item 1: keyguard inside the hook manager a project already uses, with the real tool
 * (lefthook and simple-git-hooks from npm, the pre-commit framework from Debian's package, which
 * .ci/run installs): the key is blocked and the manager's own checks still run. The configuration
 * lines are the README's.
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

const LAUNCHER = 'node_modules/keyguard/hooks/keyguard.sh';

export const LEFTHOOK_YML = `pre-commit:
  commands:
    team-check:
      run: echo team-check-ran >> .git/team-check
    keyguard:
      run: sh ${LAUNCHER} pre-commit
commit-msg:
  commands:
    keyguard:
      run: sh ${LAUNCHER} commit-msg {1}
pre-push:
  commands:
    keyguard:
      run: "sh ${LAUNCHER} pre-push {1} {2} # {files}"
      files: git rev-parse --git-path HEAD
      use_stdin: true
`;

const SIMPLE_GIT_HOOKS = {
  'pre-commit': `echo team-check-ran >> .git/team-check && sh ${LAUNCHER} pre-commit`,
  'commit-msg': `sh ${LAUNCHER} commit-msg "$1"`,
  'pre-push': `sh ${LAUNCHER} pre-push "$@"`,
};

function expectBlocked(result: RunResult, what: string | RegExp): void {
  expect(result.status, result.stderr + result.stdout).not.toBe(0);
  expect(result.stderr + result.stdout).toMatch(what);
}

/** A project whose package.json is `manifest`, with keyguard and `tools` installed from the registries. */
function project(manifest: Record<string, unknown>, tools: string[]): Sandbox {
  const sandbox = track(Sandbox.create());
  sandbox.write('package.json', `${JSON.stringify({ name: 'app', version: '1.0.0', private: true, ...manifest }, null, 2)}\n`);
  sandbox.write('.gitignore', 'node_modules/\n');
  const install = sandbox.npm('install', '--save-dev', ...tools, packedKeyguard());
  expect(install.status, install.stderr).toBe(0);
  return sandbox;
}

/** Commit, message and push with keys: all blocked; the clean commit ran the manager's own check. */
function expectProtected(sandbox: Sandbox): void {
  sandbox.gitOk('add', '.');
  const clean = sandbox.git('commit', '-m', 'init');
  expect(clean.status, clean.stderr + clean.stdout).toBe(0);
  expect(readFileSync(sandbox.path('.git/team-check'), 'utf8')).toContain('team-check-ran');
  sandbox.write('config.ini', keyFile()).gitOk('add', 'config.ini');
  // (the framework runs `keyguard check --files`, whose report starts "keyguard: found")
  expectBlocked(sandbox.git('commit', '-m', 'key'), /keyguard: (commit blocked|found \d+ AWS credential)/);
  sandbox.gitOk('reset', '--quiet', 'config.ini');
  expectBlocked(sandbox.git('commit', '--allow-empty', '-m', `deploy with ${freshKeyId()}`), 'commit message contains');
  const remote = track(Sandbox.bare());
  sandbox.gitOk('remote', 'add', 'origin', remote.dir);
  sandbox.gitOk('add', 'config.ini');
  sandbox.gitOk('commit', '--quiet', '--no-verify', '-m', 'key, skipping the hooks');
  expectBlocked(sandbox.git('push', 'origin', 'HEAD:main'), 'keyguard: push blocked');
}

describe('lefthook', () => {
  it('keyguard as lefthook commands: keys blocked, lefthook\'s own command runs; install and doctor name lefthook', () => {
    const sandbox = track(Sandbox.create());
    sandbox.write('lefthook.yml', LEFTHOOK_YML);
    sandbox.write('package.json', `${JSON.stringify({ name: 'app', version: '1.0.0', private: true }, null, 2)}\n`).write('.gitignore', 'node_modules/\n');
    const install = sandbox.npm('install', '--save-dev', 'lefthook@2', packedKeyguard());
    expect(install.status, install.stderr).toBe(0);
    const lefthook = sandbox.npx('lefthook', 'install');
    expect(lefthook.status, lefthook.stderr + lefthook.stdout).toBe(0);
    expect(readFileSync(sandbox.path('.git/hooks/pre-commit'), 'utf8')).toMatch(/lefthook/i);
    const ours = sandbox.npx('keyguard', 'install');
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout).toContain('lefthook manages git\'s hooks here and runs keyguard (lefthook.yml)');
    // Before the first commit the configuration is only in the work tree: doctor's probe uses it.
    const before = sandbox.npx('keyguard', 'doctor');
    expect(before.status, before.stdout).toBe(0);
    expectProtected(sandbox);
    const doctor = sandbox.npx('keyguard', 'doctor');
    expect(doctor.stdout).toContain("its pre-commit hook is lefthook's");
    expect(doctor.stdout).toContain('pre-commit: keyguard blocked');
    expect(doctor.stdout).toContain('commit-msg: keyguard blocked');
    expect(doctor.stdout).toContain('pre-push: keyguard blocked');
    expect(doctor.status, doctor.stdout).toBe(0);

    // lefthook skips a pre-push command when HEAD has no change against its push target ("no
    // matching push files"): a branch pushed by name while the current one is in sync. The files
    // line in the README's configuration is what makes lefthook run keyguard then too.
    sandbox.gitOk('push', '--quiet', '--no-verify', 'origin', 'HEAD:main');
    sandbox.gitOk('branch', '--set-upstream-to=origin/main');
    sandbox.gitOk('switch', '--quiet', '-c', 'side');
    sandbox.write('other.ini', keyFile()).gitOk('add', 'other.ini');
    sandbox.gitOk('commit', '--quiet', '--no-verify', '-m', 'another key');
    sandbox.gitOk('switch', '--quiet', '-');
    expectBlocked(sandbox.git('push', 'origin', 'side'), 'keyguard: push blocked');
  }, 240_000); // npm install, lefthook install, doctor's probe, a dozen hook runs

  it('lefthook added after keyguard replaces its hooks: doctor says not protected and what to do', () => {
    const sandbox = project({}, []);
    expect(readFileSync(sandbox.path('.git/hooks/pre-commit'), 'utf8')).toContain('# keyguard: what git runs for this hook');
    sandbox.write('lefthook.yml', 'pre-commit:\n  commands:\n    team-check:\n      run: echo team-check-ran >> .git/team-check\n');
    expect(sandbox.npm('install', '--save-dev', 'lefthook@2').status).toBe(0);
    const lefthook = sandbox.npx('lefthook', 'install', '--force');
    expect(lefthook.status, lefthook.stderr + lefthook.stdout).toBe(0);
    const doctor = sandbox.npx('keyguard', 'doctor');
    expect(doctor.status, doctor.stdout).toBe(1);
    expect(doctor.stdout).toContain("its pre-commit hook is lefthook's");
    expect(doctor.stdout).toContain('pre-commit: a commit of a file with an AWS key went through');
    expect(doctor.stdout).toContain('add keyguard to lefthook.yml');
    const install = sandbox.npx('keyguard', 'install');
    expect(install.status).toBe(2); // it could not set up the hooks: exit 2, like every command that could not do its job
    expect(install.stderr).toContain('lefthook manages git\'s hooks here (lefthook.yml); add keyguard to it');
  });
});

describe('simple-git-hooks', () => {
  it('keyguard in the simple-git-hooks config: keys blocked, the project\'s own command runs', () => {
    const sandbox = project({ 'simple-git-hooks': SIMPLE_GIT_HOOKS }, ['simple-git-hooks@2']);
    const setup = sandbox.npx('simple-git-hooks');
    expect(setup.status, setup.stderr + setup.stdout).toBe(0);
    expectProtected(sandbox);
    const doctor = sandbox.npx('keyguard', 'doctor');
    expect(doctor.status, doctor.stdout).toBe(0);
  });

  it('simple-git-hooks set up after keyguard without it: doctor says not protected', () => {
    const sandbox = project({}, []);
    const manifest = JSON.parse(readFileSync(sandbox.path('package.json'), 'utf8'));
    manifest['simple-git-hooks'] = { 'pre-commit': 'echo team-check-ran >> .git/team-check' };
    sandbox.write('package.json', JSON.stringify(manifest, null, 2));
    expect(sandbox.npm('install', '--save-dev', 'simple-git-hooks@2').status).toBe(0);
    expect(sandbox.npx('simple-git-hooks').status).toBe(0);
    const doctor = sandbox.npx('keyguard', 'doctor');
    expect(doctor.status, doctor.stdout).toBe(1);
    expect(doctor.stdout).toContain('pre-commit: a commit of a file with an AWS key went through');
  });
});

describe('the pre-commit framework', () => {
  const framework = run('sh', ['-c', 'command -v pre-commit'], PROJECT_ROOT, process.env).stdout.trim();
  const reason = framework ? '' : 'the pre-commit framework is not installed (.ci/run installs it: apt-get install pre-commit)';
  if (reason) console.log(`skipped: ${reason}`);

  it.skipIf(!framework)('keyguard\'s .pre-commit-hooks.yaml from a .pre-commit-config.yaml: keys blocked, the local hook runs', { timeout: 600_000 }, () => {
    // This repository as the framework gets it: a git repository at a revision (the working tree, committed).
    const hooksRepo = track(Sandbox.create());
    const files = run('git', ['ls-files', '-co', '--exclude-standard', '-z'], PROJECT_ROOT, hooksRepo.env).stdout.split('\0').filter(Boolean);
    for (const file of files) {
      if (!existsSync(join(PROJECT_ROOT, file))) continue;
      mkdirSync(dirname(hooksRepo.path(file)), { recursive: true });
      cpSync(join(PROJECT_ROOT, file), hooksRepo.path(file));
    }
    hooksRepo.gitOk('add', '.');
    hooksRepo.gitOk('commit', '--quiet', '--no-verify', '-m', 'keyguard');
    const rev = hooksRepo.gitOk('rev-parse', 'HEAD').trim();

    const sandbox = track(Sandbox.create({ env: { PRE_COMMIT_HOME: `${hooksRepo.dir}-cache` } }));
    sandbox.write(
      '.pre-commit-config.yaml',
      [
        'repos:',
        `  - repo: ${hooksRepo.dir}`,
        `    rev: ${rev}`,
        '    hooks: [{id: keyguard}, {id: keyguard-commit-msg}, {id: keyguard-pre-push}]',
        '  - repo: local',
        '    hooks:',
        '      - id: team-check',
        '        name: team check',
        '        entry: sh -c "echo team-check-ran >> .git/team-check"',
        '        language: system',
        '        pass_filenames: false',
        '        always_run: true',
        '',
      ].join('\n'),
    );
    const installed = run('pre-commit', ['install', '--hook-type', 'pre-commit', '--hook-type', 'commit-msg', '--hook-type', 'pre-push'], sandbox.dir, sandbox.env);
    expect(installed.status, installed.stderr + installed.stdout).toBe(0);
    sandbox.write('notes.md', 'notes\n');
    try {
      expectProtected(sandbox);
    } finally {
      run('rm', ['-rf', `${hooksRepo.dir}-cache`], sandbox.dir, sandbox.env);
    }
  });

  it('keyguard check --files handles the file names the framework passes (spaces, a leading dash, brackets)', () => {
    const sandbox = track(Sandbox.create());
    sandbox.write('a b.ini', keyFile()).write('-dash.ini', keyFile()).write('app/[id]/x.ini', keyFile()).gitOk('add', '--', '.');
    const result = sandbox.keyguard(['check', '--files', '--', 'a b.ini', '-dash.ini', 'app/[id]/x.ini']);
    expect(result.status, result.stderr).toBe(1);
    for (const name of ['a b.ini', '-dash.ini', 'app/[id]/x.ini']) expect(result.stderr).toContain(name);
  });
});
