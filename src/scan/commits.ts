import { isRegularFile, MODE_GITLINK, type Repository } from '../git/types.js';
import type { Gitlink } from './submodules.js';
import { BlobScanCache, detectionPool, leftIgnoredPath, scannable, type ScanTarget } from './scan-blobs.js';
import { scanCommitObject } from './message.js';
import { scanPathNames } from './path-names.js';
import type { Finding, ScanStats } from './types.js';

/** Commits scanned at once: enough to keep git's pipes busy, few enough to bound memory. */
const WINDOW = 64;
/** With detection on worker threads, more, so that each message to a worker carries many blobs (the pool bounds its memory). */
const POOLED_WINDOW = 256;

/** A finding in a commit: where a credential first entered the scanned history. */
export type CommitFinding = Finding & { commit: string };

export interface CommitScanResult {
  findings: CommitFinding[];
  stats: ScanStats;
  commits: number;
  /** Submodule commits the scanned commits point submodules at (for a push that recurses into them). */
  gitlinks: Gitlink[];
}

/**
 * Scans what each commit adds (added lines only; for a merge, lines in none of its parents) and its
 * message, oldest first. Each blob is scanned once however many commits contain it, and each credential is reported
 * once per file, with the first commit that introduced it.
 */
export async function scanCommits(
  repository: Repository,
  commits: string[],
  ignores: (path: string) => boolean = () => false,
  onProgress?: (done: number, total: number) => void,
  options: { workers?: boolean } = {},
): Promise<CommitScanResult> {
  // Detection on worker threads for a long history (see detect-pool.ts); never for a push hook.
  const pool = options.workers ? await detectionPool(commits.length) : undefined;
  try {
    return await scanWith(new BlobScanCache(repository, pool), pool ? POOLED_WINDOW : WINDOW, repository, commits, ignores, onProgress);
  } finally {
    pool?.close();
  }
}

async function scanWith(
  cache: BlobScanCache,
  window: number,
  repository: Repository,
  commits: string[],
  ignores: (path: string) => boolean,
  onProgress?: (done: number, total: number) => void,
): Promise<CommitScanResult> {
  const reported = new Set<string>();
  const findings: CommitFinding[] = [];
  const gitlinks: Gitlink[] = [];
  let done = 0;
  // Commits are scanned while git is still listing the next ones, up to `window` at a time, and their
  // findings are taken in commit order: "the first commit that introduced it" stays the first.
  const pending: { commit: string; scan: Promise<Finding[][]> }[] = [];
  const settle = async () => {
    const { commit, scan } = pending.shift()!;
    for (const finding of (await scan).flat()) {
      const key = `${finding.path}\0${finding.fingerprint}`;
      if (reported.has(key)) continue;
      reported.add(key);
      findings.push({ ...finding, commit });
    }
    onProgress?.(++done, commits.length);
  };
  await repository.commitChanges(commits, async (change) => {
    for (const file of change.files) if (file.mode === MODE_GITLINK) gitlinks.push({ path: file.path, oid: file.oid });
    const targets: ScanTarget[] = change.files.map((file) => ({
      path: file.path,
      mode: file.mode,
      oid: file.oid,
      previousOids: leftIgnoredPath(file.sourcePath, file.path, ignores)
        ? []
        : file.parents.filter((parent) => isRegularFile(parent.mode)).map((parent) => parent.oid),
    }));
    const message = repository.readObject(change.commit).then(scanCommitObject);
    // The names of the files the commit changes: the first commit with a name is the one that added it.
    const names = scanPathNames(change.files.map((file) => file.path), ignores);
    const scan = Promise.all([...scannable(targets, cache.stats, ignores).map((target) => cache.findingsFor(target)), message, names]);
    scan.catch(() => {}); // awaited in settle(); until then a failure must not count as unhandled
    pending.push({ commit: change.commit, scan });
    while (pending.length >= window) await settle();
  });
  while (pending.length > 0) await settle();
  return { findings, stats: cache.stats, commits: commits.length, gitlinks };
}
