import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { toPosix } from '../posix-path.js';
import { packageRoot } from '../package-root.js';
import { runGitSync } from './git.js';

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
   */
  keyguardDir: string;
}

export type LayoutProblem =
  | { problem: 'no-git'; message: string }
  | { problem: 'bare'; message: string }
  | { problem: 'not-a-dependency'; message: string; gitRoot: string; commonDir: string; projectDir: string; huskyDir: string };


function real(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return resolve(path);
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
  const linked = join(projectDir, 'node_modules', 'keyguard');
  const keyguardPath = existsSync(linked) && real(linked) === keyguardRoot ? linked : keyguardRoot;
  const fromRoot = relative(gitRoot, keyguardPath);
  const outside = fromRoot.startsWith('..') || isAbsolute(fromRoot);
  if (outside && packageJson) {
    return {
      problem: 'not-a-dependency',
      gitRoot,
      commonDir,
      projectDir,
      huskyDir: toPosix(relative(gitRoot, huskyAbsolute)),
      message:
        'keyguard is not installed in this project, so hooks could not run it from node_modules. ' +
        'Add it first, from its tarball or git URL (npm install --save-dev <keyguard-x.y.z.tgz>; see keyguard\'s README), then run npx --no-install keyguard install',
    };
  }
  return {
    projectDir,
    packageJson,
    gitRoot,
    commonDir,
    huskyDir: toPosix(relative(gitRoot, huskyAbsolute)),
    keyguardDir: outside ? keyguardPath : toPosix(fromRoot) || '.',
  };
}

export function isProblem(layout: ProjectLayout | LayoutProblem): layout is LayoutProblem {
  return 'problem' in layout;
}
