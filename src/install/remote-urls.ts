import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { runGitSync } from './git.js';

/**
 * Which URL each remote's tracking branches came from. pre-push skips commits that
 * `refs/remotes/<name>/*` already hold, as being on that remote; after `git remote set-url` those
 * refs still describe the old host, and the new one has none of it. keyguard remembers each
 * remote's URL (`<git common dir>/keyguard/remote-urls`, one `name<TAB>sha256:<digest of the URL>` a
 * line: a URL can hold a password, as CodeCommit's HTTPS Git credentials do) and trusts the
 * tracking branches only while the URL is the one remembered, or once a fetch from the new URL
 * (FETCH_HEAD) has brought every one of them up to date.
 */

interface Remote {
  name: string;
  url: string;
}

function gitPath(cwd: string, args: string[], env: NodeJS.ProcessEnv): string | undefined {
  const result = runGitSync(cwd, args, env);
  if (!result.ok) return undefined;
  return isAbsolute(result.stdout) ? result.stdout : resolve(cwd, result.stdout);
}

function recordFile(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const common = gitPath(cwd, ['rev-parse', '--git-common-dir'], env);
  return common && join(common, 'keyguard', 'remote-urls');
}

function configuredRemotes(cwd: string, env: NodeJS.ProcessEnv): Remote[] {
  const result = runGitSync(cwd, ['config', '-z', '--get-regexp', '^remote\\..*\\.url$'], env);
  if (!result.ok) return [];
  const remotes: Remote[] = [];
  for (const entry of result.stdout.split('\0').filter(Boolean)) {
    const newline = entry.indexOf('\n');
    const key = entry.slice(0, newline);
    const name = key.slice('remote.'.length, key.length - '.url'.length);
    if (!remotes.some((remote) => remote.name === name)) remotes.push({ name, url: entry.slice(newline + 1) });
  }
  return remotes;
}

function readRecords(file: string): Map<string, string> {
  const records = new Map<string, string>();
  if (!existsSync(file)) return records;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) records.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return records;
}

/** What is remembered of a URL: its digest, never the URL (see above). */
function urlRecord(url: string): string {
  return `sha256:${createHash('sha256').update(url).digest('hex')}`;
}

/** Whether a remembered record is this URL (0.1 remembered URLs in clear; the next write digests them). */
function isRecordOf(record: string | undefined, url: string): boolean {
  return record !== undefined && (record === urlRecord(url) || record === url);
}

function writeRecords(file: string, records: Map<string, string>): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const lines = [...records].map(([name, record]) => `${name}\t${record.startsWith('sha256:') ? record : urlRecord(record)}\n`);
    writeFileSync(file, lines.join(''), { mode: 0o600 });
    chmodSync(file, 0o600); // a file written by an earlier version keeps its mode otherwise
  } catch {
    // A read-only git directory: nothing is remembered, so nothing is trusted that was not before.
  }
}

/** Remembers the URL of every remote not yet remembered (install; never overwrites: a change is the signal). */
export function recordRemoteUrls(cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = recordFile(cwd, env);
  if (!file) return;
  const records = readRecords(file);
  let changed = false;
  for (const remote of configuredRemotes(cwd, env)) {
    if (!records.has(remote.name) && !/[\t\n]/.test(remote.name + remote.url)) {
      records.set(remote.name, urlRecord(remote.url));
      changed = true;
    }
  }
  if (changed) writeRecords(file, records);
}

/** A URL as FETCH_HEAD writes it: no credentials, no trailing slash or `.git`. */
function comparable(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1').replace(/\/+$/, '').replace(/\.git$/, '');
}

/** Whether the last fetch (FETCH_HEAD) came from `url` and listed every tracking branch of `name` at its current commit. */
function fetchedFromUrl(cwd: string, name: string, url: string, env: NodeJS.ProcessEnv): boolean {
  const fetchHead = gitPath(cwd, ['rev-parse', '--git-path', 'FETCH_HEAD'], env);
  if (!fetchHead || !existsSync(fetchHead)) return false;
  const fetched = new Map<string, string>();
  for (const line of readFileSync(fetchHead, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+)\t[^\t]*\tbranch '(.+)' of (.+)$/.exec(line);
    if (match && comparable(match[3]!) === comparable(url)) fetched.set(match[2]!, match[1]!);
  }
  if (fetched.size === 0) return false;
  const refs = runGitSync(cwd, ['for-each-ref', '--format=%(objectname) %(refname)', `refs/remotes/${name}/`], env);
  if (!refs.ok) return false;
  const prefix = `refs/remotes/${name}/`;
  return refs.stdout
    .split('\n')
    .filter(Boolean)
    .every((line) => {
      const [oid, ref] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
      const branch = ref.slice(prefix.length);
      return branch === 'HEAD' || fetched.get(branch) === oid;
    });
}

/**
 * Whether pre-push may take `refs/remotes/<name>/*` as what the remote `name` has: while its URL is
 * the one remembered; for a remote not remembered or whose URL changed, when it has no tracking
 * branches yet or a fetch from its URL refreshed all of them (then the URL is remembered).
 */
export function trackingRefsTrusted(cwd: string, name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const remote = configuredRemotes(cwd, env).find((candidate) => candidate.name === name);
  if (!remote) return true; // a push to a URL: no tracking branches are used
  const file = recordFile(cwd, env);
  if (!file) return false;
  const records = readRecords(file);
  if (isRecordOf(records.get(name), remote.url)) return true;
  // Not remembered (a remote added since install) or remembered with another URL: the tracking
  // branches count only when there are none yet, or the last fetch from this URL refreshed them all.
  const hasTracking = runGitSync(cwd, ['for-each-ref', '--count=1', '--format=x', `refs/remotes/${name}/`], env).stdout !== '';
  if (hasTracking && !fetchedFromUrl(cwd, name, remote.url, env)) return false;
  if (!/[\t\n]/.test(name + remote.url)) {
    records.set(name, urlRecord(remote.url));
    writeRecords(file, records);
  }
  return true;
}
