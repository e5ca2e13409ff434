import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { LegacySource } from './hook-scripts.js';

/**
 * Hooks that setting husky's core.hooksPath would silence: the executables in the hooks folder git
 * uses now (a previous local core.hooksPath, else a global one, else <git dir>/hooks, where git-lfs
 * and the pre-commit framework install theirs).
 */
export interface SilencedHooks {
  source: LegacySource;
  folder: string;
  hooks: string[];
}

function executablesIn(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .filter((name) => /^[a-z][a-z-]*$/.test(name))
    .filter((name) => {
      try {
        const stat = statSync(join(folder, name));
        return stat.isFile() && (stat.mode & 0o111) !== 0;
      } catch {
        return false;
      }
    })
    .sort();
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

export function findSilencedHooks(
  gitRoot: string,
  commonDir: string,
  localHooksPath: string | undefined,
  globalHooksPath: string | undefined,
): SilencedHooks | undefined {
  let source: LegacySource;
  let folder: string;
  if (localHooksPath) {
    source = { kind: 'path', path: localHooksPath };
    folder = isAbsolute(expandHome(localHooksPath)) ? expandHome(localHooksPath) : resolve(gitRoot, localHooksPath);
  } else if (globalHooksPath) {
    source = { kind: 'global' };
    folder = expandHome(globalHooksPath);
  } else {
    source = { kind: 'git-dir' };
    folder = join(commonDir, 'hooks');
  }
  const hooks = executablesIn(folder);
  return hooks.length > 0 ? { source, folder, hooks } : undefined;
}
