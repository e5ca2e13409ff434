import { CatFileBatch } from '../git/cat-file.js';
import { DiffTreeParser } from '../git/parse.js';
import { describeSpawnError, gitFailure, runGit, spawnGit, type GitContext } from '../git/run-git.js';
import { isRegularFile, type CommitChange } from '../git/types.js';
import { blobTokens, TokenSink, type TokenSet } from './candidates.js';

/**
 * The history walk behind the exposure record: for each commit, the tokens (candidate credential
 * values, see candidates.ts) it adds: in its message and headers, and in the files it adds or
 * changes, less what those files held before and what the commit deleted elsewhere (a value moved
 * from one file to another is not new). Three processes serve the whole walk: `git rev-list
 * --header` lists the commits with their messages, `git diff-tree --stdin` what each one changes,
 * one `git cat-file --batch` streams the blobs, and keyguard reads each blob once, however many
 * commits share it. Nothing is fetched: in a partial clone, blobs that are not here are counted,
 * never asked for.
 */

export interface CommitList {
  /** Newest first. */
  commits: string[];
  /** The tokens in each commit's message and headers (a merged tag's `mergetag`), for commits that have some. */
  messages: Map<string, TokenSet>;
}

/**
 * The commits `revisions` select (given on stdin: `<tip>` and `^<tip>` lines), newest first, with
 * the tokens of their messages: one `git rev-list --header` reads both.
 */
export async function listCommits(context: GitContext, revisions: string[], timeoutMs: number): Promise<CommitList> {
  const out = await runGit(context, ['rev-list', '--header', '--stdin'], revisions.map((revision) => `${revision}\n`).join(''), timeoutMs);
  const list: CommitList = { commits: [], messages: new Map() };
  let start = 0;
  while (start < out.length) {
    let end = out.indexOf(0, start);
    if (end < 0) end = out.length;
    const newline = out.indexOf(10, start);
    if (newline > start && newline < end) {
      const commit = out.toString('latin1', start, newline);
      list.commits.push(commit);
      const tokens = blobTokens(out.subarray(newline + 1, end));
      if (tokens.size > 0) list.messages.set(commit, tokens);
    }
    start = end + 1;
  }
  return list;
}

export interface WalkOptions {
  /** The commits to walk, newest first. */
  commits: string[];
  /** When to stop (Date.now() units): what is not done by then is left for the next walk. */
  deadline: number;
  /** The blobs this partial clone has; undefined when every blob is here. */
  present?: Set<string>;
}

export interface WalkResult {
  /** Commits searched whole. */
  walked: string[];
  /** Of those, the ones whose files add tokens, with the tokens they add (messages are read by listCommits). */
  added: Map<string, TokenSet>;
  /** Commits with files that could not be read (not in this partial clone, unreadable): not searched whole. */
  incomplete: string[];
  /** Files of those commits that were not read. */
  unreadFiles: number;
  /** Why the walk stopped before the end, if it did: 'deadline', or git's own words. */
  stopped?: string;
}

/** Commits in progress at once: enough to keep git's pipes full, few enough to bound memory. */
const IN_FLIGHT = 256;

const EMPTY: TokenSet = new Set();

class Unreadable extends Error {}

export function walkHistory(context: GitContext, options: WalkOptions): Promise<WalkResult> {
  const result: WalkResult = { walked: [], added: new Map(), incomplete: [], unreadFiles: 0 };
  if (options.commits.length === 0) return Promise.resolve(result);
  return new Promise((resolve) => {
    const catFile = new CatFileBatch(context);
    const blobs = new Map<string, Promise<TokenSet>>();
    const diffTree = spawnGit(context, ['diff-tree', '--stdin', '-r', '-z', '--raw', '--no-abbrev', '--root', '-c', '--always']);
    let inFlight = 0;
    let finished = false;
    let listed = false;
    let paused = false;

    const finish = (stopped?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (stopped !== undefined) result.stopped = stopped;
      diffTree.kill();
      catFile.abort(new Unreadable('the walk stopped'));
      resolve(result);
    };
    const timer = setTimeout(() => finish('deadline'), Math.max(0, options.deadline - Date.now()));

    const tokensOf = (oid: string): Promise<TokenSet> => {
      if (options.present !== undefined && !options.present.has(oid)) return Promise.reject(new Unreadable(oid));
      let tokens = blobs.get(oid);
      if (tokens === undefined) {
        const sink = new TokenSink();
        tokens = catFile.read(oid, sink).then(
          () => sink.tokens,
          () => Promise.reject(new Unreadable(oid)),
        );
        blobs.set(oid, tokens);
      }
      return tokens;
    };

    const walkCommit = async (change: CommitChange) => {
      const files = change.files.filter((file) => isRegularFile(file.mode));
      let unread = 0;
      const counted = (oid: string) =>
        tokensOf(oid).catch((error: unknown) => {
          if (!(error instanceof Unreadable)) throw error;
          unread++;
          return EMPTY;
        });
      const fileTokens = files.map((file) => counted(file.oid));
      const added: TokenSet = new Set();
      const withTokens = (await Promise.all(fileTokens)).map((tokens, i) => ({ tokens, file: files[i]! })).filter(({ tokens }) => tokens.size > 0);
      if (withTokens.length > 0) {
        // What the commit replaced or deleted: a token already there before is not new.
        const before = [
          ...withTokens.flatMap(({ file }) => file.parents.filter((parent) => isRegularFile(parent.mode)).map((parent) => parent.oid)),
          ...(change.deleted ?? []).filter((entry) => isRegularFile(entry.mode)).map((entry) => entry.oid),
        ];
        const old = new Set<string>();
        for (const tokens of await Promise.all([...new Set(before)].map((oid) => tokensOf(oid).catch(() => EMPTY)))) {
          for (const token of tokens) old.add(token);
        }
        for (const { tokens } of withTokens) for (const token of tokens) if (!old.has(token)) added.add(token);
      }
      if (finished) return;
      if (unread > 0) {
        result.incomplete.push(change.commit);
        result.unreadFiles += unread;
      } else {
        result.walked.push(change.commit);
      }
      if (added.size > 0) result.added.set(change.commit, added);
    };

    const settle = () => {
      inFlight--;
      if (paused && inFlight < IN_FLIGHT / 2) {
        paused = false;
        diffTree.stdout!.resume();
      }
      if (listed && inFlight === 0) finish();
    };
    const parser = new DiffTreeParser((change) => {
      inFlight++;
      walkCommit(change).then(settle, (error: unknown) => {
        // The cat-file process stopped (a partial clone's missing tree, a corrupt pack): the rest is not searched.
        if (error instanceof Unreadable) settle();
        else finish((error as Error).message);
      });
      if (inFlight >= IN_FLIGHT && !paused) {
        paused = true;
        diffTree.stdout!.pause();
      }
    }, true);
    let stderr = '';
    diffTree.stdout!.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (error) {
        finish((error as Error).message);
      }
    });
    diffTree.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    diffTree.on('error', (error: NodeJS.ErrnoException) => finish(describeSpawnError(error).message));
    diffTree.on('close', (code, signal) => {
      if (finished) return;
      if (code !== 0) return finish(gitFailure(['diff-tree'], stderr.trim(), code, signal).message);
      try {
        parser.end();
      } catch (error) {
        return finish((error as Error).message);
      }
      listed = true;
      if (inFlight === 0) finish();
    });
    diffTree.stdin!.on('error', () => {});
    diffTree.stdin!.end(options.commits.map((commit) => `${commit}\n`).join(''));
  });
}
