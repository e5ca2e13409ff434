import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { readConfigFile } from './config-file.js';
import type { RepositoryLocation } from './discover.js';

/** husky's per-hook stub in `.husky/_/`: it runs the script of the same name one folder up. */
const HUSKY_STUB = /^\s*\.\s+"\$\(dirname "\$0"\)\/h"\s*$/m;

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Whether git runs keyguard before a push here: the pre-push hook git would run (core.hooksPath as
 * this repository or worktree sets it, which is where husky and `keyguard install` set it), or the
 * husky script behind its stub, mentions keyguard. Read from files, no git process: asked only when
 * something was found, to say truthfully what `--no-verify` on the commit would lead to.
 */
export function prePushHookRuns(location: RepositoryLocation): boolean {
  const last = (values: string[] | undefined) => values?.[values.length - 1];
  const hooksPath = last(readConfigFile(location.gitDir, 'config.worktree').get('core.hookspath')) ?? last(readConfigFile(location.commonDir).get('core.hookspath'));
  const hooksDir = hooksPath ? resolve(location.root, hooksPath.replace(/^~(?=\/)/, homedir())) : join(location.commonDir, 'hooks');
  const hook = read(join(hooksDir, 'pre-push'));
  if (hook === undefined) return false;
  if (hook.includes('keyguard')) return true;
  return basename(hooksDir) === '_' && HUSKY_STUB.test(hook) && (read(join(dirname(hooksDir), 'pre-push'))?.includes('keyguard') ?? false);
}
