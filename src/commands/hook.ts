import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { backendFromEnv, openRepository } from '../git/open.js';
import { loadPolicy } from '../policy/policy.js';
import type { Repository } from '../git/types.js';
import { trackingRefsTrusted } from '../install/remote-urls.js';
import { scanCommitMessage } from '../scan/message.js';
import { parsePushLines } from '../scan/push.js';
import { scanPush } from '../scan/sources.js';
import { emptyStats } from '../scan/types.js';
import { VERSION } from '../version.js';
import { attachExposure, check, hookFacts, renderResult, repositoryRoot } from './check.js';
import { reportError } from './errors.js';
import { EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND, type ExitCode, type Io } from './io.js';

export interface HookIo extends Io {
  readStdin(): Promise<string>;
}

const text = { format: 'text', verbose: false, color: true, fromHook: true } as const;

/** The environment for git in another repository (a submodule): without the variables that tie git to this one. */
function withoutRepositoryVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const local = /^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|PREFIX|IMPLICIT_WORK_TREE|GRAFT_FILE|SHALLOW_FILE|NAMESPACE|INTERNAL_SUPER_PREFIX|QUARANTINE_PATH)$/;
  return Object.fromEntries(Object.entries(env).filter(([name]) => !local.test(name)));
}

async function commitMessage(args: string[], io: Io): Promise<ExitCode> {
  const file = args[0];
  if (!file) throw new Error('commit-msg needs the message file');
  const findings = scanCommitMessage(readFileSync(resolve(io.cwd, file), 'utf8'));
  const facts = findings.length > 0 ? hookFacts(io) : undefined;
  await renderResult({ findings, stats: emptyStats(), ...(facts ? { facts } : {}) }, { ...text, scope: 'message' }, io);
  return findings.length > 0 ? EXIT_FOUND : EXIT_CLEAN;
}

/**
 * pre-push: scans what is about to be pushed, as git lists it on stdin; `args` are the remote's
 * name and URL. git sends the objects themselves, never their `git replace` stand-ins, so
 * keyguard reads them with replace objects off.
 */
async function prePush(args: string[], io: HookIo): Promise<ExitCode> {
  let input = await io.readStdin();
  if (input.trim() === '' && (io.env.PRE_COMMIT_TO_REF !== undefined || io.env.PRE_COMMIT_REMOTE_NAME !== undefined)) {
    input = await frameworkPushLine(io);
    args = [io.env.PRE_COMMIT_REMOTE_NAME ?? '', io.env.PRE_COMMIT_REMOTE_URL ?? ''].filter(Boolean);
  }
  const updates = parsePushLines(input);
  const env = { ...io.env, GIT_NO_REPLACE_OBJECTS: '1' };
  let repository: Repository | undefined;
  try {
    repository = await openRepository('git', io.cwd, env); // git is running this hook
    const policy = await loadPolicy(repositoryRoot(io));
    let remote: { name?: string; url?: string } = { name: args[0], url: args[1] };
    if (args[0] !== undefined && !trackingRefsTrusted(io.cwd, args[0], env)) {
      io.stderr.write(
        `keyguard: the URL of remote "${args[0]}" changed since its tracking branches were fetched, so they may not be on the new host: checking everything this push sends. \`git fetch ${args[0]}\` makes pushes quick again.\n`,
      );
      remote = {};
    }
    const root = await repository.root();
    const openSubmodule = async (path: string) => {
      const dir = join(root, path);
      // A submodule checked out here has a .git (a file pointing into .git/modules, or a folder).
      if (!existsSync(join(dir, '.git'))) return undefined;
      return openRepository('git', dir, withoutRepositoryVariables(env));
    };
    const result = await scanPush(repository, updates, remote, policy, openSubmodule);
    if (result.findings.length > 0) await attachExposure(repository, result, io.env);
    await renderResult(result, { ...text, scope: 'push' }, io);
    return result.findings.length > 0 ? EXIT_FOUND : EXIT_CLEAN;
  } finally {
    repository?.close();
  }
}

/**
 * The push as the pre-commit framework describes it in variables (it reads git's input itself, and
 * hands its hooks the first ref of the push only: a limit of the framework). PRE_COMMIT_FROM_REF may
 * be a revision (`<first new commit>^`); for a branch whose new commits reach a root commit the
 * framework gives no refs at all (it runs "on all files"): then everything the local branch has that
 * the remote's tracking branches do not is checked.
 */
async function frameworkPushLine(io: Io): Promise<string> {
  const { runGit } = await import('../git/run-git.js');
  const resolveRef = async (revision: string) =>
    (await runGit({ cwd: io.cwd, env: io.env }, ['rev-parse', '--verify', '--end-of-options', `${revision}^{commit}`])).toString('utf8').trim();
  const local = io.env.PRE_COMMIT_LOCAL_BRANCH || 'HEAD';
  const to = await resolveRef(io.env.PRE_COMMIT_TO_REF || local);
  const from = io.env.PRE_COMMIT_FROM_REF ? await resolveRef(io.env.PRE_COMMIT_FROM_REF) : '0'.repeat(to.length);
  return `${local} ${to} ${io.env.PRE_COMMIT_REMOTE_BRANCH || local} ${from}\n`;
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
        return EXIT_CLEAN; // keyguard 0.1's worktree set-up: worktrees share the hooks now
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
