import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigFile } from '../git/config-file.js';
import { runGit, type GitContext } from '../git/run-git.js';

/** What the exposure lookup needs to know about a repository's refs and remotes, read with two git processes. */
export interface RepositoryRefs {
  /** Commits the history is walked from: HEAD, branches, tags (peeled), remote-tracking branches. */
  tips: string[];
  /** Where each remote's HEAD points, as short names (`origin` → `origin/main`). */
  remoteDefaults: Map<string, string>;
  /** Configured remotes, longest name first (names may contain `/`). */
  remotes: string[];
  /** Remote-tracking branches, short names (`origin/main`), without the remotes' HEAD. */
  remoteBranches: string[];
  /** The current branch (`main`), unless HEAD is detached. */
  branch?: string;
  /** The current branch's upstream as a short name (`origin/main`), when it has one that exists here. */
  upstream?: string;
  /** Whether this is a partial clone (some objects live only on a promisor remote). */
  partialClone: boolean;
}

const FIELDS = ['objectname', 'objecttype', '*objectname', '*objecttype', 'refname', 'HEAD', 'upstream:short', 'symref'];
const REF_FORMAT = FIELDS.map((field) => `%(${field})`).join('%00');

/**
 * Reads refs with one git process (`timeoutMs` bounds it); remotes and the partial-clone setting come
 * from the repository's config file, read in-process.
 */
export async function readRefs(context: GitContext, location: { gitDir: string; commonDir: string }, timeoutMs: number): Promise<RepositoryRefs> {
  const refsOut = await runGit(context, ['for-each-ref', `--format=${REF_FORMAT}`, 'refs/heads', 'refs/tags', 'refs/remotes'], undefined, timeoutMs);
  const config = readConfigFile(location.commonDir);
  const remotes = [...new Set([...config.keys()].filter((key) => /^remote\..+\.url$/.test(key)).map((key) => key.slice('remote.'.length, -'.url'.length)))].sort(
    (a, b) => b.length - a.length,
  );

  const tips = new Set<string>();
  const remoteDefaults = new Map<string, string>();
  const remoteBranches: string[] = [];
  let branch: string | undefined;
  let upstream: string | undefined;
  for (const line of refsOut.toString('utf8').split('\n')) {
    const [oid, type, peeled, peeledType, refname, head, upstreamName, symref] = line.split('\0');
    if (!oid || !refname) continue;
    if (type === 'commit') tips.add(oid);
    else if (peeledType === 'commit' && peeled) tips.add(peeled);
    if (head === '*' && refname.startsWith('refs/heads/')) {
      branch = refname.slice('refs/heads/'.length);
      upstream = upstreamName || undefined;
    }
    if (!refname.startsWith('refs/remotes/')) continue;
    if (refname.endsWith('/HEAD')) {
      if (symref) remoteDefaults.set(refname.slice('refs/remotes/'.length, -'/HEAD'.length), symref.slice('refs/remotes/'.length));
    } else {
      remoteBranches.push(refname.slice('refs/remotes/'.length));
    }
  }
  const head = readHead(location.gitDir);
  if (head.oid) tips.add(head.oid);
  if (upstream && !remoteBranches.includes(upstream)) upstream = undefined;
  // git reads extensions from this file only; remotes that are promisors say so here too.
  const partialClone = config.has('extensions.partialclone') || [...config].some(([key, values]) => /^remote\..+\.promisor$/.test(key) && values.includes('true'));
  return { tips: [...tips], remoteDefaults, remoteBranches, remotes, ...(branch ? { branch } : {}), ...(upstream ? { upstream } : {}), partialClone };
}

/** HEAD, read from the file: its branch, or the commit it holds when detached. */
function readHead(gitDir: string): { branch?: string; oid?: string } {
  try {
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (head.startsWith('ref: ')) return { branch: head.slice(5) };
    if (/^[0-9a-f]{40,64}$/.test(head)) return { oid: head };
  } catch {
    // no HEAD file: nothing to add
  }
  return {};
}

/** The remote a remote-tracking ref belongs to (`team/backup/main` → `team/backup`). */
export function remoteOf(shortRef: string, remotes: string[]): string {
  const slash = shortRef.indexOf('/');
  return remotes.find((remote) => shortRef.startsWith(`${remote}/`)) ?? (slash > 0 ? shortRef.slice(0, slash) : shortRef);
}
