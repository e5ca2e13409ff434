import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderDispatcher } from '../../src/install/dispatcher.js';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { PROJECT_ROOT, Sandbox, run } from '../support/sandbox.js';

/**
 * How the hooks find keyguard under yarn's Plug'n'Play, where there is no node_modules: the
 * dispatcher reads keyguard's one packageLocation from .pnp.cjs (or .pnp.data.json) when it runs,
 * and stops git (exit 2, with what to run) whenever it cannot tell. Here .pnp.cjs is written by
 * hand, in yarn's format, around this checkout's keyguard, to reach the cases a real install
 * rarely produces (package-managers.test.ts drives real yarn).
 */

const sandboxes: Sandbox[] = [];
afterEach(() => {
  for (const sandbox of sandboxes.splice(0)) sandbox.remove();
});

const UNPLUGGED = '.yarn/unplugged/keyguard-npm-9.9.9-0123456789/node_modules/keyguard';
const keyFile = () => `aws_access_key_id = ${freshKeyId()}\naws_secret_access_key = ${freshSecret()}\n`;

/** A .pnp.cjs that lists these package locations (as yarn writes them) and records that node loaded it. */
function pnpFile(locations: string[]): string {
  return [
    '#!/usr/bin/env node',
    '/* (the runtime state, as yarn lays it out)',
    ...locations.map((location) => `        "packageLocation": "${location}",`),
    '*/',
    "require('fs').appendFileSync(require('path').join(__dirname, '.pnp-loaded'), 'loaded\\n');",
    '',
  ].join('\n');
}

/** A repository whose hooks are keyguard's dispatcher for an npm project in `projectDir`, with no node_modules. */
function project(projectDir = '.'): Sandbox {
  const sandbox = Sandbox.create();
  sandboxes.push(sandbox);
  sandbox.write(join(projectDir, 'package.json'), '{"name":"app","private":true,"devDependencies":{"keyguard":"9.9.9"}}\n');
  sandbox.write('.gitignore', '.yarn/\n.pnp.*\n');
  const keyguardDir = projectDir === '.' ? 'node_modules/keyguard' : `${projectDir}/node_modules/keyguard`;
  const dispatcher = renderDispatcher({ huskyDir: join(projectDir, '.husky'), keyguardDir, projectDir, installCommand: 'yarn install' }, []);
  for (const hook of ['pre-commit', 'commit-msg']) {
    writeFileSync(sandbox.path('.git', 'hooks', hook), dispatcher);
    chmodSync(sandbox.path('.git', 'hooks', hook), 0o755);
  }
  sandbox.gitOk('add', '.');
  sandbox.gitOk('commit', '--quiet', '--no-verify', '-m', 'init');
  return sandbox;
}

/** This checkout's keyguard, unpacked where yarn puts it (`folder` relative to the repository). */
function unplug(sandbox: Sandbox, folder: string): void {
  mkdirSync(sandbox.path(folder, '..'), { recursive: true });
  symlinkSync(PROJECT_ROOT, sandbox.path(folder));
}

function commitKey(sandbox: Sandbox, cwd = sandbox.dir): { status: number | null; output: string; moved: boolean } {
  const before = run('git', ['rev-parse', 'HEAD'], cwd, sandbox.env).stdout;
  writeFileSync(join(cwd, 'config.ini'), keyFile());
  run('git', ['add', 'config.ini'], cwd, sandbox.env);
  const commit = run('git', ['commit', '-m', 'key'], cwd, sandbox.env);
  return { status: commit.status, output: commit.stderr + commit.stdout, moved: run('git', ['rev-parse', 'HEAD'], cwd, sandbox.env).stdout !== before };
}

describe("the hooks under yarn's Plug'n'Play", () => {
  it('run the keyguard .pnp.cjs names, with .pnp.cjs loaded into node; a clean commit goes through', () => {
    const sandbox = project();
    unplug(sandbox, UNPLUGGED);
    // (keyguard's location listed twice, as for two entries of one package: still one keyguard)
    sandbox.write('.pnp.cjs', pnpFile(['./', `./${UNPLUGGED}/`, './.yarn/unplugged/other-npm-1.0.0-x/node_modules/other/', `./${UNPLUGGED}/`]));
    sandbox.write('notes.md', 'nothing secret\n').gitOk('add', 'notes.md');
    expect(sandbox.git('commit', '-m', 'notes').status).toBe(0);
    const blocked = commitKey(sandbox);
    expect(blocked.status).not.toBe(0);
    expect(blocked.output).toContain('keyguard: commit blocked');
    expect(blocked.moved).toBe(false);
    expect(existsSync(sandbox.path('.pnp-loaded'))).toBe(true);
  });

  it('read .pnp.data.json when yarn keeps the data beside .pnp.cjs (pnpEnableInlining: false)', () => {
    const sandbox = project();
    unplug(sandbox, UNPLUGGED);
    sandbox.write('.pnp.cjs', pnpFile([]));
    sandbox.write('.pnp.data.json', `{"packageRegistryData":[["keyguard",[["npm:9.9.9",{"packageLocation":"./${UNPLUGGED}/","packageDependencies":[]}]]]]}\n`);
    const blocked = commitKey(sandbox);
    expect(blocked.output).toContain('keyguard: commit blocked');
    expect(blocked.moved).toBe(false);
  });

  it('find .pnp.cjs at the top of a yarn workspace above the project folder, with spaces in the names', () => {
    const sandbox = project('packages/my app');
    const folder = '.yarn/unplugged/keyguard-npm-9.9.9-0123456789 x/node_modules/keyguard';
    unplug(sandbox, folder);
    sandbox.write('.pnp.cjs', pnpFile([`./${folder}/`]));
    const blocked = commitKey(sandbox, sandbox.path('packages', 'my app'));
    expect(blocked.output).toContain('keyguard: commit blocked');
    expect(blocked.moved).toBe(false);
  });

  it('in a linked worktree that has not been installed, use the main worktree\'s', () => {
    const sandbox = project();
    unplug(sandbox, UNPLUGGED);
    sandbox.write('.pnp.cjs', pnpFile([`./${UNPLUGGED}/`]));
    const worktree = `${sandbox.dir}-linked`;
    sandbox.gitOk('worktree', 'add', '--quiet', worktree);
    try {
      expect(existsSync(join(worktree, '.pnp.cjs'))).toBe(false);
      const blocked = commitKey(sandbox, worktree);
      expect(blocked.output).toContain('keyguard: commit blocked');
      expect(blocked.moved).toBe(false);
    } finally {
      sandbox.git('worktree', 'remove', '--force', worktree);
    }
  });

  it.each([
    ['lists no keyguard', [], "lists no keyguard (run yarn install)"],
    ['lists two copies of keyguard', [`./${UNPLUGGED}/`, './.yarn/unplugged/keyguard-npm-1.0.0-9876543210/node_modules/keyguard/'], 'lists several copies of keyguard, and the hooks cannot tell which one this project uses (see: yarn why keyguard)'],
    ['names a folder that is not there', ['./.yarn/unplugged/keyguard-npm-1.0.0-9876543210/node_modules/keyguard/'], '/.yarn/unplugged/keyguard-npm-1.0.0-9876543210/node_modules/keyguard/hooks/keyguard.sh is missing (run yarn install)'],
    ['keeps keyguard in a zip archive', ['../../.yarn/berry/cache/keyguard-npm-1.0.0-abc-10c0.zip/node_modules/keyguard/'], 'keyguard is inside a zip archive of yarn\'s cache, where git cannot run it: add "dependenciesMeta": {"keyguard": {"unplugged": true}} to package.json, then run yarn install'],
  ])('stop every commit with exit 2 when .pnp.cjs %s', (_name, locations, message) => {
    const sandbox = project();
    unplug(sandbox, UNPLUGGED);
    sandbox.write('.pnp.cjs', pnpFile(locations));
    const before = sandbox.gitOk('rev-parse', 'HEAD');
    const clean = sandbox.git('commit', '--allow-empty', '-m', 'nothing in it');
    expect(clean.status).toBe(1); // git's own status when pre-commit fails (the hook exits 2)
    expect(clean.stderr).toContain(`${message}: the AWS credential check cannot run, so git is stopped here.`);
    const hook = run(sandbox.path('.git', 'hooks', 'pre-commit'), [], sandbox.dir, sandbox.env);
    expect(hook.status).toBe(2);
    expect(commitKey(sandbox).moved).toBe(false);
    expect(sandbox.gitOk('rev-parse', 'HEAD')).toBe(before);
  });
});
