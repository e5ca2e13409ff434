import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RepositoryReadError } from '../git/errors.js';
import { packageRoot } from '../package-root.js';
import { shellQuote } from '../shell-quote.js';
import { runGitSync } from './git.js';

/** How the line after the shebang starts in keyguard's pre-receive hook (hooks/pre-receive.sh). */
const MARKER = '# keyguard pre-receive hook';

export interface ServerInstall {
  /** The hook file written (or already in place). */
  hook: string;
  changed: boolean;
}

/** The server hook, from hooks/pre-receive.sh, running this node and this keyguard by absolute path (a server's hook has a bare PATH). */
export function serverHookScript(node = process.execPath, keyguard = join(packageRoot(), 'bin', 'keyguard.js')): string {
  const template = readFileSync(join(packageRoot(), 'hooks', 'pre-receive.sh'), 'utf8');
  return template.replace('{{NODE}}', shellQuote(node)).replace('{{KEYGUARD}}', shellQuote(keyguard));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function cloneError(target: string): RepositoryReadError {
  return new RepositoryReadError(
    `${target} is a clone with a working tree, not a server's bare repository.`,
    'For a developer clone, run keyguard install inside it; --server is for the repository a server receives pushes into.',
  );
}

/**
 * Where the hook goes: into a `pre-receive.d` folder (Gitea's per-repository hooks, GitLab's server
 * hooks) as `keyguard`; into a bare repository as `hooks/pre-receive`, or `hooks/pre-receive.d/keyguard`
 * when that folder exists (Gitea runs each file in it).
 */
function hookFileFor(target: string, env: NodeJS.ProcessEnv): string {
  if (basename(target) === 'pre-receive.d') {
    if (!isDirectory(dirname(target))) throw new RepositoryReadError(`${dirname(target)} does not exist.`, 'Give the pre-receive.d folder of an existing hooks folder.');
    return join(target, 'keyguard');
  }
  if (!isDirectory(target)) throw new RepositoryReadError(`${target} is not a folder.`, 'Give the path of the bare repository the server serves (or of a pre-receive.d folder).');
  if (existsSync(join(target, '.git'))) throw cloneError(target);
  const bare = runGitSync(target, ['--git-dir=.', 'rev-parse', '--is-bare-repository'], { ...env, GIT_DIR: undefined, GIT_WORK_TREE: undefined });
  if (!bare.ok) throw new RepositoryReadError(`${target} is not a git repository.`, 'Give the path of the bare repository the server serves (repo.git), or of a pre-receive.d folder.');
  if (bare.stdout !== 'true') throw cloneError(target);
  const hooksPath = runGitSync(target, ['--git-dir=.', 'config', '--get', 'core.hooksPath'], env);
  if (hooksPath.ok && hooksPath.stdout !== '') {
    throw new RepositoryReadError(
      `${target} runs its hooks from ${hooksPath.stdout} (core.hooksPath), which its server manages.`,
      'Install into the server\'s own place for hooks instead: GitLab: keyguard install --server <custom_hooks>/pre-receive.d (see the README).',
    );
  }
  const hooks = join(target, 'hooks');
  return isDirectory(join(hooks, 'pre-receive.d')) ? join(hooks, 'pre-receive.d', 'keyguard') : join(hooks, 'pre-receive');
}

/**
 * `keyguard install --server <target>`: writes the pre-receive hook. Running it again changes
 * nothing, or updates keyguard's own hook (a new node or keyguard path); a pre-receive hook that is
 * not keyguard's is never overwritten.
 */
export function installServerHook(target: string, cwd: string, env: NodeJS.ProcessEnv): ServerInstall {
  const hook = hookFileFor(resolve(cwd, target), env);
  const script = serverHookScript();
  if (existsSync(hook)) {
    const current = readFileSync(hook, 'utf8');
    if (current === script) return { hook, changed: false };
    if (!current.split('\n').slice(0, 3).some((line) => line.startsWith(MARKER))) {
      throw new RepositoryReadError(
        `${hook} is already a pre-receive hook, and not keyguard's; it was left as it is.`,
        `Add this line to it (it needs the same input): ${shellQuote(process.execPath)} ${shellQuote(join(packageRoot(), 'bin', 'keyguard.js'))} pre-receive`,
      );
    }
  }
  mkdirSync(dirname(hook), { recursive: true });
  const temporary = `${hook}.keyguard-${process.pid}`;
  writeFileSync(temporary, script, { mode: 0o755 });
  chmodSync(temporary, 0o755);
  renameSync(temporary, hook);
  return { hook, changed: true };
}
