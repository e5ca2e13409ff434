import { scanCommits } from './commits.js';
import type { Repository } from '../git/types.js';
import type { Finding, ScanStats } from './types.js';
import { addStats, emptyStats } from './types.js';

/**
 * `git push --recurse-submodules=on-demand` (or push.recurseSubmodules) pushes, in each submodule,
 * the commits the pushed superproject commits point at and that no remote-tracking ref of the
 * submodule has yet. git (2.39, measured) runs the superproject's pre-push hook *before* it pushes
 * the submodules, and a submodule's own hooks are not husky's: so the superproject's hook checks
 * those submodule commits too, and stops the whole push when they hold a credential.
 *
 * The hook cannot tell whether the push recurses; the commits are checked whenever a pushed commit
 * points a submodule at a commit no remote of it has (a push without recursion would publish a
 * superproject that points at unpublished commits, which is worth a look anyway). A submodule
 * that is not checked out here cannot be pushed from here: it is skipped.
 */

/** A submodule commit that pushed superproject commits point at. */
export interface Gitlink {
  path: string;
  oid: string;
}

/** Opens the submodule checked out at `path` (repository-relative), or undefined when it is not here. */
export type OpenSubmodule = (path: string) => Promise<Repository | undefined>;

export async function scanSubmodulesToPush(
  gitlinks: Gitlink[],
  openSubmodule: OpenSubmodule,
  ignores: (path: string) => boolean,
): Promise<{ findings: Finding[]; stats: ScanStats }> {
  const findings: Finding[] = [];
  const stats = emptyStats();
  const byPath = new Map<string, Set<string>>();
  for (const { path, oid } of gitlinks) byPath.set(path, (byPath.get(path) ?? new Set()).add(oid));
  for (const [path, oids] of byPath) {
    const submodule = await openSubmodule(path);
    if (submodule === undefined) continue;
    try {
      const present = await submodule.objectTypes([...oids]);
      const tips = [...oids].filter((_oid, i) => present[i] === 'commit');
      if (tips.length === 0) continue;
      // What on-demand pushes: commits no remote-tracking ref of the submodule contains.
      const commits = await submodule.listCommits(['--not', '--remotes'], tips);
      if (commits.length === 0) continue;
      const result = await scanCommits(submodule, commits, (inner) => ignores(`${path}/${inner}`));
      addStats(stats, result.stats);
      for (const finding of result.findings) findings.push({ ...finding, path: `${path}/${finding.path}`, submodule: path });
    } finally {
      submodule.close();
    }
  }
  return { findings, stats };
}
