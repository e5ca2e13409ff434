import { RepositoryReadError } from '../git/errors.js';
import { openRepository } from '../git/open.js';
import type { Repository } from '../git/types.js';
import { loadPolicy } from '../policy/policy.js';
import { policyFilesAt } from '../policy/tree.js';
import { wrap } from '../report/labels.js';
import type { RefUpdate } from '../scan/push.js';
import { scanReceive } from '../scan/sources.js';
import { renderResult } from './check.js';
import { reportError } from './errors.js';
import { EXIT_CLEAN, EXIT_FOUND, type ExitCode, type Io } from './io.js';

/** An object id as git writes it: SHA-1 (40 hex digits) or SHA-256 (64). */
const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * git's pre-receive input, `<old oid> <new oid> <ref>` per line, as the updates a push makes (in
 * the shape pre-push uses: the ref's new value is what is sent, its old value what is there).
 */
export function parseReceiveLines(input: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const line of input.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^(\S+) (\S+) (.+)$/.exec(line.replace(/\r$/, ''));
    if (!match || !OID.test(match[1]!) || !OID.test(match[2]!)) {
      throw new RepositoryReadError(`unexpected pre-receive input: ${JSON.stringify(line.slice(0, 120))}`, 'keyguard pre-receive is meant to be run by git as the pre-receive hook.');
    }
    const [, oldOid, newOid, ref] = match as unknown as [string, string, string, string];
    updates.push({ localRef: ref, localOid: newOid, remoteRef: ref, remoteOid: oldOid });
  }
  return updates;
}

const SERVER_NOTE =
  'The server rejected the push and kept nothing of it. Rewrite the commits as above and push again; if the key was pushed anywhere else, treat it as compromised (keyguard incident <key ID>).';

/**
 * `keyguard pre-receive`: the hook of a server's bare repository. Scans what a push adds (the
 * commits no ref has yet, their messages, annotated tags, tagged blobs and trees), read through the
 * quarantine git sets up for the hook, and rejects the push (exit 1) with a redacted report for the
 * pusher. The configuration and baseline are the default branch's (HEAD's tree): a push cannot
 * allow its own keys. Anything keyguard cannot read rejects the push too (exit 2).
 */
export async function preReceiveCommand(io: Io & { readStdin(): Promise<string> }): Promise<ExitCode> {
  let repository: Repository | undefined;
  try {
    const updates = parseReceiveLines(await io.readStdin());
    repository = await openRepository('git', io.cwd, io.env);
    // The default branch's policy files are read while git lists the new commits.
    const policy = policyFilesAt(repository, 'HEAD').then((files) => loadPolicy(files));
    policy.catch(() => {});
    const result = await scanReceive(repository, updates, () => policy);
    if (result.findings.length === 0) return EXIT_CLEAN;
    // No lookup of how far the key travelled: this server is where it was going, and it keeps nothing.
    // git shows the pusher each line after "remote: ": 72 columns keep them within 80.
    const narrow = { ...io, env: { ...io.env, COLUMNS: io.env.COLUMNS ?? '72' } };
    await renderResult(result, { scope: 'push', format: 'text', verbose: false, color: false, fromHook: true }, narrow);
    io.stderr.write(`${wrap(SERVER_NOTE, 72)}\n`);
    return EXIT_FOUND;
  } catch (error) {
    return reportError(io, error, { consequence: 'The push is rejected until keyguard can read what it adds (exit code 2).' });
  } finally {
    repository?.close();
  }
}
