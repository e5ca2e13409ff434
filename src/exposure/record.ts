import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialDigest } from '../detect/identity.js';
import type { CredentialKind } from '../detect/types.js';
import { createHmac, randomBytes } from '../lazy-crypto.js';
import { VERSION } from '../version.js';

/**
 * The exposure record: what each commit of the history adds, kept in the git directory shared by
 * all worktrees (`<git common dir>/keyguard/`, never the work tree), so that the next lookup walks
 * only commits it has not seen. It holds commit ids and, for the commits that add candidate
 * credential values (see candidates.ts), a keyed hash of each: never a value, never a key ID, in
 * clear. The hash is HMAC-SHA256 with a random key of this clone (`exposure-salt`), truncated to 64
 * bits, of the value's kg2 digest: a key ID's digest is stretched (identity.ts), so the record is
 * no cheaper to reverse than a report's fingerprint. Facts about a commit never change, so records
 * written by several keyguard processes at once merge by union; each write is a new file renamed
 * into place, so a reader sees a whole record or the previous one. Rewritten history is detected
 * by the lookup (recorded tips no longer reachable), which then drops what is no longer reachable.
 */

/** Bumped when what the record holds, or how tokens are found, changes: an older record is then rebuilt. */
const FORMAT = 1;
const IDENTITY = `keyguard-exposure-record/${FORMAT}/${VERSION}`;

export const RECORD_DIR = 'keyguard';
const SALT_FILE = 'exposure-salt';
const RECORD_FILE = 'exposure-record.json';

interface RecordData {
  identity: string;
  /** Which salt the hashes are keyed with (a hash of it). */
  salt: string;
  /** A new random id at each write: tells whether another process wrote the file since it was read. */
  generation: string;
  /** Tips such that every commit reachable from them has been walked. */
  complete: string[];
  /** How many commits those are (-1: not known). */
  count: number;
  /** Commits walked beyond what `complete` covers (a walk its deadline cut short). */
  walked: string[];
  /** Commit id → the hashes of the tokens it adds (only commits that add some). */
  added: Record<string, string[]>;
}

const emptyData = (salt: string): RecordData => ({ identity: IDENTITY, salt, generation: '', complete: [], count: 0, walked: [], added: {} });

const saltId = (salt: Buffer) => createHmac('sha256', salt).update('keyguard-exposure-salt-id').digest('hex').slice(0, 16);

function isRecordData(value: unknown, salt: string): value is RecordData {
  const data = value as RecordData;
  return (
    typeof data === 'object' &&
    data !== null &&
    data.identity === IDENTITY &&
    data.salt === salt &&
    typeof data.generation === 'string' &&
    Array.isArray(data.complete) &&
    typeof data.count === 'number' &&
    Array.isArray(data.walked) &&
    typeof data.added === 'object' &&
    data.added !== null
  );
}

export class ExposureRecord {
  private data: RecordData;
  private readonly loadedGeneration: string;
  private index: Map<string, string[]> | undefined;
  /** Commits and tips dropped because history was rewritten: a merge with the file must not bring them back. */
  private readonly dropped = new Set<string>();

  private constructor(
    private readonly dir: string,
    private readonly salt: Buffer,
    data: RecordData,
    /** False when the record cannot be written (a read-only repository): it then lives for this run only. */
    private readonly writable: boolean,
  ) {
    this.data = data;
    this.loadedGeneration = data.generation;
  }

  /** The record of the repository whose git common directory is `commonDir` (created on first use). */
  static open(commonDir: string): ExposureRecord {
    const dir = join(commonDir, RECORD_DIR);
    let salt: Buffer | undefined;
    let writable = true;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      salt = readOrCreateSalt(dir);
    } catch {
      writable = false;
    }
    const key = salt ?? randomBytes(32);
    const id = saltId(key);
    return new ExposureRecord(dir, key, (writable && readData(dir, id)) || emptyData(id), writable && salt !== undefined);
  }

  /** Where the record lives (for messages and the README's "how to delete it"). */
  get location(): string {
    return this.dir;
  }

  get completeTips(): string[] {
    return this.data.complete;
  }

  /** How many commits the complete tips cover, when known. */
  get completeCount(): number | undefined {
    return this.data.count >= 0 ? this.data.count : undefined;
  }

  get walked(): Set<string> {
    return new Set(this.data.walked);
  }

  /** The record's hash of a value: call prepareCredentialDigests first for many key IDs. */
  hash(kind: CredentialKind, value: string): string {
    return createHmac('sha256', this.salt).update(`${kind}\0`).update(credentialDigest(kind, value)).digest('hex').slice(0, 16);
  }

  /** Commits that add the value whose hash is given. */
  commitsAdding(hash: string): string[] {
    if (this.index === undefined) {
      this.index = new Map();
      for (const [commit, hashes] of Object.entries(this.data.added)) {
        for (const h of hashes) {
          const list = this.index.get(h) ?? [];
          list.push(commit);
          this.index.set(h, list);
        }
      }
    }
    return this.index.get(hash) ?? [];
  }

  /**
   * Adds what a walk found: `added` maps commits to the hashes of what they add. With `complete`,
   * every commit reachable from those tips (`count` of them) has now been walked.
   */
  addWalk(walked: string[], added: Map<string, string[]>, complete?: { tips: string[]; count: number }): void {
    for (const [commit, hashes] of added) this.data.added[commit] = hashes;
    if (complete !== undefined) {
      this.data.complete = [...complete.tips];
      this.data.count = complete.count;
      this.data.walked = [];
    } else {
      this.data.walked = [...new Set([...this.data.walked, ...walked])];
    }
    this.index = undefined;
  }

  /** Keeps only what `reachable` holds (history was rewritten): tips, walked commits and their tokens. */
  keepOnly(reachable: Set<string>): void {
    const keep = (commit: string) => {
      if (reachable.has(commit)) return true;
      this.dropped.add(commit);
      return false;
    };
    this.data.complete = this.data.complete.filter(keep);
    this.data.count = -1;
    this.data.walked = this.data.walked.filter(keep);
    this.data.added = Object.fromEntries(Object.entries(this.data.added).filter(([commit]) => keep(commit)));
    this.index = undefined;
  }

  /**
   * Writes the record, merged with what other keyguard processes wrote meanwhile, to a new file
   * renamed into place. Failing to write costs only speed: the next lookup walks again.
   */
  save(): void {
    if (!this.writable) return;
    const other = readData(this.dir, this.data.salt);
    if (other && other.generation !== this.loadedGeneration) {
      // Another keyguard wrote the record since it was read: keep what it learnt too.
      const fresh = (commit: string) => !this.dropped.has(commit);
      const tips = new Set([...this.data.complete, ...other.complete.filter(fresh)]);
      if (tips.size > this.data.complete.length) this.data.count = -1;
      this.data.complete = [...tips];
      this.data.walked = [...new Set([...this.data.walked, ...other.walked.filter(fresh)])];
      for (const [commit, hashes] of Object.entries(other.added)) if (fresh(commit)) this.data.added[commit] ??= hashes;
    }
    this.data.generation = randomBytes(8).toString('hex');
    const file = join(this.dir, RECORD_FILE);
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(temporary, JSON.stringify(this.data), { mode: 0o600 });
      renameSync(temporary, file);
    } catch {
      try {
        unlinkSync(temporary);
      } catch {
        // never written
      }
    }
  }
}

function readData(dir: string, salt: string): RecordData | undefined {
  try {
    const data: unknown = JSON.parse(readFileSync(join(dir, RECORD_FILE), 'utf8'));
    return isRecordData(data, salt) ? data : undefined;
  } catch {
    return undefined; // none yet, or unreadable: rebuilt
  }
}

/** The clone's HMAC key: created once, atomically (a link fails if another process made it first). */
function readOrCreateSalt(dir: string): Buffer {
  const file = join(dir, SALT_FILE);
  const read = () => {
    const salt = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    if (salt.length !== 32) throw new Error('bad salt');
    return salt;
  };
  try {
    return read();
  } catch {
    // not there yet (or damaged: replaced below)
  }
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      return read();
    } catch {
      renameSync(temporary, file); // damaged: replace it (the record keyed with it is rebuilt)
      chmodSync(file, 0o600);
      return read();
    }
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // renamed into place
    }
  }
  return read();
}
