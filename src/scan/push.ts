import { RepositoryReadError } from '../git/errors.js';
import { MODE_FILE, type ObjectType, type Repository } from '../git/types.js';
import { splitObject } from './message.js';

/** One line of what git gives the pre-push hook on stdin. */
export interface RefUpdate {
  localRef: string;
  localOid: string;
  remoteRef: string;
  remoteOid: string;
}

const ZERO = /^0+$/;

/** Parses `<local ref> <local oid> <remote ref> <remote oid>` lines; blank lines are ignored. */
export function parsePushLines(input: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const line of input.split('\n')) {
    if (line.trim() === '') continue;
    const [localRef, localOid, remoteRef, remoteOid] = line.trim().split(/\s+/);
    if (!localRef || !localOid || !remoteRef || !remoteOid || !/^[0-9a-f]+$/.test(localOid) || !/^[0-9a-f]+$/.test(remoteOid)) {
      throw new RepositoryReadError(`unexpected pre-push input: ${JSON.stringify(line.slice(0, 120))}`);
    }
    updates.push({ localRef, localOid, remoteRef, remoteOid });
  }
  return updates;
}

/** rev-list's glob for the tracking refs of a configured remote (wildcards in its name taken literally). */
function trackingRefsGlob(remote: string): string {
  return `--glob=refs/remotes/${remote.replace(/[*?[\\]/g, '\\$&')}/*`;
}

/**
 * Where findings in tags are reported: a tag's message, a blob tagged directly, the files of a
 * tagged tree (`(tree tagged refs/tags/x)/path`). Group 1: what; group 2: the ref; group 3: the path in a tree.
 */
export const TAG_PATH = /^\((message of tag|blob tagged|tree tagged) (.+?)\)(?:\/(.*))?$/;

/** What a push sends besides commits: annotated tags' messages, and blobs or trees tagged directly. */
export interface PushedObjects {
  /** Commits not on the remote yet, oldest first. */
  commits: string[];
  /** Messages of annotated tags, with the path they are reported under. */
  tagMessages: { path: string; message: string }[];
  /** Files to scan whole: a tagged blob, the files of a tagged tree. */
  files: { path: string; mode: string; oid: string }[];
}

/** The value of a header line (`object <oid>`) in a tag object's headers. */
function headerField(header: string, name: string): string | undefined {
  return new RegExp(`^${name} (.+)$`, 'm').exec(header)?.[1];
}

/**
 * Everything a push would send, per git's pre-push input: for a branch, its new commits; for an
 * annotated tag, its message and what it points at (a commit's history, or a blob or tree itself).
 * Deletions send nothing. An object keyguard cannot read stops the push (fail closed).
 *
 * What the remote already has: the tips it reported (when they are here) and, for a configured
 * remote, its own tracking refs; commits already on `origin` are still checked when they first go to
 * `backup`. A push to a URL no remote is configured with excludes only the reported tips: all
 * else is scanned, since a new host (a repository being moved) has none of it.
 */
export async function objectsToPush(repository: Repository, updates: RefUpdate[], remote?: string, url?: string): Promise<PushedObjects> {
  return objectsSent(repository, updates, async () => {
    const configured = remote === undefined ? undefined : await repository.configuredRemote(remote, url);
    return configured === undefined ? [] : ['--not', trackingRefsGlob(configured)];
  });
}

/**
 * What ref updates send: new commits, tag messages, tagged blobs and trees. Commits reachable from
 * an update's old value, or from what `alreadyThere` returns (rev-list arguments such as
 * `--not --all`), are not new.
 */
export async function objectsSent(repository: Repository, updates: RefUpdate[], alreadyThere: () => Promise<string[]>): Promise<PushedObjects> {
  const pushed: PushedObjects = { commits: [], tagMessages: [], files: [] };
  const sent = updates.filter((update) => !ZERO.test(update.localOid));
  if (sent.length === 0) return pushed;
  const remoteTips = [...new Set(sent.map((update) => update.remoteOid).filter((oid) => !ZERO.test(oid)))];
  const types = await repository.objectTypes([...sent.map((update) => update.localOid), ...remoteTips]);
  const tips: string[] = [];
  for (const [i, update] of sent.entries()) {
    let oid = update.localOid;
    let type = types[i];
    for (let depth = 0; type === 'tag'; depth++) {
      if (depth > 20) throw new RepositoryReadError(`the tag ${update.localRef} points at tags more than 20 deep.`);
      const { header, message } = splitObject(await repository.readObject(oid));
      const target = headerField(header, 'object');
      const targetType = headerField(header, 'type');
      if (!target || !targetType) throw new RepositoryReadError(`cannot read the tag object ${oid} (${update.localRef}).`, 'The repository may be corrupt; run `git fsck`.');
      // A tag of a tag has no ref of its own: it is named by its object id.
      pushed.tagMessages.push({ path: `(message of tag ${depth === 0 ? update.localRef : oid})`, message });
      oid = target;
      type = targetType as ObjectType;
    }
    const name = update.localRef;
    switch (type) {
      case 'commit':
        tips.push(oid);
        break;
      case 'blob':
        pushed.files.push({ path: `(blob tagged ${name})`, mode: MODE_FILE, oid });
        break;
      case 'tree':
        for (const entry of await repository.treeEntries(oid)) pushed.files.push({ ...entry, path: `(tree tagged ${name})/${entry.path}` });
        break;
      default:
        throw new RepositoryReadError(`git cannot find ${oid}, which ${name} points at.`, 'The repository may be corrupt or incomplete; run `git fsck`.');
    }
  }
  if (tips.length > 0) {
    // A remote tip that is not here (someone else pushed it) cannot be excluded; the tracking refs still are.
    const knownRemoteTips = remoteTips.filter((_oid, i) => types[sent.length + i] !== undefined);
    pushed.commits = await repository.listCommits(await alreadyThere(), [...tips, ...knownRemoteTips.map((oid) => `^${oid}`)]);
  }
  return pushed;
}
