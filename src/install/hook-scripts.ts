import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { shellQuote } from '../shell-quote.js';

/**
 * The keyguard block inside a husky hook script: written, replaced and removed as a unit between
 * two marker lines, so that whatever else the script runs (`npx lint-staged`) stays as it is.
 */

export const BLOCK_START = '# >>> keyguard';
export const BLOCK_END = '# <<< keyguard';

/** Hooks keyguard itself runs in. */
export const KEYGUARD_HOOKS = ['pre-commit', 'pre-merge-commit', 'commit-msg', 'pre-push', 'post-checkout'] as const;

/** Client hooks that read what git writes to their stdin: keyguard and whatever runs after it each need the whole of it. */
const STDIN_HOOKS = new Set(['pre-push', 'post-rewrite']);

/** The hooks husky's `_` folder dispatches: only these can be kept running through .husky/ scripts. */
export const HUSKY_HOOKS = new Set([
  'pre-commit', 'pre-merge-commit', 'prepare-commit-msg', 'commit-msg', 'post-commit', 'applypatch-msg', 'pre-applypatch',
  'post-applypatch', 'pre-rebase', 'post-rewrite', 'post-checkout', 'post-merge', 'pre-push', 'pre-auto-gc',
]);

const PURPOSE: Record<string, string> = {
  'pre-commit': 'blocks commits that contain AWS credentials',
  'pre-merge-commit': 'blocks merge commits that contain AWS credentials',
  'commit-msg': 'blocks commit messages that contain AWS credentials',
  'pre-push': 'blocks pushing commits that contain AWS credentials',
  'post-checkout': 'protects new linked worktrees',
};

/** Where a hook that husky's core.hooksPath would silence lives, as a shell expression for its folder. */
export type LegacySource =
  | { kind: 'git-dir' } // <common git dir>/hooks, git's default
  | { kind: 'path'; path: string } // a previous local core.hooksPath
  | { kind: 'global' }; // the user's global core.hooksPath

function legacyFolder(source: LegacySource): string {
  switch (source.kind) {
    case 'git-dir':
      return '"$(git rev-parse --git-common-dir)/hooks"';
    case 'global':
      return '"$(git config --global --type=path --get core.hooksPath)"';
    case 'path':
      return shellQuote(source.path);
  }
}

/**
 * The shell lines that run `hook`: keyguard's part, if any, then the chained hooks. For hooks fed
 * on stdin, the input is kept and handed to each, and then given back to the rest of the script
 * (a `git lfs pre-push "$@"` line after the block still reads it). A chained hook runs with
 * KEYGUARD_CHAINED set, so that hooks chaining each other can never loop.
 */
function runLines(hook: string, keyguardRuns: boolean, chained: LegacySource[]): string[] {
  const lines: string[] = [];
  const stdin = STDIN_HOOKS.has(hook) && (keyguardRuns || chained.length > 0);
  if (stdin) lines.push('keyguard_stdin=$(cat)');
  const feed = stdin ? `printf '%s\\n' "$keyguard_stdin" | ` : '';
  if (keyguardRuns && hook !== 'post-checkout') lines.push(`${feed}sh "$keyguard" ${hook} "$@"`);
  for (const source of chained) {
    lines.push(`legacy=${legacyFolder(source)}/${hook}`);
    lines.push(`if [ -z "\${KEYGUARD_CHAINED-}" ] && [ -x "$legacy" ]; then ${feed}KEYGUARD_CHAINED=1 "$legacy" "$@"; fi`);
  }
  if (stdin) {
    lines.push(
      'if [ -n "$keyguard_stdin" ]; then',
      '  exec <<KEYGUARD_STDIN',
      '$keyguard_stdin',
      'KEYGUARD_STDIN',
      'else',
      '  exec </dev/null',
      'fi',
    );
  }
  return lines;
}

function template(name: string): string {
  return readFileSync(join(packageRoot(), 'hooks', name), 'utf8');
}

/** The block for one hook script. */
export function renderBlock(hook: string, keyguardFromHusky: string, chained: LegacySource[]): string {
  const ours = (KEYGUARD_HOOKS as readonly string[]).includes(hook);
  const file = hook === 'post-checkout' ? 'post-checkout.sh' : ours ? 'block.sh' : 'chain.sh';
  const purpose = ours ? PURPOSE[hook]! : 'keeps running the hooks that husky would silence';
  return template(file)
    .replace('{{PURPOSE}}', purpose)
    .replace('{{KEYGUARD}}', keyguardFromHusky)
    .replace('{{RUN}}', runLines(hook, ours, chained).join('\n'))
    .replace(/\n\n+(?=# <<< keyguard)/, '\n');
}

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

/**
 * The script with `block` in it: replacing an existing keyguard block in place, else at the top
 * (after a shebang), so that it runs even when a later line ends the script with `exit 0`.
 */
export function withBlock(script: string, block: string): string {
  const range = blockRange(script);
  if (range) return script.slice(0, range[0]) + block + script.slice(range[1]);
  if (script.startsWith('#!')) {
    const eol = script.indexOf('\n');
    if (eol < 0) return `${script}\n${block}`;
    return script.slice(0, eol + 1) + block + script.slice(eol + 1);
  }
  return block + script;
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

/** The chained hooks an existing block runs (so that re-installing keeps what another clone added). */
export function chainedSources(script: string): LegacySource[] {
  const range = blockRange(script);
  if (!range) return [];
  const sources: LegacySource[] = [];
  for (const line of script.slice(range[0], range[1]).split('\n')) {
    const match = /^legacy=(.*)\/[a-z-]+$/.exec(line);
    if (!match) continue;
    const folder = match[1]!;
    // Matched by their start, so that blocks written by earlier versions (`git config --global --get
    // core.hooksPath`, without --type=path) are recognised and rewritten, never taken for a path.
    if (folder.startsWith('"$(git rev-parse --git-common-dir')) sources.push({ kind: 'git-dir' });
    else if (folder.startsWith('"$(git config --global')) sources.push({ kind: 'global' });
    else if (!folder.startsWith('"')) sources.push({ kind: 'path', path: folder.startsWith("'") ? folder.slice(1, -1).replace(/'\\''/g, "'") : folder });
  }
  return sources;
}

export function sameSource(a: LegacySource, b: LegacySource): boolean {
  return a.kind === b.kind && (a.kind !== 'path' || a.path === (b as { path: string }).path);
}
