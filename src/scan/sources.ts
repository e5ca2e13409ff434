import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { toPosix } from '../posix-path.js';
import { RepositoryReadError } from '../git/errors.js';
import { isRegularFile, type Repository } from '../git/types.js';
import { applyPolicy, DEFAULT_POLICY, type Policy } from '../policy/policy.js';
import { BlobScanner } from './blob-scanner.js';
import { scanCommits } from './commits.js';
import { scanStoredMessage } from './message.js';
import { objectsToPush, TAG_PATH, type RefUpdate } from './push.js';
import { findingOf, leftIgnoredPath, scanBlobs, type ScanTarget } from './scan-blobs.js';
import { scanSubmodulesToPush, type OpenSubmodule } from './submodules.js';
import { addStats, emptyStats, type Finding, type ScanResult } from './types.js';

/** What the next commit adds: staged changes against HEAD, added lines only. */
export async function scanStaged(repository: Repository, policy: Policy = DEFAULT_POLICY): Promise<ScanResult> {
  const changes = await repository.stagedChanges();
  const targets: ScanTarget[] = changes.map((change) => {
    const target: ScanTarget = { path: change.path, mode: change.mode, oid: change.oid };
    if (change.status === 'U') target.unmerged = true;
    // Compare with HEAD's side only when it was a regular file: a symlink's or submodule's old
    // "content" is not text that was in the repository.
    if (change.before && isRegularFile(change.before.mode) && !leftIgnoredPath(change.before.path, change.path, policy.ignores)) {
      target.previousOids = [change.before.oid];
    }
    return target;
  });
  return applyPolicy(await scanBlobs(repository, targets, policy.ignores), policy);
}

/** Every tracked file as staged (whole files). */
export async function scanIndex(repository: Repository, policy: Policy = DEFAULT_POLICY): Promise<ScanResult> {
  const entries = await repository.indexEntries();
  return applyPolicy(await scanBlobs(repository, entries, policy.ignores), policy);
}

/**
 * Every commit reachable from HEAD, or those `range` selects (`origin/main..HEAD`): each blob once,
 * each credential reported with the commit that first added it.
 */
export async function scanHistory(
  repository: Repository,
  policy: Policy = DEFAULT_POLICY,
  range?: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ScanResult> {
  if (range?.startsWith('-')) throw new RepositoryReadError(`"${range}" is not a commit range.`, 'Give a range such as origin/main..HEAD.');
  let commits: string[];
  try {
    commits = await repository.listCommits([range ?? 'HEAD']);
  } catch (error) {
    // No commit yet: an empty history, not an error.
    if (range === undefined && error instanceof RepositoryReadError && /unknown revision|ambiguous argument 'HEAD'|bad revision/.test(error.message)) commits = [];
    else throw error;
  }
  const result = await scanCommits(repository, commits, policy.ignores, onProgress);
  return applyPolicy(result, policy);
}

/**
 * What a push sends (git's pre-push input): the new commits and their messages, annotated tags'
 * messages, and blobs or trees tagged directly. `remote` is the name and URL git gives the hook.
 */
export async function scanPush(
  repository: Repository,
  updates: RefUpdate[],
  remote: { name?: string; url?: string } = {},
  policy: Policy = DEFAULT_POLICY,
  openSubmodule?: OpenSubmodule,
): Promise<ScanResult> {
  const pushed = await objectsToPush(repository, updates, remote.name, remote.url);
  const commits = pushed.commits.length > 0 ? await scanCommits(repository, pushed.commits, policy.ignores) : { findings: [], stats: emptyStats(), gitlinks: [] };
  // A push that recurses into submodules sends their new commits too (see submodules.ts).
  const inSubmodules = openSubmodule && commits.gitlinks.length > 0 ? await scanSubmodulesToPush(commits.gitlinks, openSubmodule, policy.ignores) : undefined;
  // ignorePaths apply to the files of a tagged tree as to any other tree.
  const ignoresInTree = (path: string) => policy.ignores(TAG_PATH.exec(path)?.[3] ?? path);
  const files = pushed.files.length > 0 ? await scanBlobs(repository, pushed.files, ignoresInTree) : { findings: [], stats: emptyStats() };
  const stats = commits.stats;
  addStats(stats, files.stats);
  if (inSubmodules) addStats(stats, inSubmodules.stats);
  const findings: Finding[] = [
    ...commits.findings,
    ...(inSubmodules?.findings ?? []),
    ...pushed.tagMessages.flatMap(({ path, message }) => scanStoredMessage(message, path)),
    ...files.findings,
  ];
  return applyPolicy({ findings, stats }, policy);
}

function realpathOrSame(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

/** `path` relative to `root` in repository form (forward slashes), or undefined when outside it. */
function repositoryRelative(root: string, path: string): string | undefined {
  const rel = relative(realpathOrSame(root), realpathOrSame(path));
  if (rel === '') return '';
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return toPosix(rel);
}

/**
 * Named files (relative or absolute, as lint-staged passes them), whole: their staged version when
 * tracked, otherwise their content on disk. A folder stands for the tracked files below it.
 */
export async function scanFiles(repository: Repository | undefined, cwd: string, files: string[], policy: Policy = DEFAULT_POLICY): Promise<ScanResult> {
  const root = repository ? await repository.root() : undefined;
  const inRepository: { arg: string; rel: string }[] = [];
  const onDisk: string[] = [];
  for (const arg of files) {
    const absolute = resolve(cwd, arg);
    const rel = root !== undefined ? repositoryRelative(root, absolute) : undefined;
    if (rel !== undefined) inRepository.push({ arg, rel });
    else onDisk.push(absolute);
  }

  let result: ScanResult = { findings: [], stats: emptyStats() };
  if (repository && inRepository.length > 0) {
    const entries = await repository.indexEntries(inRepository.map((item) => item.rel));
    const tracked = new Set(entries.map((entry) => entry.path));
    const covered = (rel: string) => rel === '' || tracked.has(rel) || entries.some((entry) => entry.path.startsWith(`${rel}/`));
    for (const item of inRepository) {
      if (covered(item.rel)) continue;
      if (policy.ignores(item.rel)) result.stats.ignored++;
      else onDisk.push(resolve(cwd, item.arg));
    }
    const scanned = await scanBlobs(repository, entries, policy.ignores);
    addStats(scanned.stats, result.stats);
    result = { findings: scanned.findings, stats: scanned.stats };
  }
  for (const path of onDisk) {
    const scanned = scanDiskFile(path, root);
    result.findings.push(...scanned.findings);
    result.stats.fromDisk++;
    result.stats.files++;
    result.stats.bytes += scanned.bytes;
    if (scanned.binary) result.stats.binary++;
  }
  return applyPolicy(result, policy);
}

function scanDiskFile(path: string, root: string | undefined): { findings: Finding[]; bytes: number; binary: boolean } {
  if (!existsSync(path)) {
    throw new RepositoryReadError(`no such file: ${path}`, 'Check the path; keyguard check --files takes files that exist or are staged.');
  }
  if (statSync(path).isDirectory()) {
    throw new RepositoryReadError(`${path} is a folder with no tracked files.`, 'Name the files to scan, or stage them first.');
  }
  const scanner = new BlobScanner();
  const fd = openSync(path, 'r');
  try {
    // Streamed in 1 MB reads, so that a huge file is scanned piece by piece.
    for (;;) {
      const chunk = Buffer.allocUnsafe(1024 * 1024);
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      scanner.data(chunk.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  scanner.end();
  const shown = (root !== undefined && repositoryRelative(root, path)) || toPosix(path);
  const inMembers = scanner.containerDetections(shown); // first: it drops what its members hold from the outer list
  scanner.result.detections.push(...inMembers);
  const findings = scanner.result.detections.map((detection) => findingOf(detection, shown));
  return { findings, bytes: scanner.result.bytes, binary: scanner.result.encoding === 'binary' };
}
