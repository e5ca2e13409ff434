import { SEVERITY, type Exposure } from '../git/exposure.js';
import { printableShellWord } from '../shell-quote.js';
import { COMMIT_HEADER_PATH, MESSAGE_PATH } from '../scan/message.js';
import { TAG_PATH } from '../scan/push.js';
import type { Finding } from '../scan/types.js';
import { describeSubject, isOtherKind, otherCredentialPlan, type OtherSubject } from './other-plans.js';
import { compromisedKeyPlan, type PlanStep } from './plan.js';

/**
 * What was scanned: the next commit, its message, named files, the tracked tree, the commits about
 * to be pushed, or history.
 */
export type Scope = 'staged' | 'message' | 'files' | 'all' | 'push' | 'history';

/** How far the credentials have travelled, the worst of the findings: pushed > unknown > committed > staged. */
export type Situation = Exposure['state'];


const short = (commit: string) => commit.slice(0, 12);

export function situationOf(findings: Finding[]): Situation {
  let worst: Situation = 'staged';
  for (const finding of findings) {
    const state = finding.exposure?.state ?? (finding.commit ? 'committed' : 'staged');
    if (SEVERITY[state] > SEVERITY[worst]) worst = state;
  }
  return worst;
}

/** The one-line situation of a finding, as the report shows it beside the finding. */
export function describeExposure(finding: Finding): string {
  const exposure = finding.exposure;
  if (!exposure) {
    if (finding.commit) return `in commit ${short(finding.commit)}`;
    const tag = tagOf(finding);
    return tag ? `in the local tag ${tag}` : '';
  }
  switch (exposure.state) {
    case 'staged':
      return 'not in any commit yet';
    case 'committed':
      return `in local commit ${exposure.commits.map(short).join(', ')}, not pushed`;
    case 'pushed':
      return `PUSHED: in ${exposure.remoteRefs.length > 0 ? exposure.remoteRefs.join(', ') : 'a remote branch'} (commit ${short(exposure.commits[0]!)})`;
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
  /** The compromised-key plan, when a key was pushed (or may have been); `subject` names what it is about when that is not an access key. */
  plan?: { keyFinding: Finding | undefined; subject?: string; steps: PlanStep[] };
}

const MOVE_OUT =
  'Remove the credentials from the file(s) above. Let the code read them from an AWS profile ' +
  '(`aws configure`, `aws sso login`), environment variables, or a secrets manager instead.';

const NOT_LEFT =
  'No rotation is needed if the key never left this machine; if you also pasted it somewhere (chat, e-mail, a ticket), ' +
  'deactivate and replace it: `keyguard incident <access key ID>` prints how.';

function credentialFiles(paths: string[]): boolean {
  return paths.some((path) => /(^|\/)(\.env[^/]*|credentials|\.aws\/[^/]*)$/.test(path));
}

/** The tag a finding was reported in (pre-push), as people name it. */
function tagOf(finding: Finding): string | undefined {
  return TAG_PATH.exec(finding.path)?.[2]?.replace(/^refs\/tags\//, '');
}

function rewriteSteps(findings: Finding[]): string[] {
  const inFiles = findings.filter((f) => f.path !== MESSAGE_PATH && f.path !== COMMIT_HEADER_PATH && tagOf(f) === undefined);
  const inMessages = findings.some((f) => f.path === MESSAGE_PATH);
  const inHeaders = findings.some((f) => f.path === COMMIT_HEADER_PATH);
  const tags = [...new Set(findings.map(tagOf).filter((tag): tag is string => tag !== undefined))];
  const pathList = [...new Set(inFiles.map((f) => f.path))].map(printableShellWord).join(' ');
  const commits = [
    ...new Set(findings.flatMap((f) => (f.exposure?.state === 'committed' ? f.exposure.commits : f.commit ? [f.commit] : [])).map(short)),
  ];
  const oldest = commits[0] ?? 'HEAD~1';
  const steps: string[] = [];
  if (commits.length > 0) {
    steps.push(
      `The credentials are in local commits that are not pushed (${commits.join(', ')}). Deleting them in a new commit is not ` +
        'enough: the old commits would still be pushed. Rewrite your local history first.',
    );
    const fix = [inFiles.length > 0 ? `remove the credentials from ${pathList}, \`git add\` the file(s)` : '', inMessages ? 'edit the message' : '']
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
  steps.push('Check before pushing: `keyguard check --history @{upstream}..HEAD` (or `origin/main..HEAD`) must find nothing.');
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

/** A credential that is not an access key pair, pushed or maybe pushed: its own plan. */
function otherRemediation(situation: Situation, finding: Finding, kind: OtherSubject['kind']): Remediation {
  const subject: OtherSubject = { kind, accountId: finding.accountId, details: finding.details };
  const steps = [
    situation === 'pushed'
      ? `Treat ${describeSubject(subject)} as compromised now: it is in a pushed commit. Leaked keys are used within minutes, ` +
        'to run models or instances on your bill; deactivating it is what stops that, deleting the file or rewriting history does not.'
      : `keyguard could not tell whether ${describeSubject(subject)} was pushed. If it was, treat it as compromised and follow the plan below.`,
    `For the plan with everything filled in: \`keyguard incident ${incidentTarget(finding)}\``,
  ];
  return { situation, steps, plan: { keyFinding: undefined, subject: describeSubject(subject), steps: otherCredentialPlan(subject) } };
}

/** The steps for the situation, in the order to do them. */
export function remediationFor(scope: Scope, findings: Finding[]): Remediation {
  const paths = [...new Set(findings.map((finding) => finding.path))];
  const pathList = paths.map(printableShellWord).join(' ');
  const situation = situationOf(findings);
  const steps: string[] = [];

  if (scope === 'message') {
    steps.push('Write the commit message again without the credential: `git commit` (your text is kept in .git/COMMIT_EDITMSG).');
  } else if (situation === 'pushed' || situation === 'unknown') {
    const keyFinding = planKeyFinding(findings, situation);
    const exposedPair = findings.some((f) => (f.exposure?.state ?? 'staged') === situation && !isOtherKind(f.kind));
    const other = findings.find((f) => (f.exposure?.state ?? 'staged') === situation && isOtherKind(f.kind));
    if (other && !exposedPair && isOtherKind(other.kind)) return otherRemediation(situation, other, other.kind);
    if (situation === 'pushed') {
      steps.push(
        'Treat the key as compromised now: it is in a pushed commit. Bots scan public pushes within minutes; in one case, ' +
          'instances were running in every Asia and EU region nine minutes after the push. Rotating the key is what stops them; ' +
          'deleting the file or rewriting history does not.',
      );
    } else {
      steps.push(
        `keyguard could not tell whether the key was pushed. Check: \`git log --oneline --remotes -S<the ${keyFinding ? 'key ID' : 'secret'}>\`. ` +
          'If it lists anything, the key is public: treat it as compromised and follow the plan below.',
      );
    }
    const exposed = findings.filter((f) => f.exposure?.state === situation);
    const temporary = keyFinding ? keyFinding.redacted.startsWith('ASIA') : exposed.every((f) => f.kind === 'session-token');
    const plan = compromisedKeyPlan({ keyId: keyFinding?.redacted ?? UNKNOWN_KEY_ID, accountId: keyFinding?.accountId, temporary });
    if (keyFinding) {
      steps.push(`For every command with the key filled in, and a script that checks every region: \`keyguard incident ${incidentTarget(keyFinding)}\``);
    } else {
      steps.push(
        'The access key ID that goes with the exposed secret is not in these files. Find it: next to the secret in ' +
          '~/.aws/credentials or wherever you copied the secret from, or in the IAM console (Users → Security credentials, ' +
          'the key whose secret you copied); then `keyguard incident <access key ID>` prints every command with it filled in.',
      );
    }
    return { situation, steps, plan: { keyFinding, steps: plan } };
  } else if (situation === 'committed' || scope === 'push') {
    steps.push(...rewriteSteps(findings), NOT_LEFT);
  } else if (scope === 'staged') {
    steps.push(MOVE_OUT, `Stage the fixed file(s) and commit again: \`git add -- ${pathList}\``);
    if (credentialFiles(paths)) steps.push('Credential files do not belong in git: add them to .gitignore, and unstage them with `git restore --staged <file>`.');
    steps.push(NOT_LEFT);
  } else {
    steps.push(MOVE_OUT);
    if (credentialFiles(paths)) steps.push('Credential files do not belong in git: add them to .gitignore, and `git rm --cached <file>`.');
    steps.push(NOT_LEFT);
  }
  return { situation, steps };
}
