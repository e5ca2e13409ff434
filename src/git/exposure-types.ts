import type { CredentialKind } from '../detect/types.js';

/*
 * The answers of the exposure lookup (exposure.ts), apart from the lookup itself: reports need these
 * on every blocked commit, the lookup's code only when something is found.
 */

/**
 * How far a credential has travelled, looked up offline in the repository:
 * - staged: in no commit of the history (every commit was searched): still private;
 * - partial: not in any commit searched so far (or only in local ones), but part of the history is not
 *   searched yet (the walk ran out of time and continues next time, or a partial clone lacks files);
 * - committed: in local commits that no remote-tracking ref contains: not pushed yet;
 * - pushed: in a commit a remote-tracking ref contains: public as far as keyguard can tell;
 * - unknown: the lookup could not run at all.
 */
export type Exposure =
  | { state: 'staged'; searched: number }
  | { state: 'partial'; commits: string[]; searched: number; total: number; unreadFiles: number; timedOut: boolean; reason?: string }
  | { state: 'committed'; commits: string[] }
  | { state: 'pushed'; commits: string[]; remoteRefs: string[]; remotes: PushedTo[] }
  | { state: 'unknown'; reason: string };

/** The remote-tracking refs of one remote that contain a commit, its default branch first. */
export interface PushedTo {
  remote: string;
  refs: string[];
}

export interface ExposureQuery {
  kind: CredentialKind;
  /** The credential itself (decoded): every form it was written in is recorded by value. */
  value: string;
  /** The commit it was found in, when the scan was of commits. */
  commit?: string;
}

/** What the remediation needs to know about the branch, found while looking up. */
export interface BranchFacts {
  /** The current branch's upstream (`origin/main`), when it has one. */
  upstream?: string;
  /** A remote branch to compare with when there is no upstream (`origin/main`). */
  remoteBranch?: string;
}

export interface ExposureAnswer {
  exposures: Exposure[];
  facts: BranchFacts;
}

/** Which answer is worse, when one credential is found several times. */
export const SEVERITY: Record<Exposure['state'], number> = { staged: 0, partial: 1, committed: 2, unknown: 3, pushed: 4 };
