/**
 * husky's hook scripts (`.husky/<hook>`): the hooks husky dispatches, and the keyguard block that
 * keyguard 0.1 wrote into them, which `keyguard install` now removes (its dispatcher in the git
 * directory runs keyguard itself) and `keyguard uninstall` removes too.
 */

export const BLOCK_START = '# >>> keyguard';
export const BLOCK_END = '# <<< keyguard';

/** The hooks husky's `_` folder dispatches: the project's scripts for these keep running. */
export const HUSKY_HOOKS = new Set([
  'pre-commit', 'pre-merge-commit', 'prepare-commit-msg', 'commit-msg', 'post-commit', 'applypatch-msg', 'pre-applypatch',
  'post-applypatch', 'pre-rebase', 'post-rewrite', 'post-checkout', 'post-merge', 'pre-push', 'pre-auto-gc',
]);

function blockRange(script: string): [number, number] | undefined {
  const start = script.indexOf(BLOCK_START);
  if (start < 0 || (start > 0 && script[start - 1] !== '\n')) return undefined;
  const endMarker = script.indexOf(BLOCK_END, start);
  if (endMarker < 0) return undefined;
  let end = script.indexOf('\n', endMarker);
  end = end < 0 ? script.length : end + 1;
  return [start, end];
}

export function hasBlock(script: string): boolean {
  return blockRange(script) !== undefined;
}

/** The script without the keyguard block (unchanged when there is none). */
export function withoutBlock(script: string): string {
  const range = blockRange(script);
  return range ? script.slice(0, range[0]) + script.slice(range[1]) : script;
}

/** Whether nothing is left of a script but blank lines and a shebang (a comment someone wrote counts as content). */
export function isEmptyScript(script: string): boolean {
  return script.split('\n').every((line, i) => line.trim() === '' || (i === 0 && line.startsWith('#!')));
}
