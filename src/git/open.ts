import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { GitCliRepository } from './cli-backend.js';
import type { BackendName, Repository } from './types.js';

export type BackendChoice = 'auto' | BackendName;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'git', 'isomorphic-git'];

/** The backend chosen by KEYGUARD_BACKEND, or auto; undefined when the variable holds something else. */
export function backendFromEnv(env: NodeJS.ProcessEnv): BackendChoice | undefined {
  const value = env.KEYGUARD_BACKEND || 'auto';
  return (BACKEND_CHOICES as readonly string[]).includes(value) ? (value as BackendChoice) : undefined;
}

/** Whether a `git` executable is on PATH (checked on the file system: cheaper than spawning). */
export function gitOnPath(env: NodeJS.ProcessEnv): boolean {
  const names = process.platform === 'win32' ? ['git.exe', 'git.cmd'] : ['git'];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        // not here
      }
    }
  }
  return false;
}

/**
 * Repository-locating variables given relative to where keyguard was started are made absolute,
 * so that running git from another folder (`git -C <top level>`) still finds the same repository.
 * GIT_INDEX_FILE stays as it is: git reads a relative one from the top level, wherever it runs.
 */
function absoluteGitEnv(cwd: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR'] as const) {
    const value = copy[name];
    if (value && !isAbsolute(value)) copy[name] = resolve(cwd, value);
  }
  return copy;
}

export async function openRepository(choice: BackendChoice, cwd: string, env: NodeJS.ProcessEnv, presetDiff?: Buffer): Promise<Repository> {
  const gitEnv = absoluteGitEnv(cwd, env);
  if (choice === 'git' || (choice === 'auto' && (presetDiff !== undefined || gitOnPath(env)))) {
    return new GitCliRepository({ cwd, env: gitEnv }, presetDiff);
  }
  // Loaded only when needed: isomorphic-git costs ~100 ms to import.
  const { IsomorphicGitRepository } = await import('./iso-backend.js');
  return new IsomorphicGitRepository(cwd, gitEnv);
}
