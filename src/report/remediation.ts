import { SEVERITY, type Exposure, type PushedTo } from '../git/exposure-types.js';
import { printableShellWord } from '../shell-quote.js';
import { COMMIT_HEADER_PATH, MESSAGE_PATH } from '../scan/message.js';
import { isNamePath } from '../scan/path-names.js';
import { TAG_PATH } from '../scan/push.js';
import type { Finding, ReportFacts } from '../scan/types.js';
import { plural } from './labels.js';
import { describeSubject, isOtherKind, otherCredentialPlan, type OtherSubject } from './other-plans.js';
import { compromisedKeyPlan, type PlanStep } from './plan.js';

/**
 * What was scanned: the next commit, its message, named files, the tracked tree, the commits about
 * to be pushed, or history.
 */
export type Scope = 'staged' | 'message' | 'files' | 'all' | 'push' | 'history';

/** How far the credentials have travelled, the worst of the findings: pushed > unknown > committed > partial > staged. */
export type Situation = Exposure['state'];

const short = (commit: string) => commit.slice(0, 12);
const count = (n: number) => n.toLocaleString('en-US');

/** Commits named in a line: the first few, then how many more. */
function commitList(commits: string[], shown = 3): string {
  const named = commits.slice(0, shown).map(short).join(', ');
  return commits.length > shown ? `${named} and ${plural(commits.length - shown, 'more commit')}` : named;
}

export function situationOf(findings: Finding[]): Situation {
  let worst: Situation = 'staged';
  for (const finding of findings) {
    const state = finding.exposure?.state ?? (finding.commit ? 'committed' : 'staged');
    if (SEVERITY[state] > SEVERITY[worst]) worst = state;
  }
  return worst;
}

/** "origin/main and 14 more branches" for each remote: never a 90-branch line. */
export function describeRemoteRefs(remotes: PushedTo[]): string {
  return remotes
    .map(({ refs }) => (refs.length > 1 ? `${refs[0]} and ${plural(refs.length - 1, 'more branch', 'more branches')}` : refs[0]))
    .join('; ');
}

/** The one-line situation of a finding (or of a credential, given its worst exposure), as reports show it. */
export function describeExposure(finding: Pick<Finding, 'exposure' | 'commit' | 'path'>): string {
  const exposure = finding.exposure;
  if (!exposure) {
    if (finding.commit) return `in commit ${short(finding.commit)}`;
    const tag = tagOf(finding);
    return tag ? `in the local tag ${tag}` : '';
  }
  switch (exposure.state) {
    case 'staged':
      return exposure.searched > 0 ? `not in any commit yet (all ${plural(exposure.searched, 'commit')} searched)` : 'not in any commit yet';
    case 'partial': {
      const stopped = exposure.timedOut || exposure.reason !== undefined;
      const where =
        exposure.commits.length > 0
          ? `in local commit ${commitList(exposure.commits)}; not pushed as far as searched`
          : stopped
            ? `in no commit among the newest ${count(exposure.searched)} of ${plural(exposure.total, 'commit')}`
            : `in no commit here (${plural(exposure.total, 'commit')})`;
      const unread = exposure.unreadFiles > 0 ? `; ${plural(exposure.unreadFiles, 'file')} not in this partial clone` : '';
      const rest = exposure.reason ? `; the search stopped: ${exposure.reason}` : exposure.timedOut ? '; the rest not searched yet' : '';
      return `${where}${unread}${rest}`;
    }
    case 'committed':
      return `in local commit ${commitList(exposure.commits)}, not pushed`;
    case 'pushed':
      return `PUSHED: in ${exposure.remotes.length > 0 ? describeRemoteRefs(exposure.remotes) : 'a remote branch'} (commit ${short(exposure.commits[0]!)})`;
    case 'unknown':
      return `pushed or not: unknown (${exposure.reason})`;
  }
}

/** Where to point `keyguard incident` for a finding: its file and line (the key is read from there). */
export function incidentTarget(finding: Finding): string {
  const location = printableShellWord(`${finding.path}:${finding.line}`);
  return finding.commit ? `${location} --commit ${short(finding.commit)}` : location;
}

export interface Remediation {
  situation: Situation;
  steps: string[];
  /** The compromised-key plan, when a key was pushed; `subject` names what it is about when that is not an access key. */
  plan?: { keyFinding: Finding | undefined; subject?: string; steps: PlanStep[] };
}

const MOVE_OUT =
  'Remove the credentials from the file(s) above. Let the code read them from an AWS profile ' +
  '(`aws configure`, `aws sso login`), environment variables, or a secrets manager instead.';

const NOT_LEFT =
  'No rotation is needed if the key never left this machine; if you also pasted it somewhere (chat, e-mail, a ticket), ' +
  'deactivate and replace it: `keyguard incident <access key ID>` prints how.';

/** The command that runs the same check again, for the line that says how to finish a search. */
const RECHECK: Record<Scope, string> = {
  staged: 'keyguard check',
  message: 'keyguard check',
  files: 'keyguard check --files <the same files>',
  all: 'keyguard check --all',
  history: 'keyguard check --history',
  push: 'git push',
};

/** A timeout long enough to search any history keyguard has met (aws-cli's 14,000 commits take seconds). */
const FINISH_TIMEOUT_MS = 600_000;

/** What a partial answer adds to the plan: what was searched, and how to search the rest now. */
function finishSearchStep(scope: Scope, exposure: Extract<Exposure, { state: 'partial' }>): string {
  const parts: string[] = [];
  const finish = `\`KEYGUARD_EXPOSURE_TIMEOUT_MS=${FINISH_TIMEOUT_MS} ${RECHECK[scope]}\``;
  if (exposure.timedOut) {
    parts.push(
      `keyguard searched the newest ${count(exposure.searched)} of ${plural(exposure.total, 'commit')} in the time it had; ` +
        `the search goes on from there each time keyguard runs. To search the rest now: ${finish}.`,
    );
  } else if (exposure.reason) {
    parts.push(`The search of the history stopped after ${plural(exposure.searched, 'commit')} (${exposure.reason}); run ${finish} again once that is fixed.`);
  }
  if (exposure.unreadFiles > 0) {
    parts.push(
      `${plural(exposure.unreadFiles, 'file')} of the history ${exposure.unreadFiles === 1 ? 'is' : 'are'} not in this partial clone, ` +
        'and keyguard never downloads anything: if the key may be in them, run `keyguard check --history` in a full clone.',
    );
  }
  return parts.join(' ');
}

/** How to check, before pushing, that the rewritten branch is clean: what works on this branch. */
function checkBeforePush(facts: ReportFacts | undefined): string {
  if (facts?.upstream) return 'Check before pushing: `keyguard check --history @{upstream}..HEAD` must find nothing.';
  if (facts?.remoteBranch) return `Check before pushing: \`keyguard check --history ${printableShellWord(facts.remoteBranch)}..HEAD\` must find nothing.`;
  return 'Check before pushing: `keyguard check --history` (the whole history: this branch has no remote branch to compare with) must find nothing.';
}

function credentialFiles(paths: string[]): boolean {
  return paths.some((path) => /(^|\/)(\.env[^/]*|credentials|\.aws\/[^/]*)$/.test(path));
}

/** The tag a finding was reported in (pre-push), as people name it. */
function tagOf(finding: Pick<Finding, 'path'>): string | undefined {
  return TAG_PATH.exec(finding.path)?.[2]?.replace(/^refs\/tags\//, '');
}

/** The step for a credential in a file's name (the name is shown redacted, so the user picks the file). */
const RENAME = 'A file name holds the credential: rename that file (`git mv <name> <new name>`, or `git rm --cached` it), then commit again.';

function rewriteSteps(findings: Finding[], facts: ReportFacts | undefined): string[] {
  const inFiles = findings.filter((f) => f.path !== MESSAGE_PATH && f.path !== COMMIT_HEADER_PATH && tagOf(f) === undefined && !isNamePath(f.path));
  const inNames = findings.some((f) => isNamePath(f.path));
  const inMessages = findings.some((f) => f.path === MESSAGE_PATH);
  const inHeaders = findings.some((f) => f.path === COMMIT_HEADER_PATH);
  const tags = [...new Set(findings.map(tagOf).filter((tag): tag is string => tag !== undefined))];
  const pathList = [...new Set(inFiles.map((f) => f.path))].map(printableShellWord).join(' ');
  const commits = [
    ...new Set(
      findings.flatMap((f) => (f.exposure?.state === 'committed' || f.exposure?.state === 'partial' ? f.exposure.commits : f.commit ? [f.commit] : [])).map(short),
    ),
  ];
  const oldest = commits[0] ?? 'HEAD~1';
  const steps: string[] = [];
  if (commits.length > 0) {
    steps.push(
      `The credentials are in local commits that are not pushed (${commits.join(', ')}). Deleting them in a new commit is not ` +
        'enough: the old commits would still be pushed. Rewrite your local history first.',
    );
    const fix = [
      inFiles.length > 0 ? `remove the credentials from ${pathList}, \`git add\` the file(s)` : '',
      inNames ? 'rename the file whose name holds the credential (`git mv`)' : '',
      inMessages ? 'edit the message' : '',
    ]
      .filter(Boolean)
      .join(' and ');
    if (fix) steps.push(`If it is only the last commit: ${fix}, then \`git commit --amend${inMessages ? '' : ' --no-edit'}\`.`);
    steps.push(
      `Otherwise: \`git rebase -i ${oldest}^\` (\`git rebase -i --root\` if it is the repository's first commit), mark ` +
        `${commits.length === 1 ? 'that commit' : 'those commits'} "edit"${inMessages ? ' (or "reword", for a message)' : ''}, remove the ` +
        `credentials at each stop, \`git add\` the file(s), \`git commit --amend${inMessages ? '' : ' --no-edit'}\`, \`git rebase --continue\`. ` +
        '(For many commits: `git filter-repo --replace-text <file listing the values>`.)',
    );
  }
  if (inHeaders) {
    steps.push(
      'A commit header holds the key: `git merge` of a signed tag copies the whole tag, message included, into the merge ' +
        'commit. Redo that merge from the commit the tag points at (`git merge --no-ff <commit>`), not from the tag.',
    );
  }
  for (const tag of tags) {
    steps.push(
      `The tag ${tag} holds the credentials: delete it and tag again without them: \`git tag -d ${printableShellWord(tag)}\`, then ` +
        `\`git tag -a ${printableShellWord(tag)} <commit>\` with a clean message (and clean commits).`,
    );
  }
  steps.push(checkBeforePush(facts));
  return steps;
}

/** How the plan names the key when only its secret (or session token) was found. */
const UNKNOWN_KEY_ID = '<access key ID of the exposed secret>';

/**
 * The access key the plan is about: an exposed key ID; else a key ID beside an exposed secret (same
 * file, same commit); else none (only a secret was found; the plan then asks for its key ID). A
 * secret is never the subject: "deactivate <secret>" is not something AWS can do.
 */
export function planKeyFinding(findings: Finding[], situation: Situation): Finding | undefined {
  const exposed = findings.filter((f) => (f.exposure?.state ?? 'staged') === situation);
  const keyIds = findings.filter((f) => f.kind === 'access-key-id');
  return (
    exposed.find((f) => f.kind === 'access-key-id') ??
    keyIds.find((k) => exposed.some((f) => f.path === k.path && f.commit === k.commit)) ??
    keyIds.find((k) => exposed.some((f) => f.path === k.path))
  );
}

/** The steps for the situation of these findings (all of a report's, or one credential's), in the order to do them. */
export function remediationFor(scope: Scope, findings: Finding[], facts?: ReportFacts): Remediation {
  const paths = [...new Set(findings.filter((finding) => !isNamePath(finding.path)).map((finding) => finding.path))];
  const pathList = paths.map(printableShellWord).join(' ');
  const situation = situationOf(findings);
  const steps: string[] = [];
  const inCommits = findings.some((f) => f.commit !== undefined || (f.exposure && 'commits' in f.exposure && f.exposure.commits.length > 0));

  if (scope === 'message') {
    steps.push('Write the commit message again without the credential: `git commit` (your text is kept in .git/COMMIT_EDITMSG).', NOT_LEFT);
    return { situation, steps };
  }
  let plan: Remediation['plan'];
  const exposedPair = findings.some((f) => (f.exposure?.state ?? 'staged') === situation && !isOtherKind(f.kind));
  const other = findings.find((f) => (f.exposure?.state ?? 'staged') === situation && isOtherKind(f.kind));
  if (situation === 'pushed' && other && !exposedPair && isOtherKind(other.kind)) {
    // A Bedrock API key, a service-specific credential, an SSO token: its own plan, never the access key's.
    const subject: OtherSubject = { kind: other.kind, accountId: other.accountId, details: other.details };
    steps.push(
      `Treat ${describeSubject(subject)} as compromised now: it is in a pushed commit. Leaked keys are used within minutes, ` +
        'to run models or instances on your bill; deactivating it is what stops that, deleting the file or rewriting history does not.',
      `For the plan with everything filled in: \`keyguard incident ${incidentTarget(other)}\``,
    );
    if (scope === 'staged') steps.push(`Then take the credentials out of the staged file(s), and stage them again: \`git add -- ${pathList}\``);
    plan = { keyFinding: undefined, subject: describeSubject(subject), steps: otherCredentialPlan(subject) };
  } else if (situation === 'pushed') {
    const keyFinding = planKeyFinding(findings, situation);
    steps.push(
      'Treat the key as compromised now: it is in a pushed commit. Bots scan public pushes within minutes; in one case, ' +
        'instances were running in every Asia and EU region nine minutes after the push. Rotating the key is what stops them; ' +
        'deleting the file or rewriting history does not.',
    );
    const exposed = findings.filter((f) => f.exposure?.state === situation);
    const temporary = keyFinding ? keyFinding.redacted.startsWith('ASIA') : exposed.every((f) => f.kind === 'session-token');
    plan = { keyFinding, steps: compromisedKeyPlan({ keyId: keyFinding?.redacted ?? UNKNOWN_KEY_ID, accountId: keyFinding?.accountId, temporary }) };
    if (keyFinding) {
      steps.push(`For every command with the key filled in, and a script that checks every region: \`keyguard incident ${incidentTarget(keyFinding)}\``);
    } else {
      steps.push(
        'The access key ID that goes with the exposed secret is not in these files. Find it: next to the secret in ' +
          '~/.aws/credentials or wherever you copied the secret from, or in the IAM console (Users → Security credentials, ' +
          'the key whose secret you copied); then `keyguard incident <access key ID>` prints every command with it filled in.',
      );
    }
    if (scope === 'staged') steps.push(`Then take the credentials out of the staged file(s), and stage them again: \`git add -- ${pathList}\``);
  } else if (situation === 'committed' || scope === 'push' || (inCommits && (situation === 'partial' || situation === 'unknown'))) {
    steps.push(...rewriteSteps(findings, facts), NOT_LEFT);
  } else if (scope === 'staged') {
    if (paths.length > 0) steps.push(MOVE_OUT, `Stage the fixed file(s) and commit again: \`git add -- ${pathList}\``);
    if (paths.length < new Set(findings.map((finding) => finding.path)).size) steps.push(RENAME);
    if (credentialFiles(paths)) steps.push('Credential files do not belong in git: add them to .gitignore, and unstage them with `git restore --staged <file>`.');
    steps.push(NOT_LEFT);
  } else {
    steps.push(MOVE_OUT);
    if (findings.some((finding) => isNamePath(finding.path))) steps.push(RENAME);
    if (credentialFiles(paths)) steps.push('Credential files do not belong in git: add them to .gitignore, and `git rm --cached <file>`.');
    steps.push(NOT_LEFT);
  }
  // Other credentials here may not be settled yet (a search not finished, a lookup that failed): say so too.
  const partial = findings.map((f) => f.exposure).find((e): e is Extract<Exposure, { state: 'partial' }> => e?.state === 'partial');
  if (partial) steps.push(finishSearchStep(scope, partial));
  const unknown = findings.map((f) => f.exposure).find((e): e is Extract<Exposure, { state: 'unknown' }> => e?.state === 'unknown');
  if (unknown && situation !== 'pushed') {
    const keyFinding = planKeyFinding(findings, 'unknown');
    steps.push(
      `keyguard could not tell whether the key was pushed (${unknown.reason}). If it was, it is public: treat it as compromised ` +
        `and follow \`keyguard incident ${keyFinding ? incidentTarget(keyFinding) : '<access key ID>'}\`.`,
    );
  }
  return plan ? { situation, steps, plan } : { situation, steps };
}
