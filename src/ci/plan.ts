import { readFileSync } from 'node:fs';
import { RepositoryReadError } from '../git/errors.js';
import type { Provenance } from '../report/sarif.js';

/**
 * What a CI job scans, worked out from the variables its CI sets: GitHub Actions (the event and
 * its payload file), GitLab CI (predefined variables), or any other CI through KEYGUARD_BASE and
 * KEYGUARD_HEAD. Pure: environment in, plan out; no git, no network.
 */
export interface ScanPlan {
  ci: 'github' | 'gitlab' | 'other';
  /** What is scanned, in words: "pull request #12 (main ← topic)". */
  description: string;
  /** rev-list arguments: `base..head`, `head --not refs/remotes/origin/main`, or `HEAD` (the whole history). */
  revisions: string[];
  /** What the clone must hold for those revisions: commits by id, and refs to fetch (`git fetch origin <remote>:<local>`). */
  needs: { commits: string[]; refs: { remote: string; local: string }[] };
  /** Where the scanned commits already are (a pull request's branch, the pushed ref): findings are public there. */
  where: string;
  /** Set when there is nothing to scan (a deleted branch), saying why. */
  nothing?: string;
  provenance?: Partial<Provenance>;
}

const ZERO = /^0+$/;
const isCommitId = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(value);
const short = (oid: string) => oid.slice(0, 12);

function commitId(value: unknown, what: string): string {
  if (!isCommitId(value)) throw new RepositoryReadError(`the CI did not give ${what} as a commit id (got ${JSON.stringify(value)?.slice(0, 80)}).`);
  return value;
}

/** A branch's commits not on the default branch: what a new branch or tag adds. */
function newBranch(head: string, defaultBranch: string | undefined, where: string, ref: string): Pick<ScanPlan, 'revisions' | 'needs' | 'description'> {
  if (!defaultBranch || ref === `refs/heads/${defaultBranch}`) {
    // The default branch itself is new (the repository's first push): all of it is new.
    return { revisions: [head], needs: { commits: [head], refs: [] }, description: `${where}: the whole history of ${short(head)}` };
  }
  const local = `refs/remotes/origin/${defaultBranch}`;
  return {
    revisions: [head, '--not', local],
    needs: { commits: [head], refs: [{ remote: `refs/heads/${defaultBranch}`, local }] },
    description: `${where}: the commits not on ${defaultBranch} (${short(head)} --not origin/${defaultBranch})`,
  };
}

function wholeHistory(head: string, why: string): Pick<ScanPlan, 'revisions' | 'needs' | 'description'> {
  return { revisions: [head], needs: { commits: isCommitId(head) ? [head] : [], refs: [] }, description: `the whole history of ${isCommitId(head) ? short(head) : head} (${why})` };
}

interface GitHubPayload {
  pull_request?: { number?: number; base?: { sha?: string; ref?: string }; head?: { sha?: string; ref?: string; label?: string } };
  merge_group?: { base_sha?: string; head_sha?: string; head_ref?: string };
  before?: string;
  after?: string;
  ref?: string;
  deleted?: boolean;
  repository?: { default_branch?: string };
}

function githubPlan(env: NodeJS.ProcessEnv): ScanPlan {
  const event = env.GITHUB_EVENT_NAME ?? '';
  let payload: GitHubPayload = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as GitHubPayload;
    } catch (error) {
      throw new RepositoryReadError(`cannot read the event payload ${env.GITHUB_EVENT_PATH}: ${(error as Error).message}`, 'keyguard ci reads the file GitHub names in GITHUB_EVENT_PATH.');
    }
  }
  const provenance: Partial<Provenance> = {
    ...(env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? { repositoryUri: `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` } : {}),
    ...(isCommitId(env.GITHUB_SHA) ? { revisionId: env.GITHUB_SHA } : {}),
    ...(env.GITHUB_REF ? { branch: env.GITHUB_REF } : {}),
  };
  const base = { ci: 'github' as const, provenance };
  if ((event === 'pull_request' || event === 'pull_request_target') && payload.pull_request) {
    const pr = payload.pull_request;
    const from = commitId(pr.base?.sha, 'the pull request\'s base');
    const to = commitId(pr.head?.sha, 'the pull request\'s head');
    const where = `pull request #${pr.number ?? '?'}`;
    return {
      ...base,
      description: `${where} (${pr.base?.ref ?? 'base'} ← ${pr.head?.label ?? pr.head?.ref ?? 'head'}): ${short(from)}..${short(to)}`,
      revisions: [`${from}..${to}`],
      needs: { commits: [from, to], refs: [] },
      where,
      provenance: { ...provenance, revisionId: to },
    };
  }
  if (event === 'merge_group' && payload.merge_group) {
    const from = commitId(payload.merge_group.base_sha, 'the merge group\'s base');
    const to = commitId(payload.merge_group.head_sha, 'the merge group\'s head');
    return { ...base, description: `merge queue: ${short(from)}..${short(to)}`, revisions: [`${from}..${to}`], needs: { commits: [from, to], refs: [] }, where: 'the merge queue' };
  }
  if (event === 'push') {
    const ref = payload.ref ?? env.GITHUB_REF ?? '';
    const where = ref.replace(/^refs\/(heads|tags)\//, '') || 'the pushed ref';
    if (payload.deleted || (payload.after !== undefined && ZERO.test(payload.after))) {
      return { ...base, description: `push deleting ${where}`, revisions: [], needs: { commits: [], refs: [] }, where, nothing: `the push deleted ${where}: it adds nothing` };
    }
    const after = commitId(payload.after ?? env.GITHUB_SHA, 'the pushed commit');
    if (payload.before === undefined || ZERO.test(payload.before)) {
      return { ...base, ...newBranch(after, payload.repository?.default_branch, `push of the new ${where}`, ref), where };
    }
    const before = commitId(payload.before, 'the commit before the push');
    return { ...base, description: `push to ${where}: ${short(before)}..${short(after)}`, revisions: [`${before}..${after}`], needs: { commits: [before, after], refs: [] }, where };
  }
  return { ...base, ...wholeHistory(env.GITHUB_SHA ?? 'HEAD', event || 'run by hand'), where: env.GITHUB_REF?.replace(/^refs\/(heads|tags)\//, '') || 'the repository' };
}

function gitlabPlan(env: NodeJS.ProcessEnv): ScanPlan {
  const provenance: Partial<Provenance> = {
    ...(env.CI_PROJECT_URL ? { repositoryUri: env.CI_PROJECT_URL } : {}),
    ...(isCommitId(env.CI_COMMIT_SHA) ? { revisionId: env.CI_COMMIT_SHA } : {}),
    ...(env.CI_COMMIT_REF_NAME ? { branch: env.CI_COMMIT_REF_NAME } : {}),
  };
  const base = { ci: 'gitlab' as const, provenance };
  const source = env.CI_PIPELINE_SOURCE ?? '';
  const head = env.CI_COMMIT_SHA ?? 'HEAD';
  if (source === 'merge_request_event') {
    const to = commitId(head, 'CI_COMMIT_SHA');
    const target = env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME;
    const where = `merge request !${env.CI_MERGE_REQUEST_IID ?? '?'}`;
    const local = target ? `refs/remotes/origin/${target}` : undefined;
    const refs = target && local ? [{ remote: `refs/heads/${target}`, local }] : [];
    // The merge base GitLab computed, else the target branch's tip.
    const from = isCommitId(env.CI_MERGE_REQUEST_DIFF_BASE_SHA) ? env.CI_MERGE_REQUEST_DIFF_BASE_SHA : undefined;
    if (!from && !local) throw new RepositoryReadError('a merge request pipeline without CI_MERGE_REQUEST_DIFF_BASE_SHA or CI_MERGE_REQUEST_TARGET_BRANCH_NAME.');
    return {
      ...base,
      description: `${where} (${target ?? 'target'} ← ${env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME ?? 'source'}): ${from ? short(from) : `origin/${target}`}..${short(to)}`,
      revisions: from ? [`${from}..${to}`] : [to, '--not', local!],
      needs: { commits: from ? [from, to] : [to], refs },
      where,
    };
  }
  const ref = env.CI_COMMIT_TAG ? `refs/tags/${env.CI_COMMIT_TAG}` : env.CI_COMMIT_BRANCH ? `refs/heads/${env.CI_COMMIT_BRANCH}` : '';
  const where = env.CI_COMMIT_TAG ?? env.CI_COMMIT_BRANCH ?? env.CI_COMMIT_REF_NAME ?? 'the pushed ref';
  if (source === 'push') {
    const after = commitId(head, 'CI_COMMIT_SHA');
    const before = env.CI_COMMIT_BEFORE_SHA;
    if (!isCommitId(before) || ZERO.test(before)) return { ...base, ...newBranch(after, env.CI_DEFAULT_BRANCH, `push of the new ${where}`, ref), where };
    return { ...base, description: `push to ${where}: ${short(before)}..${short(after)}`, revisions: [`${before}..${after}`], needs: { commits: [before, after], refs: [] }, where };
  }
  return { ...base, ...wholeHistory(head, source || 'run by hand'), where };
}

/** Any other CI: KEYGUARD_BASE (empty or zeros: a new branch) and KEYGUARD_HEAD (default HEAD), KEYGUARD_DEFAULT_BRANCH. */
function otherPlan(env: NodeJS.ProcessEnv): ScanPlan {
  const head = env.KEYGUARD_HEAD || 'HEAD';
  const base = env.KEYGUARD_BASE;
  const where = env.KEYGUARD_WHERE || 'the branch being built';
  const ci = 'other' as const;
  if (base && !ZERO.test(base)) {
    return { ci, description: `${base}..${head}`, revisions: [`${base}..${head}`], needs: { commits: [base, head].filter(isCommitId), refs: [] }, where };
  }
  if (env.KEYGUARD_DEFAULT_BRANCH) return { ci, ...newBranch(head, env.KEYGUARD_DEFAULT_BRANCH, 'a new branch', ''), where };
  return { ci, ...wholeHistory(head, 'no KEYGUARD_BASE given'), where };
}

/** The plan for this CI job; `range` (from the command line) replaces what the event gives. */
export function planScan(env: NodeJS.ProcessEnv, range?: string): ScanPlan {
  const plan = env.GITHUB_ACTIONS === 'true' ? githubPlan(env) : env.GITLAB_CI === 'true' ? gitlabPlan(env) : otherPlan(env);
  if (range === undefined || range === '') return plan;
  return { ...plan, description: range === 'HEAD' ? 'the whole history (HEAD)' : range, revisions: [range], needs: { commits: [], refs: [] }, nothing: undefined };
}
