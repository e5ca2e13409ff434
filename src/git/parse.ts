import { RepositoryReadError } from './errors.js';
import type { CommitChange, CommitFileChange, IndexEntry, ObjectType, StagedChange } from './types.js';

/**
 * Parsers for git's NUL-separated (`-z`) output. Paths arrive as raw bytes, verbatim: no quoting,
 * any character but NUL allowed (spaces, newlines, non-ASCII).
 */

function fields(output: Buffer): string[] {
  const text = output.toString('utf8');
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

const ZERO_OID = /^0+$/;

/**
 * `git diff --cached --raw -z --no-abbrev`: records of `:<old mode> <new mode> <old oid> <new oid>
 * <status>[score]`, then one path (two for renames and copies: source, then destination).
 */
export function parseRawDiff(output: Buffer): StagedChange[] {
  const parts = fields(output);
  const changes: StagedChange[] = [];
  for (let i = 0; i < parts.length; ) {
    const meta = parts[i++]!;
    const match = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])\d*$/.exec(meta);
    if (!match) throw new RepositoryReadError(`unexpected output from git diff: ${JSON.stringify(meta.slice(0, 80))}`);
    const [, oldMode, newMode, oldOid, newOid, status] = match as unknown as [string, string, string, string, string, string];
    const twoPaths = status === 'R' || status === 'C';
    const source = parts[i++];
    const destination = twoPaths ? parts[i++] : source;
    if (source === undefined || destination === undefined) {
      throw new RepositoryReadError('git diff output ended in the middle of a record.');
    }
    if (status === 'D') continue;
    const change: StagedChange = {
      path: destination,
      status: status as StagedChange['status'],
      mode: newMode,
      oid: newOid,
    };
    if (status !== 'A' && status !== 'U' && !ZERO_OID.test(oldOid)) {
      change.before = { path: source, mode: oldMode, oid: oldOid };
    }
    changes.push(change);
  }
  return changes;
}

/** `git ls-files -s -z`: records of `<mode> <oid> <stage>\t<path>`; only stage 0 (merged) entries are kept. */
export function parseLsFilesStage(output: Buffer): { entries: IndexEntry[]; unmerged: string[] } {
  const entries: IndexEntry[] = [];
  const unmerged = new Set<string>();
  for (const record of fields(output)) {
    const tab = record.indexOf('\t');
    const match = /^(\d{6}) ([0-9a-f]+) (\d)$/.exec(record.slice(0, tab));
    if (tab < 0 || !match) throw new RepositoryReadError(`unexpected output from git ls-files: ${JSON.stringify(record.slice(0, 80))}`);
    const path = record.slice(tab + 1);
    if (match[3] !== '0') unmerged.add(path);
    else entries.push({ mode: match[1]!, oid: match[2]!, path });
  }
  return { entries, unmerged: [...unmerged] };
}

/** `git ls-tree -r -z --full-tree <tree>`: `<mode> <type> <oid>\t<path>` records. */
export function parseLsTree(output: Buffer): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const record of fields(output)) {
    const tab = record.indexOf('\t');
    const match = /^(\d{6}) \w+ ([0-9a-f]+)$/.exec(record.slice(0, tab));
    if (tab < 0 || !match) throw new RepositoryReadError(`unexpected output from git ls-tree: ${JSON.stringify(record.slice(0, 80))}`);
    entries.push({ mode: match[1]!, oid: match[2]!, path: record.slice(tab + 1) });
  }
  return entries;
}

/** `git cat-file --batch-check`: `<oid> <type> <size>` or `<name> missing`, one line per object asked. */
export function parseBatchCheck(output: Buffer, asked: number): (ObjectType | undefined)[] {
  const lines = output.toString('utf8').split('\n').filter(Boolean);
  if (lines.length !== asked) throw new RepositoryReadError(`git cat-file --batch-check answered ${lines.length} of ${asked} objects.`);
  return lines.map((line) => {
    const type = line.split(' ')[1];
    return type === 'commit' || type === 'tag' || type === 'tree' || type === 'blob' ? type : undefined;
  });
}

/**
 * `git diff-tree --stdin -r -z --raw --no-abbrev --root -c`: for each commit, its id, then records.
 * A normal record is `:<old mode> <new mode> <old oid> <new oid> <status>` and its path(s); a merge's
 * combined record is `::<mode per parent> <result mode> <oid per parent> <result oid> <statuses>` and
 * one path. Deletions add nothing: they are dropped, or listed apart with `keepDeletions` (a value
 * that moves from one file to another within a commit is not new to it).
 */
export class DiffTreeParser {
  private pending = '';
  private current: CommitChange | undefined;
  /** Fields of a record still waiting for its path(s). */
  private record: { meta: string; paths: string[]; needed: number } | undefined;

  constructor(
    private readonly onCommit: (change: CommitChange) => void,
    private readonly keepDeletions = false,
  ) {}

  push(chunk: Buffer): void {
    const text = this.pending + chunk.toString('latin1');
    const parts = text.split('\0');
    this.pending = parts.pop()!;
    for (const part of parts) this.field(part);
  }

  end(): void {
    if (this.pending !== '') this.field(this.pending);
    this.pending = '';
    if (this.record) throw new RepositoryReadError('git diff-tree output ended in the middle of a record.');
    this.flush();
  }

  private flush(): void {
    if (this.current) this.onCommit(this.current);
    this.current = undefined;
  }

  private field(raw: string): void {
    if (this.record) {
      this.record.paths.push(Buffer.from(raw, 'latin1').toString('utf8'));
      if (this.record.paths.length === this.record.needed) {
        this.addRecord(this.record.meta, this.record.paths);
        this.record = undefined;
      }
      return;
    }
    const line = raw.replace(/^\n/, '');
    if (line.startsWith(':')) {
      const status = line.slice(line.lastIndexOf(' ') + 1);
      const needed = !line.startsWith('::') && /^[RC]/.test(status) ? 2 : 1;
      this.record = { meta: line, paths: [], needed };
      return;
    }
    if (!/^[0-9a-f]{40,64}$/.test(line)) throw new RepositoryReadError(`unexpected output from git diff-tree: ${JSON.stringify(line.slice(0, 80))}`);
    this.flush();
    this.current = { commit: line, files: [] };
  }

  private addRecord(meta: string, paths: string[]): void {
    if (!this.current) throw new RepositoryReadError('git diff-tree output has a record before any commit.');
    const colons = /^:+/.exec(meta)![0].length;
    const fields = meta.slice(colons).split(' ');
    const parentCount = colons;
    const modes = fields.slice(0, parentCount + 1);
    const oids = fields.slice(parentCount + 1, 2 * parentCount + 2);
    const status = fields[2 * parentCount + 2] ?? '';
    if (/^D+$/.test(status.replace(/\d+/g, ''))) {
      if (this.keepDeletions && parentCount === 1) (this.current.deleted ??= []).push({ path: paths[0]!, mode: modes[0]!, oid: oids[0]! });
      return;
    }
    const mode = modes[parentCount]!;
    const oid = oids[parentCount]!;
    const parents = modes
      .slice(0, parentCount)
      .map((parentMode, i) => ({ mode: parentMode, oid: oids[i]! }))
      .filter((parent) => !ZERO_OID.test(parent.oid));
    const file: CommitFileChange = { path: paths[paths.length - 1]!, mode, oid, parents };
    if (paths.length === 2) file.sourcePath = paths[0]!;
    this.current.files.push(file);
  }
}
