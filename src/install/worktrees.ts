import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { configGet, configSet, configUnset, runGitSync } from './git.js';

/**
 * Linked worktrees. husky's core.hooksPath (`.husky/_`) is relative, and `.husky/_` is generated
 * and gitignored, so a `git worktree add` checkout has no hooks and its commits would pass
 * unchecked. A worktree without working hooks gets a worktree-scoped core.hooksPath (git's
 * extensions.worktreeConfig) pointing at a worktree that has them; the shared setting, and with it
 * the main worktree, keeps husky's relative path, which survives moving the repository.
 */

/** Marks a worktree-scoped core.hooksPath as keyguard's, so that uninstall removes only its own. */
export const WORKTREE_MARKER = 'keyguard.worktreeHooksPath';
export const ENABLED_WORKTREE_CONFIG = 'keyguard.enabledWorktreeConfig';

export interface Worktree {
  path: string;
  bare: boolean;
}

function real(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return resolve(path);
  }
}

export function listWorktrees(cwd: string): Worktree[] {
  const result = runGitSync(cwd, ['worktree', 'list', '--porcelain']);
  if (!result.ok) return [];
  const worktrees: Worktree[] = [];
  for (const record of result.stdout.split('\n\n')) {
    const path = /^worktree (.+)$/m.exec(record)?.[1];
    if (path && !/^prunable/m.test(record)) worktrees.push({ path: real(path), bare: /^bare$/m.test(record) });
  }
  return worktrees;
}

/** The hooks folder git uses in `worktree`, absolute. */
export function effectiveHooksDir(worktree: string): string | undefined {
  const result = runGitSync(worktree, ['rev-parse', '--git-path', 'hooks']);
  if (!result.ok) return undefined;
  return isAbsolute(result.stdout) ? result.stdout : resolve(worktree, result.stdout);
}

/** Whether a hooks folder is husky's dispatcher (`.husky/_`), which runs the scripts in the folder above it. */
export function isHuskyDispatcher(hooksDir: string | undefined): hooksDir is string {
  return hooksDir !== undefined && existsSync(join(hooksDir, 'h')) && existsSync(join(hooksDir, 'pre-commit'));
}

/** The hook launcher a keyguard block in `huskyDir` runs, given the block's path to the package. */
export function launcherPath(huskyDir: string, keyguardFromHusky: string): string {
  return join(huskyDir, keyguardFromHusky, 'hooks', 'keyguard.sh');
}

/** Whether a hooks folder is a husky dispatcher whose scripts run keyguard (the launcher is where the block says). */
export function dispatcherWorks(hooksDir: string | undefined, keyguardFromHusky: string): boolean {
  return isHuskyDispatcher(hooksDir) && existsSync(launcherPath(resolve(hooksDir, '..'), keyguardFromHusky));
}

/**
 * Makes `worktree` run the hooks in `hooksDir` (an absolute husky `_` folder that works), unless its
 * own hooks already work. Returns whether anything was changed.
 */
export function protectWorktree(worktree: string, hooksDir: string, keyguardFromHusky: string): boolean {
  if (dispatcherWorks(effectiveHooksDir(worktree), keyguardFromHusky)) return false;
  if (configGet(worktree, 'extensions.worktreeConfig') !== 'true') {
    configSet(worktree, 'extensions.worktreeConfig', 'true');
    configSet(worktree, ENABLED_WORKTREE_CONFIG, 'true');
  }
  configSet(worktree, 'core.hooksPath', hooksDir, 'worktree');
  configSet(worktree, WORKTREE_MARKER, 'true', 'worktree');
  return true;
}

/** Removes what protectWorktree set in `worktree`; returns whether there was anything. */
export function unprotectWorktree(worktree: string): boolean {
  if (configGet(worktree, WORKTREE_MARKER, 'worktree') !== 'true') return false;
  configUnset(worktree, 'core.hooksPath', 'worktree');
  configUnset(worktree, WORKTREE_MARKER, 'worktree');
  return true;
}
