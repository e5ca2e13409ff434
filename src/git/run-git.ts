import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { NotARepositoryError, RepositoryReadError } from './errors.js';

/**
 * node:child_process, loaded when git is first run: loading it costs milliseconds of start-up, and
 * the commit hook, which gets the staged changes from its launcher and reads loose objects itself,
 * usually runs no git at all.
 */
const load = createRequire(import.meta.url);
let childProcess: typeof import('node:child_process') | undefined;

export interface GitContext {
  /** Where git runs; git finds the repository from here and from GIT_DIR / GIT_WORK_TREE. */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Options that make git's output independent of the user's configuration and terminal: no pager, no
 * colour, no textconv or external diff, no locale-dependent quoting (with -z), and no optional
 * index refresh (which would write to the repository while a hook runs).
 */
const GLOBAL_OPTIONS = ['--no-pager', '-c', 'core.quotePath=false', '-c', 'color.ui=false', '--no-optional-locks'];

/**
 * The environment of every git keyguard runs: git's messages in English, whatever the user's locale
 * (keyguard recognises some of them), and no transport allowed at all. keyguard never uses the
 * network; in a partial clone, reading an object that is not here would make git fetch it from the
 * promisor remote (git 2.39 has no switch to turn lazy fetching off), and over SSH ask for
 * credentials in the middle of a commit. An empty GIT_ALLOW_PROTOCOL overrides any protocol.*.allow
 * setting and reaches the `git fetch` that git would start, which then fails at once: the object
 * counts as missing. The exposure lookup never even asks for those (see presentBlobs).
 */
export function gitEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, LC_ALL: 'C', LANGUAGE: undefined, GIT_ALLOW_PROTOCOL: '' };
}

export function spawnGit(context: GitContext, args: string[]): ChildProcess {
  childProcess ??= load('node:child_process') as typeof import('node:child_process');
  return childProcess.spawn('git', [...GLOBAL_OPTIONS, ...args], {
    cwd: context.cwd,
    env: gitEnvironment(context.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
}

/** git did not answer within the time it was given (and was stopped). */
export class GitTimeoutError extends RepositoryReadError {
  static override readonly brand: string = 'keyguard:GitTimeoutError';
  override readonly name: string = 'GitTimeoutError';
}

/**
 * Runs git to completion and returns its stdout; a failure becomes a RepositoryReadError with git's
 * own words. With `timeoutMs`, git is killed when the time is up and a GitTimeoutError is raised.
 */
export function runGit(context: GitContext, args: string[], input?: string, timeoutMs?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(context, args);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill();
          }, Math.max(0, timeoutMs));
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => reject(describeSpawnError(error)));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) return reject(new GitTimeoutError(`git ${args[0] ?? ''} did not finish in ${timeoutMs} ms`));
      if (code === 0) return resolve(Buffer.concat(out));
      const said = Buffer.concat(err).toString('utf8').trim();
      reject(gitFailure(args, said, code, signal));
    });
    child.stdin!.on('error', () => {}); // git may exit before reading its input; the exit code tells
    child.stdin!.end(input);
  });
}

export function describeSpawnError(error: NodeJS.ErrnoException): RepositoryReadError {
  if (error.code === 'ENOENT') {
    return new RepositoryReadError(
      'git is not installed or not on PATH.',
      'Install git, or run keyguard with --backend isomorphic-git to read the repository without it.',
    );
  }
  return new RepositoryReadError(`could not run git: ${error.message}`);
}

export function gitFailure(args: string[], said: string, code: number | null, signal: NodeJS.Signals | null): RepositoryReadError {
  const firstLine = said.split('\n').find((line) => line.trim() !== '') ?? '';
  if (/not a git repository/i.test(said)) {
    return new NotARepositoryError(
      'this is not inside a git repository.',
      'Run keyguard from your project folder, or scan files on disk with: keyguard check --files <paths>',
    );
  }
  if (/dubious ownership/i.test(said)) {
    return new RepositoryReadError(
      `git refuses to read this repository: ${firstLine.replace(/^fatal:\s*/, '')}`,
      'Follow git\'s advice above (git config --global --add safe.directory <path>) if you trust this repository.',
    );
  }
  if (/index file|bad signature|index uses .* extension/i.test(said)) {
    return new RepositoryReadError(
      `git cannot read the index (the staging area): ${firstLine.replace(/^(fatal|error):\s*/, '')}`,
      'Nothing was changed. Inspect with `git status`; if the index is corrupt, rebuild it with `git read-tree HEAD` (keeps your files, unstages everything) and stage again.',
    );
  }
  const how = code !== null ? `exit code ${code}` : `signal ${signal ?? 'unknown'}`;
  return new RepositoryReadError(`git ${args[0] ?? ''} failed (${how})${firstLine ? `: ${firstLine}` : ''}`);
}
