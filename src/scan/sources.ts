import { closeSync, existsSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { toPosix } from '../posix-path.js';
import { RepositoryReadError } from '../git/errors.js';
import { isRegularFile, type Repository } from '../git/types.js';
import { applyPolicy, DEFAULT_POLICY, type Policy } from '../policy/policy.js';
import { BlobScanner } from './blob-scanner.js';
import { scanCommits } from './commits.js';
import { scanStoredMessage } from './message.js';
import { scanPathNames } from './path-names.js';
import { objectsSent, objectsToPush, TAG_PATH, type PushedObjects, type RefUpdate } from './push.js';
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
  const scanned = await scanBlobs(repository, targets, policy.ignores);
  // A name the commit adds (a new file, or a rename) is committed too.
  const newNames = changes.filter((change) => change.before === undefined || change.before.path !== change.path).map((change) => change.path);
  scanned.findings.push(...scanPathNames(newNames, policy.ignores));
  return applyPolicy(scanned, policy);
}

/** Every tracked file as staged (whole files), and its name. */
export async function scanIndex(repository: Repository, policy: Policy = DEFAULT_POLICY): Promise<ScanResult> {
  const entries = await repository.indexEntries();
  const scanned = await scanBlobs(repository, entries, policy.ignores, { workers: true });
  scanned.findings.push(...scanPathNames(entries.map((entry) => entry.path), policy.ignores));
  return applyPolicy(scanned, policy);
}

/** A history scan reached the boundary of a shallow clone: what lies beyond it was never fetched. */
export class ShallowHistoryError extends RepositoryReadError {
  static override readonly brand: string = 'keyguard:ShallowHistoryError';
  override readonly name: string = 'ShallowHistoryError';
}

export interface HistoryOptions {
  /** In a shallow clone, scan the commits that are there (with a warning) instead of stopping. */
  allowShallow?: boolean;
  /** Where a warning goes (stderr). */
  warn?: (text: string) => void;
}

/**
 * Every commit reachable from HEAD, or those `range` selects (`origin/main..HEAD`, or rev-list
 * arguments): each blob once, each credential reported with the commit that first added it.
 *
 * In a shallow clone, a range that reaches the boundary (a commit whose parents were not fetched)
 * would leave the history beyond it unscanned while looking complete: it is an error, unless
 * `allowShallow` asks for what is there.
 */
export async function scanHistory(
  repository: Repository,
  policy: Policy = DEFAULT_POLICY,
  range?: string | string[],
  onProgress?: (done: number, total: number) => void,
  options: HistoryOptions = {},
): Promise<ScanResult> {
  const revisions = range === undefined ? ['HEAD'] : typeof range === 'string' ? [range] : range;
  const bad = revisions.find((revision) => revision.startsWith('-') && revision !== '--not');
  if (bad !== undefined) throw new RepositoryReadError(`"${bad}" is not a commit range.`, 'Give a range such as origin/main..HEAD.');
  let commits: string[];
  try {
    commits = await repository.listCommits(revisions);
  } catch (error) {
    // No commit yet: an empty history, not an error.
    if (range === undefined && error instanceof RepositoryReadError && /unknown revision|ambiguous argument 'HEAD'|bad revision/.test(error.message)) commits = [];
    else throw error;
  }
  if (commits.length > 0) {
    const shallow = await repository.shallowCommits();
    const boundary = commits.filter((commit) => shallow.has(commit));
    if (boundary.length > 0 && !options.allowShallow) {
      throw new ShallowHistoryError(
        `this is a shallow clone, and the history to scan (${revisions.join(' ')}) goes back past what was fetched (commit ${boundary[0]!.slice(0, 12)} has no parents here).`,
        'Fetch the whole history first: `git fetch --unshallow` (in GitHub Actions: fetch-depth: 0; in GitLab CI: GIT_DEPTH: "0"), or `git fetch --deepen=<commits>`. ' +
          'To scan only what this clone has, add --allow-shallow.',
      );
    }
    if (boundary.length > 0) {
      options.warn?.(`keyguard: shallow clone: scanned the ${commits.length} commits that are here; older history was not fetched and not checked.\n`);
    }
  }
  const result = await scanCommits(repository, commits, policy.ignores, onProgress, { workers: true });
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
  return scanSent(repository, await objectsToPush(repository, updates, remote.name, remote.url), policy, openSubmodule);
}

/**
 * What a push to this repository adds (the server's pre-receive input): the commits no ref has
 * yet, their messages, annotated tags' messages, tagged blobs and trees. The policy is loaded
 * while git lists the commits.
 */
export async function scanReceive(repository: Repository, updates: RefUpdate[], policy: () => Promise<Policy> = async () => DEFAULT_POLICY): Promise<ScanResult> {
  const [sent, loaded] = await Promise.all([objectsSent(repository, updates, async () => ['--not', '--all']), policy()]);
  return scanSent(repository, sent, loaded);
}

async function scanSent(repository: Repository, pushed: PushedObjects, policy: Policy, openSubmodule?: OpenSubmodule): Promise<ScanResult> {
  const commits = pushed.commits.length > 0 ? await scanCommits(repository, pushed.commits, policy.ignores) : { findings: [], stats: emptyStats(), gitlinks: [] };
  // A push that recurses into submodules sends their new commits too (see submodules.ts). A server
  // receives a submodule's commits in a push to that submodule's own repository, and checks them there.
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

/** Whether `path` is a folder on disk (not a symlink to one). */
function isFolder(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Every regular file below a folder outside any repository (symlinks and .git folders are not followed). */
function filesBelow(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && entry.name !== '.git') found.push(...filesBelow(path));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

/**
 * Named files (relative or absolute, as lint-staged passes them), whole: their staged version when
 * tracked, otherwise their content on disk. A folder stands for the files below it: tracked ones
 * (staged version) and untracked ones git does not ignore (from disk); outside a repository, every
 * file below it.
 */
export async function scanFiles(repository: Repository | undefined, cwd: string, files: string[], policy: Policy = DEFAULT_POLICY): Promise<ScanResult> {
  const root = repository ? await repository.root() : undefined;
  const inRepository: { arg: string; rel: string }[] = [];
  const onDisk: string[] = [];
  for (const arg of files) {
    const absolute = resolve(cwd, arg);
    const rel = root !== undefined ? repositoryRelative(root, absolute) : undefined;
    if (rel !== undefined) inRepository.push({ arg, rel });
    else if (isFolder(absolute)) onDisk.push(...filesBelow(absolute));
    else onDisk.push(absolute);
  }

  let result: ScanResult = { findings: [], stats: emptyStats() };
  if (repository && inRepository.length > 0) {
    const entries = await repository.indexEntries(inRepository.map((item) => item.rel));
    const tracked = new Set(entries.map((entry) => entry.path));
    const folders = inRepository.filter((item) => item.rel === '' || isFolder(resolve(cwd, item.arg)));
    const untracked = new Set(await repository.untrackedFiles(folders.map((item) => item.rel)));
    for (const item of inRepository) {
      if (tracked.has(item.rel) || folders.includes(item)) continue;
      untracked.add(item.rel);
    }
    for (const rel of untracked) {
      if (policy.ignores(rel)) result.stats.ignored++;
      else onDisk.push(join(root!, rel));
    }
    const scanned = await scanBlobs(repository, entries, policy.ignores);
    addStats(scanned.stats, result.stats);
    result = { findings: scanned.findings, stats: scanned.stats };
  }
  for (const path of new Set(onDisk)) {
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
  if (!statSync(path).isFile()) {
    throw new RepositoryReadError(`${path} is not a regular file.`, 'Name files or folders to scan.');
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
