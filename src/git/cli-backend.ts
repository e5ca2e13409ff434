import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { CatFileBatch } from './cat-file.js';
import { discoverRepository, lfsObjectIn } from './discover.js';
import { LooseObjects } from './loose-objects.js';
import { scanFastPaths } from './fast-paths.js';
import { RepositoryReadError } from './errors.js';
import type { ExposureAnswer, ExposureQuery } from './exposure-types.js';
import { DiffTreeParser, parseBatchCheck, parseLsFilesStage, parseLsTree, parseRawDiff } from './parse.js';
import { describeSpawnError, gitFailure, runGit, spawnGit, type GitContext } from './run-git.js';
import type { BlobSink, CommitChange, IndexEntry, ObjectType, Repository, StagedChange } from './types.js';

/**
 * What staged changes are read with: plumbing, so that no diff.* configuration changes the output;
 * `-M`, so that a renamed file adds nothing (git pairs it with its source). hooks/keyguard.sh runs
 * exactly this (a test holds them together).
 */
const load = createRequire(import.meta.url);

export const STAGED_DIFF_ARGS = ['diff-index', '--cached', '--raw', '-z', '--no-abbrev', '-M', '--ignore-submodules=none', 'HEAD', '--'];

/** Commits below which one diff-tree process does it all; above, each process gets at least half as many. */
const PARALLEL_MIN = 200;
const MAX_DIFF_PROCESSES = 4;
/** Parsed commits a diff-tree stream keeps ahead of the scan before it stops reading. */
const QUEUED = 256;

/** Cores to spread tree diffs over (node:os loaded only when a long history is scanned). */
function parallelism(): number {
  const os = load('node:os') as typeof import('node:os');
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/** How the launcher appends git's exit status to the diff it pipes in. */
export const PRESET_STATUS_MARKER = 'keyguard-diff-status:';

/** The diff output in a launcher's preset, or undefined when git did not succeed (then keyguard asks git itself). */
export function presetDiffOutput(preset: Buffer): Buffer | undefined {
  const tail = preset.subarray(Math.max(0, preset.length - 64)).toString('latin1');
  const match = new RegExp(`${PRESET_STATUS_MARKER}(\\d+)\0$`).exec(tail);
  if (!match || match[1] !== '0') return undefined;
  return preset.subarray(0, preset.length - match[0].length);
}

/**
 * The default backend: the same git that runs the hook, so keyguard sees exactly what git sees
 * (GIT_INDEX_FILE under `git commit -a`, worktrees, every index version and repository format).
 * Three git processes at most, started together: the diff, the top-level, and one cat-file for all blobs.
 */
export class GitCliRepository implements Repository {
  readonly backend = 'git';
  private catFile: CatFileBatch | undefined;
  private rootPath: Promise<string> | undefined;
  private loose: LooseObjects | null | undefined;

  /**
   * @param presetDiff the output of STAGED_DIFF_ARGS the hook launcher already ran while node was
   *   starting, followed by git's exit status (see hooks/keyguard.sh); used only when git succeeded.
   */
  constructor(
    private readonly context: GitContext,
    private readonly presetDiff?: Buffer,
  ) {}

  /** Loose objects of this repository, when its object store is where git looks by default. */
  private looseObjects(): LooseObjects | null {
    if (this.loose === undefined) {
      try {
        const objects = this.context.env.GIT_OBJECT_DIRECTORY ?? join(discoverRepository(this.context.cwd, this.context.env).commonDir, 'objects');
        this.loose = new LooseObjects(objects, scanFastPaths(this.context.env));
      } catch {
        this.loose = null;
      }
    }
    return this.loose;
  }

  lfsObjectPath(sha256: string): string | undefined {
    try {
      return lfsObjectIn(discoverRepository(this.context.cwd, this.context.env).commonDir, sha256);
    } catch {
      return undefined;
    }
  }

  root(): Promise<string> {
    this.rootPath ??= runGit(this.context, ['rev-parse', '--show-toplevel']).then((out) => out.toString('utf8').trim());
    return this.rootPath;
  }

  async stagedChanges(): Promise<StagedChange[]> {
    const preset = this.presetDiff !== undefined ? presetDiffOutput(this.presetDiff) : undefined;
    if (preset !== undefined) return parseRawDiff(preset);
    const diffIndex = (tree: string) => runGit(this.context, [...STAGED_DIFF_ARGS.slice(0, -2), tree, '--']);
    try {
      return parseRawDiff(await diffIndex('HEAD'));
    } catch (error) {
      if (!(error instanceof RepositoryReadError) || !/bad revision 'HEAD'/.test(error.message)) throw error;
      // No commit yet: everything staged is new. The empty tree's name depends on the object format.
      const emptyTree = (await runGit(this.context, ['hash-object', '-t', 'tree', '--stdin'], '')).toString('utf8').trim();
      return parseRawDiff(await diffIndex(emptyTree));
    }
  }

  async indexEntries(paths?: string[]): Promise<IndexEntry[]> {
    const list = ['ls-files', '--stage', '-z', '--full-name'];
    let args: string[];
    if (paths === undefined) {
      args = [...list, '--', ':/']; // the whole tree, wherever below the top level keyguard runs
    } else {
      if (paths.length === 0) return [];
      // Literal (lint-staged passes paths like app/[id]/page.tsx), from the top level so that
      // repository-relative paths mean the same wherever keyguard runs.
      // The top level itself is '' to keyguard and '.' to git (which refuses an empty pathspec).
      args = ['-C', await this.root(), '--literal-pathspecs', ...list, '--', ...paths.map((path) => path || '.')];
    }
    return parseLsFilesStage(await runGit(this.context, args)).entries;
  }

  async listCommits(revisions: string[], stdinRevisions?: string[]): Promise<string[]> {
    const stdin = stdinRevisions === undefined ? [] : ['--stdin'];
    const input = stdinRevisions?.map((revision) => `${revision}\n`).join('');
    const output = await runGit(this.context, ['rev-list', '--reverse', '--topo-order', ...stdin, ...revisions, '--'], input);
    return output.toString('latin1').split('\n').filter(Boolean);
  }

  async configuredRemote(name: string, url: string | undefined): Promise<string | undefined> {
    const output = await runGit(this.context, ['config', '-z', '--get-regexp', '^remote\\..*\\.(url|pushurl)$']).catch(() => Buffer.alloc(0));
    const remotes = output
      .toString('utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => {
        const newline = entry.indexOf('\n');
        const key = entry.slice(0, newline);
        return { name: key.slice('remote.'.length, key.lastIndexOf('.')), url: entry.slice(newline + 1) };
      });
    return remotes.find((remote) => remote.name === name)?.name ?? remotes.find((remote) => url !== undefined && remote.url === url)?.name;
  }

  /**
   * `git diff-tree --stdin` for the commits, delivered in order, each commit's callback awaited
   * before the next is delivered. A long list is split among several diff-tree processes (tree
   * diffs are most of the time a long history or a big push takes, and they run on every core);
   * each keeps at most a few hundred parsed commits ahead, so memory stays bounded.
   */
  async commitChanges(commits: string[], onCommit: (change: CommitChange) => Promise<void>): Promise<void> {
    const count = commits.length < PARALLEL_MIN ? 1 : Math.min(MAX_DIFF_PROCESSES, parallelism(), Math.ceil(commits.length / (PARALLEL_MIN / 2)));
    const size = Math.ceil(commits.length / count);
    const streams = Array.from({ length: count }, (_, i) => this.diffTree(commits.slice(i * size, (i + 1) * size)));
    try {
      for (const stream of streams) {
        for (let change = await stream.next(); change !== undefined; change = await stream.next()) await onCommit(change);
      }
    } finally {
      for (const stream of streams) stream.stop();
    }
  }

  /** One diff-tree process, its output parsed as it streams; reading pauses while QUEUED commits wait. */
  private diffTree(commits: string[]): { next(): Promise<CommitChange | undefined>; stop(): void } {
    const child = spawnGit(this.context, ['diff-tree', '--stdin', '-r', '-z', '--raw', '--no-abbrev', '-M', '--root', '-c', '--always']);
    const queue: CommitChange[] = [];
    let finished = false;
    let failure: unknown;
    let paused = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const fail = (error: unknown) => {
      if (finished || failure !== undefined) return;
      failure = error;
      child.kill();
      notify();
    };
    const parser = new DiffTreeParser((change) => queue.push(change));
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (error) {
        fail(error);
      }
      if (queue.length >= QUEUED && !paused) {
        paused = true;
        child.stdout!.pause();
      }
      notify();
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error: NodeJS.ErrnoException) => fail(describeSpawnError(error)));
    child.on('close', (code, signal) => {
      if (failure !== undefined) return;
      if (code !== 0) return fail(gitFailure(['diff-tree'], stderr.trim(), code, signal));
      try {
        parser.end();
      } catch (error) {
        return fail(error);
      }
      finished = true;
      notify();
    });
    child.stdin!.on('error', () => {});
    child.stdin!.end(commits.map((commit) => `${commit}\n`).join(''));
    return {
      async next() {
        for (;;) {
          if (failure !== undefined) throw failure;
          const change = queue.shift();
          if (change !== undefined) {
            if (paused && queue.length < QUEUED / 2) {
              paused = false;
              child.stdout!.resume();
            }
            return change;
          }
          if (finished) return undefined;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      stop() {
        if (!finished) {
          finished = true;
          child.kill();
        }
      },
    };
  }

  async shallowCommits(): Promise<Set<string>> {
    const [isShallow, path] = (await runGit(this.context, ['rev-parse', '--is-shallow-repository', '--git-path', 'shallow'])).toString('utf8').split('\n');
    if (isShallow !== 'true' || !path) return new Set();
    try {
      return new Set(readFileSync(resolve(this.context.cwd, path), 'latin1').split('\n').filter(Boolean));
    } catch (error) {
      throw new RepositoryReadError(`cannot read the list of shallow commits: ${(error as Error).message}`);
    }
  }

  async untrackedFiles(paths: string[]): Promise<string[]> {
    if (paths.length === 0) return [];
    const args = ['-C', await this.root(), '--literal-pathspecs', 'ls-files', '--others', '--exclude-standard', '-z', '--full-name', '--'];
    const output = await runGit(this.context, [...args, ...paths.map((path) => path || '.')]);
    return output.toString('utf8').split('\0').filter(Boolean);
  }

  async exposure(queries: ExposureQuery[], deadline: number): Promise<ExposureAnswer> {
    // Loaded only when something was found: a clean commit does not parse the lookup's code.
    const { lookUpExposure } = await import('./exposure.js');
    return lookUpExposure(this.context, queries, deadline);
  }

  async objectTypes(oids: string[]): Promise<(ObjectType | undefined)[]> {
    if (oids.length === 0) return [];
    return parseBatchCheck(await runGit(this.context, ['cat-file', '--batch-check'], oids.map((oid) => `${oid}\n`).join('')), oids.length);
  }

  async readObject(oid: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    this.catFile ??= new CatFileBatch(this.context);
    await this.catFile.read(oid, { data: (chunk) => chunks.push(chunk), end: () => {} });
    return Buffer.concat(chunks);
  }

  async treeEntries(tree: string): Promise<IndexEntry[]> {
    return parseLsTree(await runGit(this.context, ['ls-tree', '-r', '-z', '--full-tree', tree]));
  }

  readBlob(oid: string, sink: BlobSink): Promise<void> {
    const content = this.looseObjects()?.readBlob(oid);
    if (content !== undefined) {
      sink.data(content);
      sink.end();
      return Promise.resolve();
    }
    this.catFile ??= new CatFileBatch(this.context);
    return this.catFile.read(oid, sink);
  }

  close(): void {
    this.catFile?.close();
  }
}
