import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { configGet, configUnset, runGitSync } from './git.js';

/**
 * Linked worktrees. They share keyguard's hooks (in the git common dir). keyguard 0.1 gave each
 * one a worktree-scoped core.hooksPath instead (git's extensions.worktreeConfig), marked as its
 * own: install and uninstall remove those settings.
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

/** Removes the worktree-scoped hooks path keyguard 0.1 set in `worktree`; returns whether there was anything. */
export function unprotectWorktree(worktree: string): boolean {
  if (configGet(worktree, WORKTREE_MARKER, 'worktree') !== 'true') return false;
  configUnset(worktree, 'core.hooksPath', 'worktree');
  configUnset(worktree, WORKTREE_MARKER, 'worktree');
  return true;
}
