import type { ExposureAnswer, ExposureQuery } from './exposure-types.js';

/** Receives one blob's bytes in order, then `end()`. */
export interface BlobSink {
  data(chunk: Buffer): void;
  end(): void;
}

/** Modes as git writes them. Only regular files have scannable content. */
export const MODE_FILE = '100644';
export const MODE_EXECUTABLE = '100755';
export const MODE_SYMLINK = '120000';
export const MODE_GITLINK = '160000';

export const isRegularFile = (mode: string): boolean => mode === MODE_FILE || mode === MODE_EXECUTABLE;

/**
 * A path whose staged content differs from HEAD (added, modified, type-changed, renamed or copied).
 * Deletions are not listed: they add nothing.
 */
export interface StagedChange {
  /** Repository-relative, forward slashes. */
  path: string;
  status: 'A' | 'M' | 'T' | 'R' | 'C' | 'U';
  mode: string;
  oid: string;
  /** The HEAD side the staged content is compared with (for R and C: the source path). */
  before?: { path: string; mode: string; oid: string };
}

/** One entry of the index (stage 0). */
export interface IndexEntry {
  path: string;
  mode: string;
  oid: string;
}

export type BackendName = 'git' | 'isomorphic-git';

export type ObjectType = 'commit' | 'tag' | 'tree' | 'blob';

/**
 * A repository as keyguard needs it: what is staged, what is tracked, and blob contents. Two
 * implementations: the git executable (default) and isomorphic-git (where no git exists).
 */
export interface Repository {
  readonly backend: BackendName;
  /** Absolute path of the working tree's top-level folder. */
  root(): Promise<string>;
  /** Staged changes against HEAD (against the empty tree before the first commit). */
  stagedChanges(): Promise<StagedChange[]>;
  /** Index entries, all or those matching the literal repository-relative paths (a folder matches what is below it). */
  indexEntries(paths?: string[]): Promise<IndexEntry[]>;
  /** Streams a blob's content; may be called many times without awaiting. */
  readBlob(oid: string, sink: BlobSink): Promise<void>;
  /**
   * Commit ids selected by `git rev-list` arguments, oldest first; `stdinRevisions` (commits, and
   * `^commit` exclusions) are passed on stdin, so that a push of thousands of refs fits.
   */
  listCommits(revisions: string[], stdinRevisions?: string[]): Promise<string[]>;
  /** The configured remote called `name`, or whose URL is `url` (as pre-push gives them), if any. */
  configuredRemote(name: string, url: string | undefined): Promise<string | undefined>;
  /** What each commit adds relative to its parents, delivered commit by commit in the given order. */
  commitChanges(commits: string[], onCommit: (change: CommitChange) => Promise<void>): Promise<void>;
  /** Each object's type (`commit`, `tag`, `tree`, `blob`), or undefined when it does not exist. */
  objectTypes(oids: string[]): Promise<(ObjectType | undefined)[]>;
  /** A commit or tag object, whole (its headers, a blank line, its message). */
  readObject(oid: string): Promise<Buffer>;
  /** Every file below a tree, recursively. */
  treeEntries(tree: string): Promise<IndexEntry[]>;
  /** Where the local Git LFS store keeps the content with this sha256 (`<common git dir>/lfs/objects/aa/bb/<sha256>`). */
  lfsObjectPath(sha256: string): string | undefined;
  /** Commits at the boundary of a shallow clone (their parents are not here); empty in a complete repository. */
  shallowCommits(): Promise<Set<string>>;
  /** Files under these repository-relative folders that git does not track and does not ignore (repository-relative). */
  untrackedFiles(paths: string[]): Promise<string[]>;
  /** How far each credential has travelled (committed? pushed?), looked up until `deadline` (Date.now() units). */
  exposure(queries: ExposureQuery[], deadline: number): Promise<ExposureAnswer>;
  close(): void;
}

/**
 * A file a commit adds or modifies. For a merge, only files that differ from every parent are
 * listed (a combined diff), with each parent's version.
 */
export interface CommitFileChange {
  path: string;
  mode: string;
  oid: string;
  /** The parents' versions of the file (absent where a parent did not have it). */
  parents: { mode: string; oid: string }[];
  /** For a rename or copy: the path the parent's version had. */
  sourcePath?: string;
}

export interface CommitChange {
  commit: string;
  files: CommitFileChange[];
  /** Files the commit deletes (first-parent side), when the reader asked for them. */
  deleted?: IndexEntry[];
}
