import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { runGit, type GitContext } from './run-git.js';

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
 * Whether git runs keyguard before a push here: the pre-push hook git would run (core.hooksPath
 * honoured), or the husky script behind its stub, mentions keyguard. Only asked when something was
 * found, to say truthfully what `--no-verify` on the commit would lead to.
 */
export async function prePushHookRuns(context: GitContext): Promise<boolean> {
  try {
    const path = resolve(context.cwd, (await runGit(context, ['rev-parse', '--git-path', 'hooks/pre-push'])).toString('utf8').trim());
    const hook = read(path);
    if (hook === undefined) return false;
    if (hook.includes('keyguard')) return true;
    const hooksDir = dirname(path);
    return basename(hooksDir) === '_' && HUSKY_STUB.test(hook) && (read(join(dirname(hooksDir), 'pre-push'))?.includes('keyguard') ?? false);
  } catch {
    return false;
  }
}
