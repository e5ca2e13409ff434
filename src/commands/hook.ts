import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { backendFromEnv, openRepository } from '../git/open.js';
import { loadPolicy } from '../policy/policy.js';
import type { Repository } from '../git/types.js';
import { scanCommitMessage } from '../scan/message.js';
import { parsePushLines } from '../scan/push.js';
import { scanPush } from '../scan/sources.js';
import { emptyStats } from '../scan/types.js';
import { VERSION } from '../version.js';
import { attachExposure, check, renderResult, repositoryRoot } from './check.js';
import { reportError } from './errors.js';
import { EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND, type ExitCode, type Io } from './io.js';

export interface HookIo extends Io {
  readStdin(): Promise<string>;
}

const text = { format: 'text', verbose: false, color: true, fromHook: true } as const;

async function commitMessage(args: string[], io: Io): Promise<ExitCode> {
  const file = args[0];
  if (!file) throw new Error('commit-msg needs the message file');
  const findings = scanCommitMessage(readFileSync(resolve(io.cwd, file), 'utf8'));
  await renderResult({ findings, stats: emptyStats() }, { ...text, scope: 'message' }, io);
  return findings.length > 0 ? EXIT_FOUND : EXIT_CLEAN;
}

/** pre-push: scans what is about to be pushed, as git lists it on stdin; `args` are the remote's name and URL. */
async function prePush(args: string[], io: HookIo): Promise<ExitCode> {
  const updates = parsePushLines(await io.readStdin());
  let repository: Repository | undefined;
  try {
    repository = await openRepository('git', io.cwd, io.env); // git is running this hook
    const policy = await loadPolicy(repositoryRoot(io));
    const result = await scanPush(repository, updates, { name: args[0], url: args[1] }, policy);
    if (result.findings.length > 0) await attachExposure(repository, result, io.env);
    await renderResult(result, { ...text, scope: 'push' }, io);
    return result.findings.length > 0 ? EXIT_FOUND : EXIT_CLEAN;
  } finally {
    repository?.close();
  }
}

/** post-checkout after `git worktree add`: make the new worktree run the same hooks. Never fails. */
async function postCheckout(io: Io): Promise<ExitCode> {
  const hooksDir = io.env.KEYGUARD_HOOKS_DIR;
  if (!hooksDir) return EXIT_CLEAN;
  try {
    const { protectCurrentWorktree } = await import('../install/install.js');
    if (protectCurrentWorktree(io.cwd, hooksDir, io.env)) io.stderr.write('keyguard: this new worktree now runs the same git hooks (AWS credential checks).\n');
  } catch (error) {
    io.stderr.write(`keyguard: could not set up hooks for this worktree: ${(error as Error).message} (run: npx --no-install keyguard doctor)\n`);
  }
  return EXIT_CLEAN;
}

/** `keyguard hook <name> [git's arguments]`: what the hook scripts run. */
export async function hook(name: string | undefined, args: string[], io: HookIo): Promise<ExitCode> {
  try {
    switch (name) {
      case 'pre-commit':
      case 'pre-merge-commit':
        return await check({ ...text, scope: 'staged', files: [], backend: backendFromEnv(io.env) ?? 'auto' }, io);
      case 'commit-msg':
        return await commitMessage(args, io);
      case 'pre-push':
        return await prePush(args, io);
      case 'post-checkout':
        return await postCheckout(io);
      case 'ping':
        io.stdout.write(`keyguard ${VERSION}, node ${process.version}\n`);
        return EXIT_CLEAN;
      default:
        io.stderr.write(`keyguard: unknown hook "${name ?? ''}".\n`);
        return EXIT_ERROR;
    }
  } catch (error) {
    const consequence = name === 'pre-push' ? 'The push is stopped until keyguard can read what is being pushed (exit code 2).' : 'git is stopped here (exit code 2).';
    return reportError(io, error, { consequence });
  }
}
