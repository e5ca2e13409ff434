import { basename } from 'node:path';
import type { Repository } from '../git/types.js';
import { NO_FILES, POLICY_FILE_NAMES, treeFiles, type PolicyFiles } from './files.js';

/** A blob's content as text. */
function readText(repository: Repository, oid: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    repository.readBlob(oid, { data: (chunk) => chunks.push(chunk), end: () => resolve(Buffer.concat(chunks).toString('utf8')) }).catch(reject);
  });
}

const TREE_HEADER = /^tree ([0-9a-f]+)$/m;

/**
 * The policy files of a commit's tree (configurations, package.json files, the baseline), read
 * from the object store: what the server's hook follows, since a bare repository has no working
 * tree. `revision` is usually HEAD, the default branch; none (an empty repository): no files.
 */
export async function policyFilesAt(repository: Repository, revision: string): Promise<PolicyFiles> {
  const [type] = await repository.objectTypes([revision]);
  if (type === undefined) return NO_FILES;
  let commit = revision;
  if (type === 'tag') commit = `${revision}^{commit}`;
  else if (type !== 'commit') return NO_FILES;
  const tree = TREE_HEADER.exec((await repository.readObject(commit)).toString('latin1'))?.[1];
  if (!tree) return NO_FILES;
  const wanted = (await repository.treeEntries(tree)).filter((entry) => POLICY_FILE_NAMES.has(basename(entry.path)) && /^100(644|755)$/.test(entry.mode));
  const contents = new Map(await Promise.all(wanted.map(async (entry) => [entry.path, await readText(repository, entry.oid)] as const)));
  return treeFiles(contents, revision === 'HEAD' ? 'the default branch' : revision);
}
