import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { redact } from '../detect/identity.js';
import { freshKeyId } from '../fake-keys.js';

/**
 * doctor's proof: a commit, a commit message and a push, each carrying a freshly generated fake key,
 * made with the hooks git runs in this clone. They are made in a throwaway clone (`git clone
 * --shared`: objects borrowed read-only, refs, index and work tree its own) told to run this
 * clone's hooks folder, with this clone's node_modules linked in, and pushed to a throwaway bare
 * repository. Nothing of the user's index, work tree, refs or remotes is touched, whatever the
 * project's own hook scripts (lint-staged, formatters, stash) do.
 */

export type ProbedHook = 'pre-commit' | 'commit-msg' | 'pre-push';

export interface ProbeResult {
  hook: ProbedHook;
  /** keyguard stopped git, naming the probe's key. */
  blocked: boolean;
  /** git's exit status, and the first lines it printed when it did not block as expected. */
  status: number | null;
  output: string;
}

export interface ProbeTarget {
  /** The worktree whose hooks are probed. */
  worktree: string;
  commonDir: string;
  /** The hooks folder git uses there, absolute. */
  hooksDir: string;
  /** The npm project folder, relative to the worktree top ('' at the top). */
  projectDir: string;
  /** The husky scripts folder, relative to the worktree top. */
  huskyDir: string;
}

const PROBE_FILE = 'keyguard-doctor-probe.ini';
const TIMEOUT_MS = 60_000;

/** git's variables that would point the probe at the user's repository, index or work tree. */
function probeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (/^GIT_(DIR|WORK_TREE|INDEX_FILE|COMMON_DIR|PREFIX|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|NAMESPACE|CEILING_DIRECTORIES|QUARANTINE_PATH|REFLOG_ACTION)$/.test(name)) continue;
    clean[name] = value;
  }
  return {
    ...clean,
    GIT_AUTHOR_NAME: 'keyguard doctor',
    GIT_AUTHOR_EMAIL: 'doctor@keyguard.invalid',
    GIT_COMMITTER_NAME: 'keyguard doctor',
    GIT_COMMITTER_EMAIL: 'doctor@keyguard.invalid',
    GIT_TERMINAL_PROMPT: '0',
  };
}

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv, input = ''): { status: number | null; output: string; stdout: string } {
  const result = spawnSync('git', args, { cwd, env, input, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  if (result.error) return { status: null, output: result.error.message, stdout: '' };
  return { status: result.status, output: `${result.stderr}${result.stdout}`, stdout: result.stdout.trim() };
}

function must(result: { status: number | null; output: string; stdout: string }, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed: ${result.output.trim().split('\n')[0] ?? ''}`);
  return result.stdout;
}

/** Tracked files hook managers read, checked out into the throwaway work tree: config files and hook script folders, not the whole project. */
function hookFiles(paths: string[], target: ProbeTarget): string[] {
  const folders = [target.huskyDir, '.husky', '.githooks', '.config', '.lefthook', '.yarn/releases', '.yarn/plugins'].map((folder) => `${folder}/`);
  const projectTop = target.projectDir === '' ? '' : `${target.projectDir}/`;
  return paths.filter(
    (path) =>
      !path.includes('/') ||
      folders.some((folder) => path.startsWith(folder)) ||
      (projectTop !== '' && path.startsWith(projectTop) && !path.slice(projectTop.length).includes('/')),
  );
}

/** Hook managers' configuration files, which may not be committed (no commit yet, or a personal `lefthook-local.yml`). */
const MANAGER_FILES = [
  'lefthook.yml', '.lefthook.yml', 'lefthook.yaml', '.lefthook.yaml', 'lefthook-local.yml', '.lefthook-local.yml',
  '.pre-commit-config.yaml', 'package.json', '.simple-git-hooks.json', 'simple-git-hooks.json', '.simple-git-hooks.js', '.simple-git-hooks.cjs',
];

/** `names` at the work tree's top and in the npm project folder (repository-relative). */
function inProjectFolders(target: ProbeTarget, names: readonly string[]): string[] {
  return [...new Set(['', target.projectDir])].flatMap((folder) => names.map((name) => join(folder, name)));
}

/** Brings each path the clone lacks from the user's work tree, with `put` (a copy, or a link). */
function fromWorkTree(target: ProbeTarget, clone: string, paths: string[], put: (source: string, destination: string) => void): void {
  for (const path of paths) {
    const source = join(target.worktree, path);
    const destination = join(clone, path);
    if (!existsSync(source) || existsSync(destination)) continue;
    mkdirSync(dirname(destination), { recursive: true });
    put(source, destination);
  }
}

/** The work tree's version of each manager file the clone did not get from HEAD, and its husky folder. */
function copyManagerConfiguration(target: ProbeTarget, clone: string): void {
  fromWorkTree(target, clone, [...inProjectFolders(target, MANAGER_FILES), target.huskyDir], (source, copy) => cpSync(source, copy, { recursive: true }));
}

/** What the clone needs from the user's work tree that git does not track: installed packages, Plug'n'Play files. */
function linkUntracked(target: ProbeTarget, clone: string): void {
  const names = ['node_modules', '.pnp.cjs', '.pnp.data.json', '.pnp.loader.mjs', '.yarn'];
  fromWorkTree(target, clone, inProjectFolders(target, names), (source, link) => symlinkSync(source, link));
}

function verdict(hook: ProbedHook, run: { status: number | null; output: string }, keyId: string): ProbeResult {
  // The report names the key the way every report does: redacted.
  const redacted = redact(keyId);
  const blocked = run.status !== 0 && run.status !== null && run.output.includes(redacted);
  const output = run.output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, 3)
    .join(' / ')
    .replaceAll(keyId, redacted);
  return { hook, blocked, status: run.status, output };
}

export function probeHooks(target: ProbeTarget, env: NodeJS.ProcessEnv): ProbeResult[] {
  const gitEnv = probeEnv(env);
  const scratch = mkdtempSync(join(tmpdir(), 'keyguard-doctor-'));
  try {
    const clone = join(scratch, 'clone');
    const remote = join(scratch, 'remote.git');
    must(git(scratch, ['clone', '--quiet', '--shared', '--no-checkout', target.commonDir, clone], gitEnv), 'git clone --shared');
    must(git(scratch, ['init', '--quiet', '--bare', remote], gitEnv), 'git init --bare');
    for (const [key, value] of [
      ['core.hooksPath', target.hooksDir],
      ['commit.gpgSign', 'false'],
      ['tag.gpgSign', 'false'],
      ['push.gpgSign', 'false'],
      ['core.sparseCheckout', 'false'],
    ] as const) {
      must(git(clone, ['config', key, value], gitEnv), `git config ${key}`);
    }
    const hasHead = git(clone, ['rev-parse', '--verify', '--quiet', 'HEAD'], gitEnv).status === 0;
    if (hasHead) {
      must(git(clone, ['read-tree', 'HEAD'], gitEnv), 'git read-tree');
      const tracked = must(git(clone, ['ls-files', '-z'], gitEnv), 'git ls-files').split('\0').filter(Boolean);
      const wanted = hookFiles(tracked, target);
      if (wanted.length > 0) must(git(clone, ['checkout-index', '-f', '-z', '--stdin'], gitEnv, wanted.join('\0')), 'git checkout-index');
    }
    copyManagerConfiguration(target, clone);
    linkUntracked(target, clone);

    const results: ProbeResult[] = [];
    const keyId = freshKeyId();
    // commit-msg first, with nothing staged: pre-commit has nothing to find.
    results.push(verdict('commit-msg', git(clone, ['commit', '--quiet', '--allow-empty', '-F', '-'], gitEnv, `keyguard doctor probe ${keyId}\n`), keyId));

    writeFileSync(join(clone, PROBE_FILE), `[probe]\naws_access_key_id = ${keyId}\n`);
    must(git(clone, ['add', '--', PROBE_FILE], gitEnv), 'git add');
    results.push(verdict('pre-commit', git(clone, ['commit', '--quiet', '-m', 'keyguard doctor probe'], gitEnv), keyId));

    // A commit of its own (no parent: nothing else goes with it), made without hooks, on a branch of the throwaway clone.
    const blob = must(git(clone, ['hash-object', '-w', '--stdin'], gitEnv, `[probe]\naws_access_key_id = ${keyId}\n`), 'git hash-object');
    const tree = must(git(clone, ['mktree'], gitEnv, `100644 blob ${blob}\t${PROBE_FILE}\n`), 'git mktree');
    const commit = must(git(clone, ['commit-tree', tree], gitEnv, 'keyguard doctor probe\n'), 'git commit-tree');
    must(git(clone, ['update-ref', 'refs/heads/keyguard-doctor-probe', commit], gitEnv), 'git update-ref');
    results.push(verdict('pre-push', git(clone, ['push', '--quiet', remote, 'refs/heads/keyguard-doctor-probe'], gitEnv), keyId));
    return results;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The project folder relative to the worktree top, for ProbeTarget. */
export function projectFolder(worktree: string, projectDir: string): string {
  const rel = relative(worktree, projectDir);
  return rel.split('\\').join('/');
}
