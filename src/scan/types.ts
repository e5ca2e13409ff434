import type { Detection } from '../detect/types.js';
import type { BranchFacts, Exposure } from '../git/exposure-types.js';

/** A detection in a file of the repository (or on disk). */
export interface Finding extends Omit<Detection, 'offset' | 'length'> {
  /** Repository-relative, forward slashes (a path on disk for files outside any repository). */
  path: string;
  /** For findings in history: the commit that introduced the credential (full id). */
  commit?: string;
  /** Its line carries a `keyguard:allow` comment. */
  allowedInline?: boolean;
  /** How far it has travelled: looked up only when something is found. */
  exposure?: Exposure;
  /**
   * The fingerprint reports and baselines show (kg2, see detect/identity.ts), filled in before a
   * report that shows it is written; `fingerprint` is the internal identity and is never written.
   */
  publicFingerprint?: string;
}

/** A finding that is not reported, and why (verbose and JSON output list them, so reviewers see them). */
export type SuppressedFinding = Finding & { reason: 'inline' | 'allow' | 'baseline' };

/** What a scan covered, so that "scanned nothing" can never look like "found nothing". */
export interface ScanStats {
  /** Files scanned, binary ones included. */
  files: number;
  bytes: number;
  /** Of those, files that are not text (scanned one character per byte). */
  binary: number;
  utf16: number;
  symlinks: number;
  submodules: number;
  unmerged: number;
  /** Files read from disk because they are not tracked. */
  fromDisk: number;
  /** Files not scanned because of ignorePaths. */
  ignored: number;
  /** How the repository was read. */
  backend?: 'git' | 'isomorphic-git';
}

export interface ScanResult {
  findings: Finding[];
  stats: ScanStats;
  suppressed?: SuppressedFinding[];
  /** What the advice depends on beyond the findings (looked up only when something was found). */
  facts?: ReportFacts;
}

/** Facts about the repository that make the advice exact. */
export interface ReportFacts extends BranchFacts {
  /** keyguard's pre-push hook runs here: a commit made with --no-verify is still stopped before it is pushed. */
  prePushHook?: boolean;
}

export function emptyStats(): ScanStats {
  return { files: 0, bytes: 0, binary: 0, utf16: 0, symlinks: 0, submodules: 0, unmerged: 0, fromDisk: 0, ignored: 0 };
}

/** Adds the counts of `more` to `stats`. */
export function addStats(stats: ScanStats, more: ScanStats): void {
  for (const key of ['files', 'bytes', 'binary', 'utf16', 'symlinks', 'submodules', 'unmerged', 'fromDisk', 'ignored'] as const) stats[key] += more[key];
}
