import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Check } from './doctor.js';
import { runGitSync } from './git.js';
import { hookOwner } from './dispatcher.js';

/**
 * Git LFS next to keyguard's hooks. git-lfs refuses to replace hooks it did not write, so keyguard's
 * dispatchers run git-lfs's four hooks themselves (hooks/dispatch.sh, `lfs_hook`) in a repository
 * that uses LFS. lfsEvidence is the test their pre-push makes (commits and checkouts look only for
 * the store, which is all a shell can test without starting a process).
 */

export const LFS_HOOKS = ['pre-push', 'post-checkout', 'post-commit', 'post-merge'] as const;

/** The line of the dispatcher that runs git-lfs's hooks (absent from dispatchers older than it). */
const DISPATCHER_RUNS_LFS = 'with_input git lfs "$hook" "$@"';

function fileMentions(file: string, pattern: RegExp | string): boolean {
  try {
    const text = readFileSync(file, 'utf8');
    return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
  } catch {
    return false;
  }
}

/** Why this repository counts as using Git LFS (what the dispatcher's pre-push looks at), or undefined. */
export function lfsEvidence(commonDir: string, worktree: string): string | undefined {
  if (existsSync(join(commonDir, 'lfs'))) return `it has a Git LFS store, ${join(commonDir, 'lfs')}`;
  const config = join(commonDir, 'config');
  if (fileMentions(config, /^\[filter "lfs"\]/m)) return `${config} sets the filter lfs`;
  for (const attributes of [join(worktree, '.gitattributes'), join(commonDir, 'info', 'attributes')]) {
    if (fileMentions(attributes, /filter=lfs/)) return `${attributes} has filter=lfs`;
  }
  return undefined;
}

/** doctor's line about Git LFS, when the repository uses it. */
export function lfsCheck(commonDir: string, worktree: string, hooksDir: string, reinstall: string, env: NodeJS.ProcessEnv): Check | undefined {
  const evidence = lfsEvidence(commonDir, worktree);
  if (!evidence) return undefined;
  if (!runGitSync(worktree, ['lfs', 'version'], env).ok) {
    return {
      ok: false,
      text: `this repository uses Git LFS (${evidence}), but git-lfs is not installed: keyguard's pre-push stops every push, because it would send LFS pointers without their content`,
      fix: 'install Git LFS (https://git-lfs.com; apt-get install git-lfs, brew install git-lfs)',
    };
  }
  const prePush = join(hooksDir, 'pre-push');
  if (hookOwner(prePush) !== 'keyguard') return undefined; // another manager's hooks: its own business
  if (!fileMentions(prePush, DISPATCHER_RUNS_LFS)) {
    return {
      ok: false,
      text: `this repository uses Git LFS (${evidence}), but keyguard's hooks in ${hooksDir} are older than keyguard's Git LFS support: pushes do not upload LFS content`,
      fix: reinstall,
    };
  }
  return { ok: true, text: `Git LFS: its hooks (${LFS_HOOKS.join(', ')}) run through keyguard's` };
}
