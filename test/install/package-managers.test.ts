import { existsSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { manager, nextRelease, setUpPackageManagers, type PackageManagers } from '../support/package-managers.js';
import { Sandbox, run, type RunResult } from '../support/sandbox.js';

/**
 * Issue 10, item 5: pnpm and yarn berry (both linkers), the real tools at their current majors,
 * installed from the npm registry by the test (see support/package-managers.ts), with keyguard
 * published in a local registry. Each follows the README's lines for its manager; a teammate's
 * fresh clone plus the manager's install command ends up protected, and an upgrade of keyguard
 * does not break the hooks.
 */

let tools: PackageManagers | undefined;
let unavailable = '';
const sandboxes: Sandbox[] = [];
const track = <T extends Sandbox>(sandbox: T): T => {
  sandboxes.push(sandbox);
  return sandbox;
};

beforeAll(() => {
  const setUp = setUpPackageManagers();
  if (typeof setUp === 'string') {
    unavailable = setUp;
    console.log(`skipped: ${setUp}`);
  } else {
    tools = setUp;
    console.log(`package managers under test: pnpm ${tools.pnpmVersion}, yarn ${tools.yarnVersion}`);
  }
}, 300_000);
afterAll(() => {
  for (const sandbox of sandboxes.splice(0)) sandbox.remove();
  tools?.stop();
});

/** The tools, or the test is skipped with the reason they could not be installed. */
function need(context: TestContext): PackageManagers {
  if (!tools) context.skip(unavailable);
  return tools!;
}

const keyFile = () => `aws_access_key_id = ${freshKeyId()}\naws_secret_access_key = ${freshSecret()}\n`;

function ok(result: RunResult, what: string): RunResult {
  expect(result.status, `${what}\n${result.stderr}${result.stdout}`).toBe(0);
  return result;
}

function head(project: Sandbox): string {
  return project.gitOk('rev-parse', 'HEAD').trim();
}

/** A key commit is refused by keyguard: git fails, HEAD does not move. */
function expectKeyBlocked(project: Sandbox, message: string | RegExp = 'keyguard: commit blocked'): RunResult {
  const before = head(project);
  project.write('config.ini', keyFile()).gitOk('add', 'config.ini');
  const commit = project.git('commit', '-m', 'a key');
  expect(commit.status, commit.stderr + commit.stdout).not.toBe(0);
  expect(commit.stderr + commit.stdout).toMatch(message);
  expect(head(project)).toBe(before);
  project.gitOk('rm', '--cached', '--quiet', 'config.ini');
  rmSync(project.path('config.ini'));
  return commit;
}

/** A new project whose first commit holds `files`; git runs no hooks yet. */
function newProject(pm: PackageManagers, files: Record<string, string>): Sandbox {
  const project = track(Sandbox.create({ env: pm.env }));
  project.write('package.json', `${JSON.stringify({ name: 'app', version: '1.0.0', private: true }, null, 2)}\n`);
  for (const [path, content] of Object.entries(files)) project.write(path, content);
  return project;
}

/** A teammate's fresh clone of `project` (its committed files only). */
function teammateClone(pm: PackageManagers, project: Sandbox): Sandbox {
  const clone = track(Sandbox.empty({ env: pm.env }));
  rmSync(clone.dir, { recursive: true, force: true });
  ok(run('git', ['clone', '--quiet', project.dir, clone.dir], project.dir, pm.env), 'git clone');
  return clone;
}

function expectDoctorProtected(pm: PackageManagers, command: 'pnpm' | 'yarn', args: string[], project: Sandbox): void {
  const doctor = manager(pm, command, [...args, 'keyguard', 'doctor'], project.dir);
  expect(doctor.status, doctor.stdout + doctor.stderr).toBe(0);
  expect(doctor.stdout).toContain('Protected: commits and pushes here are checked.');
}

/** The dispatcher git runs names keyguard by a path without a version in it. */
function expectUnversionedHooks(project: Sandbox): void {
  const dispatcher = readFileSync(project.path('.git', 'hooks', 'pre-commit'), 'utf8');
  expect(dispatcher).toContain('# keyguard: what git runs for this hook');
  expect(dispatcher).toMatch(/^launcher=node_modules\/keyguard\/hooks\/keyguard\.sh$/m);
}

describe('pnpm (current major)', () => {
  const PNPM_GITIGNORE = { '.gitignore': 'node_modules/\n' };

  it('the README\'s lines; a teammate\'s clone + pnpm install (exit 0) is protected; an upgrade keeps the hooks working', { timeout: 600_000 }, (context) => {
    const pm = need(context);
    const project = newProject(pm, PNPM_GITIGNORE);
    // README: pnpm add --save-dev keyguard --allow-build=keyguard, then pnpm exec keyguard install.
    const add = ok(manager(pm, 'pnpm', ['add', '--save-dev', 'keyguard', '--allow-build=keyguard'], project.dir), 'pnpm add');
    expect(add.stderr + add.stdout).not.toContain('ERR_PNPM');
    // (keyguard's postinstall ran and installed the hooks, but pnpm then rewrote package.json)
    ok(manager(pm, 'pnpm', ['exec', 'keyguard', 'install'], project.dir), 'pnpm exec keyguard install');
    expect(JSON.parse(readFileSync(project.path('package.json'), 'utf8')).scripts).toEqual({ prepare: 'keyguard install --quiet || exit 0' });
    expect(readFileSync(project.path('pnpm-workspace.yaml'), 'utf8')).toMatch(/^allowBuilds:\n\s+keyguard: true$/m);
    expectDoctorProtected(pm, 'pnpm', ['exec'], project);
    project.gitOk('add', 'package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.gitignore');
    ok(project.git('commit', '-m', 'Check commits for AWS credentials'), 'the first commit, through the hooks');

    const clone = teammateClone(pm, project);
    const teammate = manager(pm, 'pnpm', ['install'], clone.dir);
    expect(teammate.status, teammate.stderr + teammate.stdout).toBe(0);
    expect(teammate.stderr + teammate.stdout).not.toContain('ERR_PNPM_IGNORED_BUILDS');
    expectUnversionedHooks(clone);
    expectKeyBlocked(clone);
    expectDoctorProtected(pm, 'pnpm', ['exec'], clone);

    // keyguard's next release: pnpm puts it in another versioned folder (node_modules/.pnpm/keyguard@<version>/).
    const next = nextRelease(pm.dir);
    pm.publish(next.tarball);
    const before = realpathSync(clone.path('node_modules', 'keyguard'));
    ok(manager(pm, 'pnpm', ['add', '--save-dev', `keyguard@${next.version}`], clone.dir), 'pnpm add keyguard@next');
    const after = realpathSync(clone.path('node_modules', 'keyguard'));
    expect(after).toContain(`keyguard@${next.version}`);
    rmSync(before, { recursive: true, force: true }); // the old release's folder, gone (as after pnpm prune)
    expectUnversionedHooks(clone);
    expectKeyBlocked(clone);
  });

  it('pnpm add without --allow-build exits 1 (ERR_PNPM_IGNORED_BUILDS); keyguard install allows the build, and teammates\' installs exit 0', { timeout: 600_000 }, (context) => {
    const pm = need(context);
    const project = newProject(pm, PNPM_GITIGNORE);
    const add = manager(pm, 'pnpm', ['add', '--save-dev', 'keyguard'], project.dir);
    expect(add.status).toBe(1);
    expect(add.stderr + add.stdout).toContain('ERR_PNPM_IGNORED_BUILDS');
    expect(existsSync(project.path('pnpm-workspace.yaml'))).toBe(false);
    const install = ok(manager(pm, 'pnpm', ['exec', 'keyguard', 'install'], project.dir), 'pnpm exec keyguard install');
    expect(install.stdout).toContain("allowed keyguard's build in pnpm-workspace.yaml (allowBuilds)");
    expect(install.stdout).toContain('git add package.json pnpm-workspace.yaml');
    expect(readFileSync(project.path('pnpm-workspace.yaml'), 'utf8')).toBe('allowBuilds:\n  keyguard: true\n');
    project.gitOk('add', '.');
    ok(project.git('commit', '-m', 'keyguard'), 'commit');

    const clone = teammateClone(pm, project);
    ok(manager(pm, 'pnpm', ['install'], clone.dir), 'the teammate\'s pnpm install');
    expectKeyBlocked(clone);

    // uninstall takes back what install added.
    ok(manager(pm, 'pnpm', ['exec', 'keyguard', 'uninstall'], project.dir), 'keyguard uninstall');
    expect(existsSync(project.path('pnpm-workspace.yaml'))).toBe(false);
    expect(JSON.parse(readFileSync(project.path('package.json'), 'utf8')).scripts).toBeUndefined();
  });
});

const YARN_GITIGNORE = 'node_modules/\n.pnp.*\n.yarn/*\n!.yarn/patches\n!.yarn/plugins\n!.yarn/releases\n';

/** A yarn project set up with the README's lines, committed, with a keyguard configuration that needs picomatch. */
function protectedYarnProject(pm: PackageManagers, linker: 'node-modules' | 'pnp'): Sandbox {
  // What yarn's documentation has projects ignore (no zero-installs).
  const project = newProject(pm, { '.yarnrc.yml': `nodeLinker: ${linker}\n`, '.gitignore': YARN_GITIGNORE, 'keyguard.config.json': '{ "ignorePaths": ["fixtures/**"] }\n' });
  // README: yarn add --dev keyguard, then yarn keyguard install.
  ok(manager(pm, 'yarn', ['add', '--dev', 'keyguard'], project.dir), 'yarn add');
  expect(existsSync(project.path('node_modules', 'keyguard'))).toBe(linker === 'node-modules');
  const install = ok(manager(pm, 'yarn', ['keyguard', 'install'], project.dir), 'yarn keyguard install');
  expect(install.stdout).toContain('added keyguard to the "postinstall" script in package.json, so every clone gets the hooks on yarn install');
  expect(JSON.parse(readFileSync(project.path('package.json'), 'utf8')).scripts).toEqual({ postinstall: 'keyguard install --quiet || exit 0' });
  project.gitOk('add', 'package.json', 'yarn.lock', '.yarnrc.yml', '.gitignore', 'keyguard.config.json');
  ok(project.git('commit', '-m', 'Check commits for AWS credentials'), 'the first commit, through the hooks');
  return project;
}

/** keyguard's ignorePaths (picomatch, one of keyguard's own dependencies) work: a fixture goes through, a key elsewhere does not. */
function expectConfiguredChecks(project: Sandbox): void {
  project.write('fixtures/sample.ini', keyFile()).gitOk('add', 'fixtures/sample.ini');
  ok(project.git('commit', '-m', 'a fixture keyguard is told to ignore'), 'a commit of an ignored path');
  expectKeyBlocked(project);
}

describe.each(['node-modules', 'pnp'] as const)('yarn berry (current major), nodeLinker: %s', (linker) => {
  it('the README\'s lines; a teammate\'s clone + yarn install (exit 0) is protected; yarn up keeps the hooks working', { timeout: 600_000 }, (context) => {
    const pm = need(context);
    const project = protectedYarnProject(pm, linker);
    expectConfiguredChecks(project);
    expectDoctorProtected(pm, 'yarn', [], project);

    const clone = teammateClone(pm, project);
    expect(existsSync(clone.path('.git', 'hooks', 'pre-commit'))).toBe(false);
    ok(manager(pm, 'yarn', ['install'], clone.dir), 'the teammate\'s yarn install');
    expectUnversionedHooks(clone);
    expectKeyBlocked(clone);
    expectDoctorProtected(pm, 'yarn', [], clone);

    const next = nextRelease(pm.dir);
    pm.publish(next.tarball);
    ok(manager(pm, 'yarn', ['up', `keyguard@${next.version}`], clone.dir), 'yarn up keyguard');
    if (linker === 'pnp') {
      // The old release's unpacked folder is gone; the hooks find the new one through .pnp.cjs.
      const unplugged = readdirSync(clone.path('.yarn', 'unplugged')).filter((name) => name.startsWith('keyguard-'));
      expect(unplugged).toEqual([expect.stringContaining(`keyguard-npm-${next.version}-`)]);
    } else {
      expect(JSON.parse(readFileSync(clone.path('node_modules', 'keyguard', 'package.json'), 'utf8')).version).toBe(next.version);
    }
    expectUnversionedHooks(clone);
    expectConfiguredChecks(clone);
  });
});

describe("yarn berry (current major), Plug'n'Play", () => {
  it('without keyguard on disk, or in .pnp.cjs, every commit stops with exit 2 and what to run', { timeout: 600_000 }, (context) => {
    const pm = need(context);
    const project = protectedYarnProject(pm, 'pnp');
    const unplugged = readdirSync(project.path('.yarn', 'unplugged')).filter((name) => name.startsWith('keyguard-'));
    expect(unplugged).toHaveLength(1);
    rmSync(project.path('.yarn', 'unplugged', unplugged[0]!), { recursive: true });
    const before = head(project);
    const clean = project.git('commit', '--allow-empty', '-m', 'nothing in it');
    expect(clean.status).not.toBe(0);
    expect(clean.stderr).toMatch(/keyguard: .*\/hooks\/keyguard\.sh is missing \(run yarn install\): the AWS credential check cannot run, so git is stopped here\./);
    expect(head(project)).toBe(before);
    ok(manager(pm, 'yarn', ['install'], project.dir), 'yarn install');
    expectKeyBlocked(project);

    // keyguard removed from the project without `keyguard uninstall`: the hooks stay, and stop git.
    ok(manager(pm, 'yarn', ['remove', 'keyguard'], project.dir), 'yarn remove keyguard');
    expectKeyBlocked(project, /keyguard: yarn's Plug'n'Play \(.*\.pnp\.cjs\) lists no keyguard \(run yarn install\)/);
  });

  it('with keyguard\'s build allowed (dependenciesMeta), its own postinstall installs the hooks', { timeout: 600_000 }, (context) => {
    const pm = need(context);
    const project = newProject(pm, { '.gitignore': YARN_GITIGNORE });
    project.write('package.json', `${JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependenciesMeta: { keyguard: { built: true } } }, null, 2)}\n`);
    ok(manager(pm, 'yarn', ['add', '--dev', 'keyguard'], project.dir), 'yarn add');
    expect(existsSync(project.path('.pnp.cjs'))).toBe(true);
    expect(readFileSync(project.path('.git', 'hooks', 'pre-commit'), 'utf8')).toContain('# keyguard: what git runs for this hook');
    expect(JSON.parse(readFileSync(project.path('package.json'), 'utf8')).scripts).toEqual({ postinstall: 'keyguard install --quiet || exit 0' });
    project.gitOk('add', '.');
    ok(project.git('commit', '-m', 'init'), 'commit');
    expectKeyBlocked(project);
  });
});
