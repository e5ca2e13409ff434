import { prepareCredentialDigests } from '../detect/identity.js';
import type { CredentialKind } from '../detect/types.js';
import { ExposureRecord } from '../exposure/record.js';
import { readRefs, remoteOf, type RepositoryRefs } from '../exposure/refs.js';
import type { TokenSet } from '../exposure/candidates.js';
import { listCommits, walkHistory } from '../exposure/walk.js';
import { discoverRepository } from './discover.js';
import type { BranchFacts, Exposure, ExposureAnswer, ExposureQuery, PushedTo } from './exposure-types.js';
import { runGit, type GitContext } from './run-git.js';

/** Git processes that only read refs and lists get at least this long, even when the walk has no time left. */
const BOOKKEEPING_MS = 3000;

/** What the history search covered. */
type Coverage =
  | { complete: true; total: number }
  | { complete: false; searched: number; total: number; unreadFiles: number; timedOut: boolean; reason?: string };

/**
 * Looks up every credential in one pass over the history: the exposure record is brought up to
 * date (new commits walked newest first, until `deadline`), then each value's keyed hash is looked
 * up in it. No value ever reaches a git process: git lists commits and streams objects, keyguard
 * compares. No git process keyguard runs can fetch (see run-git.ts): in a partial clone, files that
 * are not here are counted as not searched.
 */
export async function lookUpExposure(context: GitContext, queries: ExposureQuery[], deadline: number): Promise<ExposureAnswer> {
  const location = discoverRepository(context.cwd, context.env);
  const bookkeeping = () => Math.max(BOOKKEEPING_MS, deadline - Date.now());
  const refs = await readRefs(context, location, bookkeeping());
  const facts: BranchFacts = { upstream: refs.upstream, remoteBranch: defaultRemoteBranch(refs) };
  if (queries.length === 0) return { exposures: [], facts };
  if (refs.tips.length === 0 && queries.every((query) => query.commit === undefined)) {
    return { exposures: queries.map(() => ({ state: 'staged', searched: 0 })), facts }; // no commit at all yet
  }
  await prepareCredentialDigests(queries);
  const record = ExposureRecord.open(location.commonDir);
  const coverage = await bringUpToDate(context, record, refs, deadline, bookkeeping);

  const hits = queries.map((query) => {
    const commits = new Set(record.commitsAdding(record.hash(query.kind, query.value)));
    if (query.commit) commits.add(query.commit);
    return commits;
  });
  const found = [...new Set(hits.flatMap((commits) => [...commits]))];
  const [order, containing] = await Promise.all([oldestFirst(context, found, bookkeeping()), remoteRefsContaining(context, found, bookkeeping())]);
  const exposures = hits.map((commits): Exposure => {
    const sorted = order.filter((commit) => commits.has(commit));
    const pushed = sorted.filter((commit) => (containing.get(commit)?.length ?? 0) > 0);
    if (pushed.length > 0) {
      const remoteRefs = [...new Set(pushed.flatMap((commit) => containing.get(commit)!))];
      return { state: 'pushed', commits: pushed, remoteRefs, remotes: groupByRemote(remoteRefs, refs) };
    }
    if (!coverage.complete) {
      const { searched, total, unreadFiles, timedOut, reason } = coverage;
      return { state: 'partial', commits: sorted, searched, total, unreadFiles, timedOut, ...(reason ? { reason } : {}) };
    }
    return sorted.length > 0 ? { state: 'committed', commits: sorted } : { state: 'staged', searched: coverage.total };
  });
  return { exposures, facts };
}

/** Walks what the record has not seen yet, newest first, until the deadline; saves what was learnt. */
async function bringUpToDate(
  context: GitContext,
  record: ExposureRecord,
  refs: RepositoryRefs,
  deadline: number,
  bookkeeping: () => number,
): Promise<Coverage> {
  const { tips } = refs;
  if (tips.length === 0) return { complete: true, total: 0 };
  const revList = (lines: string[], args: string[] = []) =>
    runGit(context, ['rev-list', ...args, '--stdin'], lines.map((line) => `${line}\n`).join(''), bookkeeping()).then((out) =>
      out.toString('latin1').split('\n').filter(Boolean),
    );
  const complete = record.completeTips;
  const sameTips = complete.length === tips.length && tips.every((tip) => complete.includes(tip));
  if (sameTips && record.walked.size === 0) return { complete: true, total: record.completeCount ?? (await countCommits()) };

  // History rewritten or refs deleted (a recorded tip is no longer reachable, or gone): drop what is no longer reachable.
  if (complete.length > 0) {
    const stale = await revList([...complete, ...tips.map((tip) => `^${tip}`)], ['--max-count=1']).catch(() => ['gone']);
    if (stale.length > 0) record.keepOnly(new Set(await revList(tips)));
  }
  const covered = record.completeCount;
  const { commits: listed, messages } = await listCommits(context, [...tips, ...record.completeTips.map((tip) => `^${tip}`)], bookkeeping());
  const walkedBefore = record.walked;
  const toWalk = listed.filter((commit) => !walkedBefore.has(commit));
  const present = refs.partialClone ? await presentBlobs(context, bookkeeping()) : undefined;
  const result = await walkHistory(context, { commits: toWalk, deadline, present });

  // What each walked commit adds: its message's tokens, and its files'.
  const adds = new Map<string, TokenSet>();
  for (const commit of result.walked) {
    const tokens = new Set([...(messages.get(commit) ?? []), ...(result.added.get(commit) ?? [])]);
    if (tokens.size > 0) adds.set(commit, tokens);
  }
  await prepareCredentialDigests([...adds.values()].flatMap((set) => [...set].map(parseToken)));
  const added = new Map([...adds].map(([commit, set]) => [commit, [...set].map((token) => record.hash(...asPair(parseToken(token))))]));
  const done = result.stopped === undefined && result.incomplete.length === 0 && result.walked.length === toWalk.length;
  const total = record.completeTips.length === 0 ? listed.length : covered !== undefined ? covered + listed.length : await countCommits();
  record.addWalk(result.walked, added, done ? { tips, count: total } : undefined);
  record.save();
  if (done) return { complete: true, total };
  const notSearched = toWalk.length - result.walked.length;
  const reason = result.stopped !== undefined && result.stopped !== 'deadline' ? result.stopped : undefined;
  const timedOut = result.stopped === 'deadline';
  return { complete: false, searched: total - notSearched, total, unreadFiles: result.unreadFiles, timedOut, ...(reason ? { reason } : {}) };

  async function countCommits(): Promise<number> {
    return Number((await runGit(context, ['rev-list', '--count', '--stdin'], tips.map((tip) => `${tip}\n`).join(''), bookkeeping())).toString().trim());
  }
}

function parseToken(token: string): { kind: CredentialKind; value: string } {
  const nul = token.indexOf('\0');
  return { kind: token.slice(0, nul) as CredentialKind, value: token.slice(nul + 1) };
}

const asPair = ({ kind, value }: { kind: CredentialKind; value: string }): [CredentialKind, string] => [kind, value];

/** Blobs this partial clone has (listing what is here fetches nothing). */
async function presentBlobs(context: GitContext, timeoutMs: number): Promise<Set<string>> {
  const out = await runGit(context, ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectname)'], undefined, timeoutMs);
  const blobs = new Set<string>();
  for (const line of out.toString('latin1').split('\n')) if (line.startsWith('blob ')) blobs.add(line.slice(5));
  return blobs;
}

/** The commits, oldest first (by commit date). */
async function oldestFirst(context: GitContext, commits: string[], timeoutMs: number): Promise<string[]> {
  if (commits.length <= 1) return commits;
  const out = await runGit(context, ['rev-list', '--no-walk', '--stdin'], commits.map((commit) => `${commit}\n`).join(''), timeoutMs);
  return out.toString('latin1').split('\n').filter(Boolean).reverse();
}

/** For each commit, the remote-tracking refs that contain it (short names). */
async function remoteRefsContaining(context: GitContext, commits: string[], timeoutMs: number): Promise<Map<string, string[]>> {
  const containing = new Map<string, string[]>();
  let next = 0;
  const worker = async () => {
    while (next < commits.length) {
      const commit = commits[next++]!;
      const out = await runGit(context, ['for-each-ref', '--format=%(refname)', '--contains', commit, 'refs/remotes'], undefined, timeoutMs);
      const refs = out
        .toString('utf8')
        .split('\n')
        .filter((ref) => ref && !ref.endsWith('/HEAD'))
        .map((ref) => ref.slice('refs/remotes/'.length));
      containing.set(commit, refs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, commits.length) }, worker));
  return containing;
}

/** Remote-tracking refs grouped by remote, each remote's default branch first, then by name. */
function groupByRemote(remoteRefs: string[], refs: RepositoryRefs): PushedTo[] {
  const groups = new Map<string, string[]>();
  for (const ref of [...remoteRefs].sort()) {
    const remote = remoteOf(ref, refs.remotes);
    groups.set(remote, [...(groups.get(remote) ?? []), ref]);
  }
  return [...groups].map(([remote, list]) => {
    const primary = refs.remoteDefaults.get(remote) ?? list.find((ref) => /\/(main|master|trunk)$/.test(ref));
    return { remote, refs: primary && list.includes(primary) ? [primary, ...list.filter((ref) => ref !== primary)] : list };
  });
}

/**
 * A remote branch to compare local work with: the upstream; else origin's default branch (its HEAD),
 * the branch of the same name, main or master on a remote (origin first); else any remote branch.
 */
function defaultRemoteBranch(refs: RepositoryRefs): string | undefined {
  if (refs.upstream) return refs.upstream;
  const remotes = [...new Set(['origin', ...refs.remotes])];
  const candidates = remotes.flatMap((remote) => [
    refs.remoteDefaults.get(remote),
    ...[refs.branch, 'main', 'master'].filter(Boolean).map((name) => `${remote}/${name}`),
  ]);
  return candidates.find((ref) => ref !== undefined && refs.remoteBranches.includes(ref)) ?? refs.remoteBranches[0];
}
