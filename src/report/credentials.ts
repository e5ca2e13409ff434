import { SEVERITY, type Exposure } from '../git/exposure-types.js';
import type { Finding } from '../scan/types.js';

/**
 * Findings grouped by credential: one access key (its key ID, and the secret access key or session
 * token found beside it), or a secret found without its key ID. A key in 26 commits and 3 files is
 * one credential with 26 locations, reported once, with one plan.
 */
export interface Credential {
  /** What the report names it by: the key ID when there is one, else the secret. */
  subject: Finding;
  /** Every finding of the credential, key ID and secret alike, in report order. */
  findings: Finding[];
  /** The worst of its findings' situations (the finding it comes from is `exposed`). */
  exposure: Exposure | undefined;
  /** The commit that introduced it, when it is in one: the oldest known. */
  introducedIn: string | undefined;
}

/** A secret or session token belongs to a key ID written within this many lines of it, in the same file and commit. */
const PAIR_REACH_LINES = 5;

const identity = (finding: Finding) => `${finding.kind}\0${finding.fingerprint}`;

function beside(a: Finding, b: Finding): boolean {
  return a.path === b.path && a.commit === b.commit && Math.abs(a.line - b.line) <= PAIR_REACH_LINES;
}

export function worstExposure(findings: Finding[]): Exposure | undefined {
  let worst: Exposure | undefined;
  for (const finding of findings) {
    const exposure = finding.exposure;
    if (exposure && (worst === undefined || SEVERITY[exposure.state] > SEVERITY[worst.state])) worst = exposure;
  }
  return worst;
}

/** Commits of an exposure that hold the credential, oldest first. */
export function exposureCommits(exposure: Exposure | undefined): string[] {
  return exposure && 'commits' in exposure ? exposure.commits : [];
}

export function groupCredentials(findings: Finding[]): Credential[] {
  const byIdentity = new Map<string, Finding[]>();
  for (const finding of findings) byIdentity.set(identity(finding), [...(byIdentity.get(identity(finding)) ?? []), finding]);
  // Key IDs by file and commit, each with the group (all its findings) it belongs to.
  const keyIdsAt = new Map<string, { finding: Finding; group: Finding[] }[]>();
  const place = (finding: Finding) => `${finding.path}\0${finding.commit ?? ''}`;
  for (const group of byIdentity.values()) {
    if (group[0]!.kind !== 'access-key-id') continue;
    for (const finding of group) keyIdsAt.set(place(finding), [...(keyIdsAt.get(place(finding)) ?? []), { finding, group }]);
  }
  const owner = new Map<string, Finding[]>(); // identity of a secret or token → the key ID group it belongs to
  for (const group of byIdentity.values()) {
    // Only a secret access key or a session token belongs to a key ID; other kinds stand alone.
    if (group[0]!.kind !== 'secret-access-key' && group[0]!.kind !== 'session-token') continue;
    const votes = new Map<Finding[], number>();
    for (const finding of group) {
      for (const keyId of keyIdsAt.get(place(finding)) ?? []) if (beside(keyId.finding, finding)) votes.set(keyId.group, (votes.get(keyId.group) ?? 0) + 1);
    }
    const best = [...votes].sort((a, b) => b[1] - a[1])[0];
    if (best) owner.set(identity(group[0]!), best[0]);
  }
  const credentials = new Map<Finding[], Finding[]>();
  for (const group of byIdentity.values()) {
    const head = group[0]!.kind === 'access-key-id' ? group : (owner.get(identity(group[0]!)) ?? group);
    credentials.set(head, [...(credentials.get(head) ?? []), ...group]);
  }
  const order = new Map(findings.map((finding, i) => [finding, i]));
  return [...credentials].map(([head, members]) => {
    members.sort((a, b) => order.get(a)! - order.get(b)!);
    const exposure = worstExposure(members);
    const subject = head[0]!;
    const introducedIn =
      exposureCommits(subject.exposure)[0] ?? exposureCommits(exposure)[0] ?? members.find((finding) => finding.commit !== undefined)?.commit;
    return { subject, findings: members, exposure, introducedIn };
  });
}
