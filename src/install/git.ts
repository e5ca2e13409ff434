import { spawnSync } from 'node:child_process';

/**
 * git for installing hooks: synchronous (install runs once, inside npm's lifecycle), with the
 * caller's environment minus what a hook exports, so that an install started from a hook (the
 * post-checkout that protects a new worktree) still sees the repository of its working folder.
 */
export interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

const HOOK_VARIABLES = ['GIT_INDEX_FILE', 'GIT_PREFIX'];

export function runGitSync(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): GitResult {
  const clean = { ...env };
  for (const name of HOOK_VARIABLES) delete clean[name];
  const result = spawnSync('git', args, { cwd, env: clean, encoding: 'utf8' });
  if (result.error) return { ok: false, stdout: '', stderr: result.error.message };
  return { ok: result.status === 0, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

/** A config value, or undefined when unset. `scope`: where to read (default: the effective value). */
export function configGet(cwd: string, key: string, scope?: 'local' | 'global' | 'worktree', env?: NodeJS.ProcessEnv): string | undefined {
  const args = ['config', ...(scope ? [`--${scope}`] : []), '--get', key];
  const result = runGitSync(cwd, args, env);
  return result.ok ? result.stdout : undefined;
}

export function configSet(cwd: string, key: string, value: string, scope: 'local' | 'worktree' = 'local', env?: NodeJS.ProcessEnv): void {
  const result = runGitSync(cwd, ['config', `--${scope}`, key, value], env);
  if (!result.ok) throw new Error(`git config ${key}: ${result.stderr}`);
}

export function configUnset(cwd: string, key: string, scope: 'local' | 'worktree' = 'local', env?: NodeJS.ProcessEnv): void {
  runGitSync(cwd, ['config', `--${scope}`, '--unset-all', key], env);
}
