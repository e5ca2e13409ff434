import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { NotARepositoryError, RepositoryReadError } from './errors.js';

/** Where a repository's parts are, found from the file system the way git finds them. */
export interface RepositoryLocation {
  /** Top-level folder of the working tree. */
  root: string;
  /** This working tree's git directory (`.git`, or `.git/worktrees/<name>` for a linked worktree). */
  gitDir: string;
  /** Where objects, refs and config live: the main `.git`, shared by all worktrees. */
  commonDir: string;
  /** The index git would use: GIT_INDEX_FILE (relative to the top level) or `<gitDir>/index`. */
  indexFile: string;
}

function readGitFile(dotGit: string): string {
  const content = readFileSync(dotGit, 'utf8');
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(content);
  if (!match) throw new RepositoryReadError(`${dotGit} is not a valid .git file.`);
  return resolve(dirname(dotGit), match[1]!);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** For a linked worktree's git directory, its `gitdir` file names the worktree's `.git` file. */
function worktreeOfAdminDir(gitDir: string): string | undefined {
  const pointer = join(gitDir, 'gitdir');
  if (!existsSync(pointer)) return undefined;
  return dirname(readFileSync(pointer, 'utf8').trim());
}

export function discoverRepository(cwd: string, env: NodeJS.ProcessEnv): RepositoryLocation {
  let root: string | undefined;
  let gitDir: string | undefined;
  if (env.GIT_DIR) {
    gitDir = resolve(cwd, env.GIT_DIR);
    root = env.GIT_WORK_TREE
      ? resolve(cwd, env.GIT_WORK_TREE)
      : (worktreeOfAdminDir(gitDir) ?? (basename(gitDir) === '.git' ? dirname(gitDir) : cwd));
  } else {
    for (let dir = resolve(cwd); ; dir = dirname(dir)) {
      const dotGit = join(dir, '.git');
      if (existsSync(dotGit)) {
        root = env.GIT_WORK_TREE ? resolve(cwd, env.GIT_WORK_TREE) : dir;
        gitDir = isDirectory(dotGit) ? dotGit : readGitFile(dotGit);
        break;
      }
      if (dirname(dir) === dir) break;
    }
  }
  if (root === undefined || gitDir === undefined || !isDirectory(gitDir)) {
    throw new NotARepositoryError(
      'this is not inside a git repository.',
      'Run keyguard from your project folder, or scan files on disk with: keyguard check --files <paths>',
    );
  }
  const commonPointer = join(gitDir, 'commondir');
  const commonDir = existsSync(commonPointer) ? resolve(gitDir, readFileSync(commonPointer, 'utf8').trim()) : gitDir;
  const indexFile = env.GIT_INDEX_FILE
    ? isAbsolute(env.GIT_INDEX_FILE)
      ? env.GIT_INDEX_FILE
      : resolve(root, env.GIT_INDEX_FILE)
    : join(gitDir, 'index');
  return { root, gitDir, commonDir, indexFile };
}

/** The Git LFS store's file for a sha256, below a repository's common git dir (git-lfs's default layout). */
export function lfsObjectIn(commonDir: string, sha256: string): string {
  return join(commonDir, 'lfs', 'objects', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}
