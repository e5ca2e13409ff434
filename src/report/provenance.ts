import { pathToFileURL } from 'node:url';
import { runGit, type GitContext } from '../git/run-git.js';
import type { Provenance } from './sarif.js';

/**
 * A remote's URL as an absolute URI without credentials: `https://user:token@host/x` loses its user
 * and token (a report is uploaded and shared), `git@host:org/x.git` becomes `ssh://host/org/x.git`.
 * Undefined when it is neither (a local path: the caller names the folder instead).
 */
export function publicRepositoryUri(url: string): string | undefined {
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return `ssh://${scp[1]}/${scp[2]}`;
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'file:') return undefined;
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return undefined;
  }
}

const quiet = (context: GitContext, args: string[]) =>
  runGit(context, args).then(
    (out) => out.toString('utf8').trim() || undefined,
    () => undefined,
  );

/**
 * Which repository and commit a report is about, for SARIF's versionControlProvenance: the origin
 * remote (else the first remote, else the folder itself as a file: URI), HEAD and its branch.
 * Undefined when git cannot say (then the report simply has no provenance).
 */
export async function provenanceOf(context: GitContext, override?: Partial<Provenance>): Promise<Provenance | undefined> {
  const [top, head, branch, remotes] = await Promise.all([
    quiet(context, ['rev-parse', '--show-toplevel']),
    quiet(context, ['rev-parse', '--verify', '--quiet', 'HEAD']),
    quiet(context, ['symbolic-ref', '--quiet', 'HEAD']),
    quiet(context, ['config', '--get-regexp', '^remote\\..*\\.url$']),
  ]);
  const urls = (remotes ?? '').split('\n').map((line) => /^remote\.(.+)\.url (.*)$/.exec(line)).filter((m): m is RegExpExecArray => m !== null);
  const remote = urls.find((m) => m[1] === 'origin') ?? urls[0];
  const repositoryUri = override?.repositoryUri ?? (remote && publicRepositoryUri(remote[2]!)) ?? (top ? pathToFileURL(`${top}/`).href : undefined);
  if (!repositoryUri) return undefined;
  const revisionId = override?.revisionId ?? head;
  const branchName = override?.branch ?? branch;
  return { repositoryUri, ...(revisionId ? { revisionId } : {}), ...(branchName ? { branch: branchName } : {}) };
}
