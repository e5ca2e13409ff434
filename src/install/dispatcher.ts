import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { shellQuote } from '../shell-quote.js';
import { HUSKY_HOOKS } from './hook-scripts.js';

/**
 * keyguard's hook dispatchers: the scripts git runs, written into the hooks folder of the git
 * directory every worktree shares (`<git common dir>/hooks`), where neither sparse checkout nor
 * `git clean -xfd` nor a new worktree can take them away. Each one runs the project's own husky
 * script, the hooks that were there before (moved to `<git common dir>/keyguard/previous-hooks`),
 * then keyguard (see hooks/dispatch.sh).
 */

/** The line that marks a hook file as keyguard's dispatcher. */
export const DISPATCHER_MARK = '# keyguard: what git runs for this hook';

/** Hooks written: every hook husky dispatches, so the project's .husky/ scripts all keep running. */
export const DISPATCHED_HOOKS = [...HUSKY_HOOKS].sort();

/** Where keyguard keeps its per-clone state, inside the git common dir. */
export function stateDir(commonDir: string): string {
  return join(commonDir, 'keyguard');
}

export function previousHooksDir(commonDir: string): string {
  return join(stateDir(commonDir), 'previous-hooks');
}

/** A hooks folder that ran before keyguard and keeps running after its own hooks: a team's folder, or the user's global one. */
export type ChainedFolder = { kind: 'path'; path: string } | { kind: 'global' };

/** Text for inside a double-quoted shell string. */
function inDoubleQuotes(value: string): string {
  return value.replace(/[\\"$`]/g, '\\$&');
}

function chainedLines(chained: ChainedFolder[]): string {
  return chained
    .map((folder) => `\n${folder.kind === 'global' ? '$(git config --global --type=path --get core.hooksPath)' : inDoubleQuotes(folder.path)}`)
    .join('');
}

/** The dispatcher script: `huskyDir` and `keyguardDir` are relative to the worktree top (or absolute). */
export function renderDispatcher(huskyDir: string, keyguardDir: string, chained: ChainedFolder[]): string {
  return readFileSync(join(packageRoot(), 'hooks', 'dispatch.sh'), 'utf8')
    .replace('{{HUSKY_DIR}}', shellQuote(huskyDir))
    .replace('{{KEYGUARD}}', shellQuote(keyguardDir))
    .replace('{{CHAINED}}', chainedLines(chained));
}

export function isDispatcher(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').includes(DISPATCHER_MARK);
  } catch {
    return false;
  }
}

function isExecutableFile(file: string): boolean {
  try {
    const stat = statSync(file);
    return stat.isFile() && (stat.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

export interface DispatcherChange {
  written: string[];
  /** Hooks that were in the folder (git-lfs's, another manager's) and now run from keyguard's dispatcher. */
  kept: string[];
  /** Hooks not written because a different hook of the same name was already kept from before. */
  conflicts: string[];
}

/**
 * Writes the dispatchers into `hooksDir`. A hook already there that is not keyguard's is moved to
 * the previous-hooks folder and keeps running from the dispatcher.
 */
export function writeDispatchers(hooksDir: string, commonDir: string, script: string): DispatcherChange {
  const change: DispatcherChange = { written: [], kept: [], conflicts: [] };
  const previous = previousHooksDir(commonDir);
  mkdirSync(hooksDir, { recursive: true });
  for (const hook of DISPATCHED_HOOKS) {
    const file = join(hooksDir, hook);
    if (existsSync(file) && !isDispatcher(file)) {
      if (isExecutableFile(file)) {
        const kept = join(previous, hook);
        if (existsSync(kept) && readFileSync(kept, 'utf8') !== readFileSync(file, 'utf8')) {
          change.conflicts.push(hook);
          continue;
        }
        mkdirSync(previous, { recursive: true });
        renameSync(file, kept);
        change.kept.push(hook);
      } else {
        rmSync(file); // not executable: git would not run it either
      }
    }
    if (existsSync(file) && readFileSync(file, 'utf8') === script) continue;
    writeFileSync(file, script);
    chmodSync(file, 0o755);
    change.written.push(hook);
  }
  return change;
}

/** Removes the dispatchers and puts the hooks that were there before back. Returns what it did. */
export function removeDispatchers(hooksDir: string, commonDir: string): { removed: string[]; restored: string[] } {
  const result = { removed: [] as string[], restored: [] as string[] };
  if (existsSync(hooksDir)) {
    for (const name of readdirSync(hooksDir)) {
      const file = join(hooksDir, name);
      if (isDispatcher(file)) {
        rmSync(file);
        result.removed.push(name);
      }
    }
  }
  const previous = previousHooksDir(commonDir);
  if (existsSync(previous)) {
    for (const name of readdirSync(previous)) {
      const target = join(hooksDir, name);
      if (existsSync(target)) continue; // something new took the place: leave both, the user decides
      renameSync(join(previous, name), target);
      result.restored.push(name);
    }
  }
  return result;
}

/** Which hook manager a hook file belongs to, from what it says (for doctor and install). */
export function hookOwner(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (text.includes(DISPATCHER_MARK)) return 'keyguard';
  if (/lefthook/i.test(text)) return 'lefthook';
  if (/pre-commit\.com|pre_commit|hook-impl/.test(text)) return 'the pre-commit framework';
  if (/\. "\$\(dirname "\$0"\)\/h"|husky/.test(text)) return 'husky';
  if (/simple-git-hooks|SKIP_SIMPLE_GIT_HOOKS/.test(text)) return 'simple-git-hooks';
  if (/git lfs|git-lfs/.test(text)) return 'git-lfs';
  return 'an unknown tool';
}
