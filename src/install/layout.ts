import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { toPosix } from '../posix-path.js';
import { packageRoot } from '../package-root.js';
import { runGitSync } from './git.js';
import { detectPackageManager, plugAndPlayFile, type PackageManager } from './package-manager.js';

/** Where things are for installing hooks in a project. */
export interface ProjectLayout {
  /** The npm project: the folder of the nearest package.json (or the git top level without one). */
  projectDir: string;
  /** package.json of the project, when there is one. */
  packageJson: string | undefined;
  /** Top level of the worktree keyguard is installed from. */
  gitRoot: string;
  /** The git directory shared by all worktrees. */
  commonDir: string;
  /** The husky folder, relative to the git top level, forward slashes: `.husky` or `app/.husky`. */
  huskyDir: string;
  /**
   * The installed keyguard package as the hooks find it from the worktree top: relative, forward
   * slashes (`node_modules/keyguard`, `app/node_modules/keyguard`), or absolute for a repository
   * without package.json that uses a keyguard installed elsewhere (dotfiles with a global install).
   * Under yarn's Plug'n'Play, where no node_modules exists, it is still `node_modules/keyguard`:
   * the hooks ask Plug'n'Play where keyguard is when that folder is missing (see hooks/dispatch.sh).
   */
  keyguardDir: string;
  /** The npm project folder relative to the worktree top, forward slashes ('.' at the top). */
  projectFromRoot: string;
  /** The package manager the project installs with: which script it runs on install, what to tell people. */
  packageManager: PackageManager;
}

export type LayoutProblem =
  | { problem: 'no-git'; message: string }
  | { problem: 'bare'; message: string }
  | { problem: 'not-a-dependency'; message: string; gitRoot: string; commonDir: string; projectDir: string; huskyDir: string; packageManager: PackageManager };


function real(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return resolve(path);
  }
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'];

/** Whether package.json lists keyguard as a dependency of the project itself. */
function listsKeyguard(packageJson: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as Record<string, unknown>;
    return DEPENDENCY_FIELDS.some((field) => typeof (manifest[field] as Record<string, unknown> | undefined)?.keyguard === 'string');
  } catch {
    return false;
  }
}

function nearestPackageJson(from: string, stopAt: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'package.json');
    if (dir === stopAt || dirname(dir) === dir) return undefined;
  }
}

export function locateProject(startDir: string, env: NodeJS.ProcessEnv = process.env): ProjectLayout | LayoutProblem {
  const top = runGitSync(startDir, ['rev-parse', '--is-bare-repository', '--show-toplevel', '--git-common-dir'], env);
  if (!top.ok) return { problem: 'no-git', message: 'not inside a git repository' };
  const [bare, toplevel, common] = top.stdout.split('\n');
  if (bare === 'true' || !toplevel) return { problem: 'bare', message: 'a bare repository has no working tree to protect' };
  const gitRoot = real(toplevel);
  const commonDir = real(isAbsolute(common!) ? common! : resolve(startDir, common!));
  const packageJson = nearestPackageJson(real(startDir), gitRoot);
  const projectDir = packageJson ? dirname(packageJson) : gitRoot;
  const huskyAbsolute = join(projectDir, '.husky');
  const keyguardRoot = real(packageRoot());
  // node_modules/keyguard when it leads to this keyguard: pnpm's real folder has the version in
  // its path (node_modules/.pnpm/keyguard@1.2.3/...), which changes with every upgrade.
  // Under yarn's Plug'n'Play there is no node_modules: keyguard's folder (.yarn/unplugged/keyguard-
  // npm-1.2.3-<hash>/...) changes with every upgrade too, and the hooks look it up when they run.
  const linked = join(projectDir, 'node_modules', 'keyguard');
  const plugAndPlay = packageJson !== undefined && !existsSync(linked) && plugAndPlayFile(projectDir, gitRoot) !== undefined && listsKeyguard(packageJson);
  const keyguardPath = plugAndPlay || (existsSync(linked) && real(linked) === keyguardRoot) ? linked : keyguardRoot;
  const fromRoot = relative(gitRoot, keyguardPath);
  const outside = fromRoot.startsWith('..') || isAbsolute(fromRoot);
  const packageManager = detectPackageManager(projectDir, gitRoot, env);
  if (outside && packageJson) {
    return {
      problem: 'not-a-dependency',
      gitRoot,
      commonDir,
      projectDir,
      huskyDir: toPosix(relative(gitRoot, huskyAbsolute)),
      packageManager,
      message:
        'keyguard is not installed in this project, so hooks could not run it from node_modules. ' +
        `Add it first: ${packageManager.add} (then ${packageManager.run} install)`,
    };
  }
  return {
    projectDir,
    packageJson,
    gitRoot,
    commonDir,
    huskyDir: toPosix(relative(gitRoot, huskyAbsolute)),
    keyguardDir: outside ? keyguardPath : toPosix(fromRoot) || '.',
    projectFromRoot: toPosix(relative(gitRoot, projectDir)) || '.',
    packageManager,
  };
}

export function isProblem(layout: ProjectLayout | LayoutProblem): layout is LayoutProblem {
  return 'problem' in layout;
}
