import * as fs from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { RepositoryReadError, UnsupportedRepositoryError } from './errors.js';
import { readConfigFile } from './config-file.js';
import { discoverRepository, lfsObjectIn, type RepositoryLocation } from './discover.js';
import type { ExposureAnswer, ExposureQuery } from './exposure-types.js';
import { parseIndex, type ParsedIndex } from './index-file.js';
import { isRegularFile, MODE_GITLINK, MODE_SYMLINK, type BlobSink, type IndexEntry, type Repository, type StagedChange } from './types.js';

interface TreeEntry {
  mode: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

type FileCategory = 'file' | 'symlink' | 'gitlink';
const categoryOf = (mode: string): FileCategory =>
  mode === MODE_SYMLINK ? 'symlink' : mode === MODE_GITLINK ? 'gitlink' : 'file';

/**
 * The backend for machines without a git executable (a node-only container scanning a mounted
 * checkout). isomorphic-git reads objects; keyguard reads the index itself (see index-file.ts) and
 * resolves worktrees and GIT_INDEX_FILE itself, and refuses repository formats it cannot read
 * correctly rather than guess: SHA-256 object format, reftable, split and sparse indexes.
 */
export class IsomorphicGitRepository implements Repository {
  readonly backend = 'isomorphic-git';
  private readonly location: RepositoryLocation;
  private readonly cache = {};
  private index: ParsedIndex | undefined;

  lfsObjectPath(sha256: string): string | undefined {
    return lfsObjectIn(this.location.commonDir, sha256);
  }

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.location = discoverRepository(cwd, env);
    checkFormat(this.location.commonDir);
  }

  async root(): Promise<string> {
    return this.location.root;
  }

  private readIndex(): ParsedIndex {
    if (this.index) return this.index;
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.location.indexFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new RepositoryReadError(`cannot read the index ${this.location.indexFile}: ${(error as Error).message}`);
      }
      bytes = Buffer.alloc(0); // no index yet: nothing staged
    }
    this.index = bytes.length === 0 ? { version: 2, entries: [], cachedTrees: new Map() } : parseIndex(bytes);
    return this.index;
  }

  private async headTree(): Promise<string | undefined> {
    const head = readFileSync(join(this.location.gitDir, 'HEAD'), 'utf8').trim();
    let commit: string;
    if (head.startsWith('ref: ')) {
      try {
        commit = await git.resolveRef({ fs, gitdir: this.location.commonDir, ref: head.slice(5) });
      } catch (error) {
        if ((error as { code?: string }).code === 'NotFoundError') return undefined; // unborn branch: first commit
        throw error;
      }
    } else {
      commit = head;
    }
    const { commit: parsed } = await git.readCommit({ fs, gitdir: this.location.commonDir, oid: commit, cache: this.cache });
    return parsed.tree;
  }

  private async readTree(oid: string): Promise<Map<string, TreeEntry>> {
    const { tree } = await git.readTree({ fs, gitdir: this.location.commonDir, oid, cache: this.cache });
    return new Map(tree.map((entry) => [entry.path, { mode: entry.mode, oid: entry.oid, type: entry.type }]));
  }

  async stagedChanges(): Promise<StagedChange[]> {
    const index = this.readIndex();
    const merged = index.entries.filter((entry) => entry.stage === 0);
    const unmerged = [...new Set(index.entries.filter((entry) => entry.stage !== 0).map((entry) => entry.path))];
    const changes: StagedChange[] = unmerged.map((path) => ({ path, status: 'U', mode: '000000', oid: '' }));
    const deleted = new Map<string, { path: string; mode: string }>();

    const walk = async (prefix: string, treeOid: string | undefined, from: number, to: number): Promise<void> => {
      // The cache-tree records the tree the index would write for a folder; equal to HEAD's tree means
      // nothing below it is staged, and the folder is skipped without reading it.
      if (treeOid !== undefined && index.cachedTrees.get(prefix.slice(0, -1)) === treeOid) return;
      const head = treeOid !== undefined ? await this.readTree(treeOid) : new Map<string, TreeEntry>();
      const seen = new Set<string>();
      for (let i = from; i < to; ) {
        const entry = merged[i]!;
        const rest = entry.path.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash < 0) {
          seen.add(rest);
          const before = head.get(rest);
          if (before === undefined || before.type === 'tree') {
            changes.push({ path: entry.path, status: 'A', mode: entry.mode, oid: entry.oid });
          } else if (before.oid !== entry.oid || before.mode !== entry.mode) {
            const status = categoryOf(before.mode) === categoryOf(entry.mode) ? 'M' : 'T';
            changes.push({ path: entry.path, status, mode: entry.mode, oid: entry.oid, before: { path: entry.path, mode: before.mode, oid: before.oid } });
          }
          i++;
          continue;
        }
        const name = rest.slice(0, slash);
        const folder = `${prefix}${name}/`;
        let end = i;
        while (end < to && merged[end]!.path.startsWith(folder)) end++;
        seen.add(name);
        const before = head.get(name);
        await walk(folder, before?.type === 'tree' ? before.oid : undefined, i, end);
        i = end;
      }
      for (const [name, before] of head) {
        if (!seen.has(name)) await this.collectDeleted(`${prefix}${name}`, before, deleted);
      }
    };
    await walk('', await this.headTree(), 0, merged.length);

    // Exact renames (same content at a new path) add nothing; git's similarity-based rename
    // detection is not reproduced, so an edited rename counts as an added file here.
    for (const change of changes) {
      const source = change.status === 'A' ? deleted.get(change.oid) : undefined;
      if (source !== undefined) {
        change.status = 'R';
        change.before = { path: source.path, mode: source.mode, oid: change.oid };
      }
    }
    return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private async collectDeleted(path: string, entry: TreeEntry, into: Map<string, { path: string; mode: string }>): Promise<void> {
    if (entry.type === 'blob') {
      if (isRegularFile(entry.mode)) into.set(entry.oid, { path, mode: entry.mode });
      return;
    }
    if (entry.type !== 'tree') return;
    for (const [name, child] of await this.readTree(entry.oid)) await this.collectDeleted(`${path}/${name}`, child, into);
  }

  async indexEntries(paths?: string[]): Promise<IndexEntry[]> {
    const entries = this.readIndex().entries.filter((entry) => entry.stage === 0);
    const selected =
      paths === undefined
        ? entries
        : entries.filter((entry) => paths.some((p) => p === '' || entry.path === p || entry.path.startsWith(p.endsWith('/') ? p : `${p}/`)));
    return selected.map(({ path, mode, oid }) => ({ path, mode, oid }));
  }

  async readBlob(oid: string, sink: BlobSink): Promise<void> {
    let blob: Uint8Array;
    try {
      ({ blob } = await git.readBlob({ fs, gitdir: this.location.commonDir, oid, cache: this.cache }));
    } catch (error) {
      throw new RepositoryReadError(`cannot read object ${oid}: ${(error as Error).message}`, 'The repository may be corrupt or incomplete; run `git fsck` where git is available.');
    }
    sink.data(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength));
    sink.end();
  }

  async listCommits(): Promise<string[]> {
    throw historyNeedsGit();
  }

  async configuredRemote(): Promise<string | undefined> {
    throw historyNeedsGit();
  }

  async commitChanges(): Promise<void> {
    throw historyNeedsGit();
  }

  async objectTypes(): Promise<never[]> {
    throw historyNeedsGit();
  }

  async readObject(): Promise<Buffer> {
    throw historyNeedsGit();
  }

  async treeEntries(): Promise<IndexEntry[]> {
    throw historyNeedsGit();
  }

  async shallowCommits(): Promise<Set<string>> {
    throw historyNeedsGit();
  }

  /** Files below the folders on disk that the index does not list and .gitignore does not ignore. */
  async untrackedFiles(paths: string[]): Promise<string[]> {
    const tracked = new Set(this.readIndex().entries.map((entry) => entry.path));
    const found: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      const full = rel === '' ? this.location.root : join(this.location.root, rel);
      for (const entry of fs.readdirSync(full, { withFileTypes: true })) {
        const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (entry.name === '.git' || tracked.has(child)) continue;
        if (await git.isIgnored({ fs, dir: this.location.root, gitdir: this.location.commonDir, filepath: child })) continue;
        if (entry.isDirectory()) await walk(child);
        else if (entry.isFile()) found.push(child);
      }
    };
    for (const path of paths) await walk(path.replace(/\/+$/, ''));
    return found;
  }

  async exposure(queries: ExposureQuery[]): Promise<ExposureAnswer> {
    return { exposures: queries.map(() => ({ state: 'unknown', reason: 'finding it in the history needs the git executable' })), facts: {} };
  }

  close(): void {}
}

function historyNeedsGit(): UnsupportedRepositoryError {
  return new UnsupportedRepositoryError(
    'scanning commits (pre-push, --history) needs the git executable; the isomorphic-git backend reads only what is staged and tracked.',
    'Run it where git is installed (the default backend).',
  );
}

/** Refuses repository formats isomorphic-git would read wrongly. */
function checkFormat(commonDir: string): void {
  const config = readConfigFile(commonDir);
  const setting = (key: string) => config.get(key)?.at(-1)?.toLowerCase();
  const objectFormat = setting('extensions.objectformat');
  if (objectFormat !== undefined && objectFormat !== 'sha1') {
    throw new UnsupportedRepositoryError(
      `this repository uses the ${objectFormat} object format, which the isomorphic-git backend cannot read.`,
      'Run keyguard where git is installed (the default backend).',
    );
  }
  const refStorage = setting('extensions.refstorage');
  if (refStorage !== undefined && refStorage !== 'files') {
    throw new UnsupportedRepositoryError(`this repository stores refs as ${refStorage}, which the isomorphic-git backend cannot read.`, 'Run keyguard where git is installed (the default backend).');
  }
  const version = setting('core.repositoryformatversion');
  if (version !== undefined && Number(version) > 1) {
    throw new UnsupportedRepositoryError(`repository format version ${version} is not supported.`);
  }
}
