import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CatFileBatch } from './cat-file.js';
import { discoverRepository } from './discover.js';
import { LooseObjects } from './loose-objects.js';
import { RepositoryReadError } from './errors.js';
import { lookUpExposure, type Exposure, type ExposureQuery } from './exposure.js';
import { DiffTreeParser, parseBatchCheck, parseLsFilesStage, parseLsTree, parseRawDiff } from './parse.js';
import { describeSpawnError, gitFailure, runGit, spawnGit, type GitContext } from './run-git.js';
import type { BlobSink, CommitChange, IndexEntry, ObjectType, Repository, StagedChange } from './types.js';

/**
 * What staged changes are read with: plumbing, so that no diff.* configuration changes the output;
 * `-M`, so that a renamed file adds nothing (git pairs it with its source). hooks/keyguard.sh runs
 * exactly this (a test holds them together).
 */
export const STAGED_DIFF_ARGS = ['diff-index', '--cached', '--raw', '-z', '--no-abbrev', '-M', '--ignore-submodules=none', 'HEAD', '--'];

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
        this.loose = new LooseObjects(objects);
      } catch {
        this.loose = null;
      }
    }
    return this.loose;
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
   * One `git diff-tree --stdin` process for all commits, its output parsed as it streams. Each
   * commit's callback is awaited before the next is delivered, so a long history is never held in
   * memory at once.
   */
  commitChanges(commits: string[], onCommit: (change: CommitChange) => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawnGit(this.context, ['diff-tree', '--stdin', '-r', '-z', '--raw', '--no-abbrev', '-M', '--root', '-c', '--always']);
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        child.kill();
        reject(error);
      };
      let chain = Promise.resolve();
      const parser = new DiffTreeParser((change) => {
        chain = chain.then(() => (failed ? undefined : onCommit(change))).catch(fail);
      });
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        try {
          parser.push(chunk);
        } catch (error) {
          fail(error);
        }
        // Back-pressure: stop reading while scans are behind.
        child.stdout!.pause();
        chain.then(() => child.stdout!.resume(), () => {});
      });
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', (error: NodeJS.ErrnoException) => fail(describeSpawnError(error)));
      child.on('close', (code, signal) => {
        if (failed) return;
        if (code !== 0) return fail(gitFailure(['diff-tree'], stderr.trim(), code, signal));
        try {
          parser.end();
        } catch (error) {
          return fail(error);
        }
        chain.then(resolve, fail);
      });
      child.stdin!.on('error', () => {});
      child.stdin!.end(commits.map((commit) => `${commit}\n`).join(''));
    });
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

  exposure(queries: ExposureQuery[], deadline: number): Promise<Exposure[]> {
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
