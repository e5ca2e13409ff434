import { GitTimeoutError, runGit, type GitContext } from './run-git.js';

/**
 * How far a credential has travelled, looked up offline in the repository:
 * - staged: in no commit (only in the index or the working tree): still private;
 * - committed: in local commits that no remote-tracking ref contains: not pushed yet;
 * - pushed: in a commit a remote-tracking ref contains: public as far as keyguard can tell;
 * - unknown: the lookup did not finish in time, or could not run.
 */
export type Exposure =
  | { state: 'staged' }
  | { state: 'committed'; commits: string[] }
  | { state: 'pushed'; commits: string[]; remoteRefs: string[] }
  | { state: 'unknown'; reason: string };

export interface ExposureQuery {
  /** The credential as written in the file (escapes, encodings included): what git's pickaxe finds. */
  written: string;
  /**
   * The credential itself. When it was found encoded (`%2F`, `\u002F`, base64), the same key may
   * have been pushed earlier in plain form: both are looked up, and the worst answer counts.
   */
  value?: string;
  /** The commit it was found in, when the scan was of commits. */
  commit?: string;
}

/** Which answer is worse, when one credential is looked up in several forms. */
export const SEVERITY: Record<Exposure['state'], number> = { staged: 0, committed: 1, unknown: 2, pushed: 3 };

/** The value git's pickaxe looks for: at most this long (a substring of a long encoded value still finds it). */
const PICKAXE_MAX = 2000;

/** Looks up each query with git; stops at `deadline` (a Date.now() value), answering unknown for the rest. */
export async function lookUpExposure(context: GitContext, queries: ExposureQuery[], deadline: number): Promise<Exposure[]> {
  const git = async (args: string[]) => {
    const left = deadline - Date.now();
    if (left <= 0) throw new GitTimeoutError('no time left');
    const out = await runGit(context, args, undefined, left);
    return out.toString('utf8').split('\n').filter(Boolean);
  };
  const hasRemotes = (await git(['for-each-ref', '--count=1', '--format=%(refname)', 'refs/remotes']).catch(() => [])).length > 0;
  const remoteRefsContaining = (commit: string) => git(['for-each-ref', '--format=%(refname:short)', '--contains', commit, 'refs/remotes']);
  const answers = new Map<string, Exposure>();
  const results: Exposure[] = [];
  for (const query of queries) {
    const forms = query.value !== undefined && query.value !== query.written ? [query.written, query.value] : [query.written];
    let worst: Exposure | undefined;
    for (const written of forms) {
      const key = `${query.commit ?? ''}\0${written}`;
      let answer = answers.get(key);
      if (answer === undefined) {
        answer = await lookUpOne(written, query.commit).catch((error: Error): Exposure => ({
          state: 'unknown',
          reason: error instanceof GitTimeoutError ? 'the history is too long to search in time' : error.message,
        }));
        answers.set(key, answer);
      }
      if (worst === undefined || SEVERITY[answer.state] > SEVERITY[worst.state]) worst = answer;
    }
    results.push(worst!);
  }
  return results;

  async function lookUpOne(written: string, commit: string | undefined): Promise<Exposure> {
    const needle = written.slice(0, PICKAXE_MAX);
    const pickaxe = `-S${needle}`;
    if (hasRemotes) {
      if (commit) {
        const refs = await remoteRefsContaining(commit);
        if (refs.length > 0) return { state: 'pushed', commits: [commit], remoteRefs: refs };
      }
      let pushedCommits = await git(['log', '--format=%H', pickaxe, '--remotes', '--']);
      // Not in any pushed diff: maybe in a pushed commit message (or a merged tag's, in a header).
      if (pushedCommits.length === 0) pushedCommits = await git(['log', '--format=%H', '-F', `--grep=${needle}`, '--remotes', '--']);
      if (pushedCommits.length > 0) {
        const introduced = pushedCommits[pushedCommits.length - 1]!; // oldest
        return { state: 'pushed', commits: pushedCommits.reverse(), remoteRefs: await remoteRefsContaining(introduced) };
      }
    }
    if (commit) return { state: 'committed', commits: [commit] };
    const localCommits = await git(['log', '--format=%H', pickaxe, 'HEAD', '--branches', '--tags', '--not', '--remotes', '--']).catch(
      (error: Error) => {
        if (/bad revision 'HEAD'|unknown revision|ambiguous argument 'HEAD'/.test(error.message)) return []; // no commit yet
        throw error;
      },
    );
    return localCommits.length > 0 ? { state: 'committed', commits: localCommits.reverse() } : { state: 'staged' };
  }
}
