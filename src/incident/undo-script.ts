import { displayPath, shellQuote } from '../shell-quote.js';
import { arnName, type Change, type IngressPermission } from './changes.js';
import { describeChange } from './describe.js';
import type { ChangeEntry, Review } from './review.js';

/**
 * The undo script: the AWS CLI commands that undo what the review found, with IDs and regions
 * filled in, in the order that works (stop the credentials, then the spending, then delete the
 * identities; the exposed key last). The person reviews it and runs it with their own credentials.
 */

export interface UndoCommand {
  /** The arguments after `aws`. REVOKE_POLICY_ARG stands for the deny policy, dated when the script runs. */
  args: string[];
  /** What it undoes, and which event made it. */
  comment: string;
  /** Set when the command is written commented out, with what the person must do instead. */
  notRun?: string;
}

export interface UndoSection {
  title: string;
  commands: UndoCommand[];
  /** Advice printed as comments after the commands. */
  notes: string[];
}

/** The policy the IAM console's "Revoke active sessions" writes: credentials issued before it was written stop working. */
export const REVOKE_POLICY_NAME = 'AWSRevokeOlderSessions';
export const REVOKE_POLICY_ARG = '--policy-document=<deny everything to credentials issued before the script runs (aws:TokenIssueTime)>';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** The AWS CLI reads a parameter that starts like this from a file or a URL instead of using it. */
const PARAM_FILE = /^(file|fileb|https?):\/\//i;

const named = (option: string, value: string) => `--${option}=${value}`;
const when = (entry: ChangeEntry) => `${entry.createdBy.name} at ${entry.createdBy.time}${entry.createdBy.accessKeyId ? ` by ${entry.createdBy.accessKeyId}` : ''}`;
const live = (entry: ChangeEntry) => entry.existence.state !== 'gone';

/** An attacker chose this value: it must not reach the terminal raw, nor turn into a file read. */
function unsafeReason(args: string[]): string | undefined {
  for (const arg of args) {
    const value = arg.replace(/^--[a-z-]+=/, '');
    if (CONTROL.test(value)) return 'a name holds control characters: do this one in the AWS console';
    if (PARAM_FILE.test(value)) return 'a name starts like a file or URL the AWS CLI would read: do this one in the AWS console';
  }
  return undefined;
}

function command(args: string[], comment: string, notRun?: string): UndoCommand {
  const reason = notRun ?? unsafeReason(args);
  return reason ? { args, comment, notRun: reason } : { args, comment };
}

/** ipPermissions for revoke-security-group-ingress, in the API's shape. */
function apiPermissions(permissions: IngressPermission[]): string {
  return JSON.stringify(
    permissions.map((p) => ({
      IpProtocol: p.protocol,
      ...(p.fromPort !== undefined ? { FromPort: p.fromPort } : {}),
      ...(p.toPort !== undefined ? { ToPort: p.toPort } : {}),
      ...(p.cidrIpv4 ? { IpRanges: [{ CidrIp: p.cidrIpv4 }] } : {}),
      ...(p.cidrIpv6 ? { Ipv6Ranges: [{ CidrIpv6: p.cidrIpv6 }] } : {}),
      ...(p.sourceGroupId ? { UserIdGroupPairs: [{ GroupId: p.sourceGroupId }] } : {}),
      ...(p.prefixListId ? { PrefixListIds: [{ PrefixListId: p.prefixListId }] } : {}),
    })),
  );
}

type Of<K extends Change['kind']> = ChangeEntry & { change: Extract<Change, { kind: K }> };
function ofKind<K extends Change['kind']>(entries: ChangeEntry[], kind: K): Of<K>[] {
  return entries.filter((entry): entry is Of<K> => entry.change.kind === kind);
}

function cutOffCredentials(review: Review): UndoSection {
  const commands: UndoCommand[] = [];
  const { target, owner } = review;
  if (!target.temporary) {
    const args = ['iam', 'update-access-key', named('access-key-id', target.keyId), '--status', 'Inactive'];
    if (owner.type === 'Root') {
      commands.push(command(args, `the exposed key, a root user key: run this signed in as the root user (or delete it in the console: Security credentials)`));
    } else if (owner.userName) {
      commands.push(command([...args, named('user-name', owner.userName)], `the exposed key (IAM user ${owner.userName})`));
    } else {
      commands.push(
        command(args, 'the exposed key', `its IAM user is not known: \`aws iam get-access-key-last-used --access-key-id ${target.keyId}\` shows it; add --user-name=<UserName>`),
      );
    }
  } else if (owner.roleName) {
    commands.push(command(revokeRole(owner.roleName), `the exposed temporary key: revoke the sessions of the role it belongs to (${owner.roleName})`));
  } else {
    commands.push(command([], 'the exposed temporary key', 'the role that issued it is not known: revoke that role\'s sessions in the IAM console (Roles → <role> → Revoke active sessions)'));
  }
  for (const entry of ofKind(review.credentials, 'access-key').filter(live)) {
    const { keyId, userName } = entry.change;
    const user = userName ?? entry.existence.userName;
    const args = ['iam', 'update-access-key', named('access-key-id', keyId), '--status', 'Inactive', ...(user ? [named('user-name', user)] : [])];
    commands.push(command(args, `access key made by ${when(entry)}`, user ? undefined : 'its user is not known: add --user-name=<UserName>'));
  }
  for (const entry of ofKind(review.credentials, 'login-profile').filter(live)) {
    commands.push(command(['iam', 'delete-login-profile', named('user-name', entry.change.userName)], `console password made by ${when(entry)}`));
  }
  const revoked = new Set<string>();
  for (const entry of ofKind(review.credentials, 'temporary-credentials').filter(live)) {
    const { change } = entry;
    const expiry = change.expiration ? `, valid until ${change.expiration}` : '';
    const what = `${change.keyId ?? 'temporary credentials'} from ${when(entry)}${expiry}`;
    if (change.via === 'AssumeRole') {
      const role = arnName(change.roleArn);
      if (!role || revoked.has(`role ${role}`)) continue;
      revoked.add(`role ${role}`);
      commands.push(command(revokeRole(role), `sessions of role ${role}: ${what}`));
    } else if (change.issuer?.type === 'IAMUser' && change.issuer.userName) {
      if (revoked.has(`user ${change.issuer.userName}`)) continue;
      revoked.add(`user ${change.issuer.userName}`);
      commands.push(
        command(
          ['iam', 'put-user-policy', named('user-name', change.issuer.userName), named('policy-name', REVOKE_POLICY_NAME), REVOKE_POLICY_ARG],
          `temporary credentials of IAM user ${change.issuer.userName}: ${what}`,
        ),
      );
    } else {
      commands.push(command([], what, `credentials a root user obtained cannot be revoked: they stop working when they expire${expiry}`));
    }
  }
  return {
    title: 'Cut off the credentials: deactivate the keys, remove console passwords, revoke sessions',
    commands,
    notes: ['Sessions are revoked with an inline deny policy, as the IAM console\'s "Revoke active sessions" does; delete that policy once nothing uses the old sessions.'],
  };
}

const revokeRole = (roleName: string) => ['iam', 'put-role-policy', named('role-name', roleName), named('policy-name', REVOKE_POLICY_NAME), REVOKE_POLICY_ARG];

function regionSection(review: Review, region: string): UndoSection | undefined {
  const here = review.resources.filter((entry) => entry.region === region);
  const commands: UndoCommand[] = [];
  const spot = ofKind(here, 'spot-request').filter(live);
  if (spot.length > 0) {
    commands.push(
      command(
        ['ec2', 'cancel-spot-instance-requests', '--region', region, '--spot-instance-request-ids', ...spot.map((entry) => entry.change.requestId)],
        `Spot requests made by ${spot.map(when).join('; ')}`,
      ),
    );
  }
  // Instances it started, and the ones its Spot requests started (cancelling a request leaves them running).
  const instances = new Map<string, string>();
  for (const entry of ofKind(here, 'instance').filter(live)) instances.set(entry.change.instanceId, `${entry.change.instanceType ?? 'instance'} from ${when(entry)}`);
  for (const entry of ofKind(here, 'spot-request')) {
    const instanceId = entry.existence.instanceId;
    if (instanceId && !instances.has(instanceId)) instances.set(instanceId, `started by Spot request ${entry.change.requestId}`);
  }
  if (instances.size > 0) {
    commands.push(
      command(
        ['ec2', 'terminate-instances', '--region', region, '--instance-ids', ...instances.keys()],
        `instances: ${[...instances].map(([id, why]) => `${id} (${why})`).join('; ')}`,
      ),
    );
  }
  for (const entry of ofKind(here, 'lambda-function').filter(live)) {
    commands.push(command(['lambda', 'delete-function', '--region', region, named('function-name', entry.change.functionName)], `Lambda function made by ${when(entry)}`));
  }
  for (const entry of ofKind(here, 'ingress-rule').filter(live)) {
    const { groupId, ruleIds, permissions } = entry.change;
    const rule = ruleIds.length > 0 ? ['--security-group-rule-ids', ...ruleIds] : [named('ip-permissions', apiPermissions(permissions))];
    commands.push(command(['ec2', 'revoke-security-group-ingress', '--region', region, named('group-id', groupId), ...rule], `ingress rule added by ${when(entry)}`));
  }
  for (const entry of ofKind(here, 'key-pair').filter(live)) {
    const id = entry.change.keyPairId ?? entry.existence.keyPairId;
    const which = id ? named('key-pair-id', id) : named('key-name', entry.change.keyName ?? '');
    commands.push(command(['ec2', 'delete-key-pair', '--region', region, which], `key pair ${displayPath(entry.change.keyName ?? id ?? '')} made by ${when(entry)}`));
  }
  const groups = ofKind(here, 'security-group').filter(live);
  if (groups.length > 0 && instances.size > 0) {
    commands.push(command(['ec2', 'wait', 'instance-terminated', '--region', region, '--instance-ids', ...instances.keys()], 'a security group in use cannot be deleted: wait for the instances to end'));
  }
  for (const entry of groups) {
    commands.push(command(['ec2', 'delete-security-group', '--region', region, named('group-id', entry.change.groupId)], `security group made by ${when(entry)}`));
  }
  if (commands.length === 0) return undefined;
  return { title: `Stop and delete what it started in ${region}`, commands, notes: [] };
}

function deleteIdentities(review: Review): UndoSection {
  const commands: UndoCommand[] = [];
  const credentials = review.credentials;
  const createdUsers = new Set(ofKind(credentials, 'user').map((entry) => entry.change.userName));
  for (const entry of ofKind(credentials, 'access-key').filter(live)) {
    const user = entry.change.userName ?? entry.existence.userName;
    commands.push(
      command(
        ['iam', 'delete-access-key', named('access-key-id', entry.change.keyId), ...(user ? [named('user-name', user)] : [])],
        `access key made by ${when(entry)}`,
        user ? undefined : 'its user is not known: add --user-name=<UserName>',
      ),
    );
  }
  for (const entry of ofKind(credentials, 'user-policy').filter(live)) {
    const { userName, policyArn, policyName } = entry.change;
    if (createdUsers.has(userName)) continue; // with the user, below
    commands.push(command(userPolicyArgs(userName, policyArn, policyName), `policy given to existing user ${userName} by ${when(entry)}`));
  }
  for (const entry of ofKind(credentials, 'group-membership').filter(live)) {
    if (createdUsers.has(entry.change.userName)) continue;
    commands.push(
      command(['iam', 'remove-user-from-group', named('user-name', entry.change.userName), named('group-name', entry.change.groupName)], `group membership added by ${when(entry)}`),
    );
  }
  for (const entry of ofKind(credentials, 'user').filter(live)) {
    const userName = entry.change.userName;
    const details = review.userDetails.get(userName);
    const policies = ofKind(credentials, 'user-policy').filter((e) => e.change.userName === userName);
    const memberships = ofKind(credentials, 'group-membership').filter((e) => e.change.userName === userName);
    for (const key of details?.accessKeys ?? []) {
      commands.push(command(['iam', 'delete-access-key', named('access-key-id', key.keyId), named('user-name', userName)], `a key of user ${userName}, which it created`));
    }
    if (details?.hasLoginProfile !== false) {
      commands.push(command(['iam', 'delete-login-profile', named('user-name', userName)], `console password of user ${userName}, if it has one`));
    }
    const attached = new Set([...(details?.attachedPolicyArns ?? []), ...policies.flatMap((e) => e.change.policyArn ?? [])]);
    const inline = new Set([...(details?.inlinePolicyNames ?? []), ...policies.flatMap((e) => e.change.policyName ?? [])]);
    const groups = new Set([...(details?.groupNames ?? []), ...memberships.map((e) => e.change.groupName)]);
    for (const arn of attached) commands.push(command(userPolicyArgs(userName, arn, undefined), `policy of user ${userName}`));
    for (const name of inline) commands.push(command(userPolicyArgs(userName, undefined, name), `inline policy of user ${userName}`));
    for (const group of groups) commands.push(command(['iam', 'remove-user-from-group', named('user-name', userName), named('group-name', group)], `group of user ${userName}`));
    commands.push(command(['iam', 'delete-user', named('user-name', userName)], `user made by ${when(entry)}`));
  }
  const createdRoles = new Set(ofKind(credentials, 'role').map((entry) => entry.change.roleName));
  for (const entry of ofKind(credentials, 'role-policy').filter(live)) {
    const { roleName, policyArn, policyName } = entry.change;
    const args = policyArn
      ? ['iam', 'detach-role-policy', named('role-name', roleName), named('policy-arn', policyArn)]
      : ['iam', 'delete-role-policy', named('role-name', roleName), named('policy-name', policyName ?? '')];
    commands.push(command(args, `policy given to ${createdRoles.has(roleName) ? '' : 'existing '}role ${roleName} by ${when(entry)}`));
  }
  for (const entry of ofKind(credentials, 'role').filter(live)) {
    commands.push(command(['iam', 'delete-role', named('role-name', entry.change.roleName)], `role made by ${when(entry)}`));
  }
  for (const entry of ofKind(credentials, 'policy').filter(live)) {
    commands.push(command(['iam', 'delete-policy', named('policy-arn', entry.change.policyArn)], `policy made by ${when(entry)}`));
  }
  return {
    title: 'Delete the IAM users, keys, roles and policies it made',
    commands,
    notes: [
      'If delete-user fails with DeleteConflict, the user still has an MFA device, SSH key, signing certificate or service credential: remove it in the IAM console, then delete the user.',
      'If delete-role fails, remove the role from its instance profiles first (aws iam list-instance-profiles-for-role).',
    ],
  };
}

const userPolicyArgs = (userName: string, policyArn: string | undefined, policyName: string | undefined) =>
  policyArn
    ? ['iam', 'detach-user-policy', named('user-name', userName), named('policy-arn', policyArn)]
    : ['iam', 'delete-user-policy', named('user-name', userName), named('policy-name', policyName ?? '')];

function deleteExposedKey(review: Review): UndoSection | undefined {
  const { target, owner } = review;
  if (target.temporary) return undefined;
  const args = ['iam', 'delete-access-key', named('access-key-id', target.keyId), ...(owner.userName && owner.type !== 'Root' ? [named('user-name', owner.userName)] : [])];
  const notRun = owner.userName || owner.type === 'Root' ? undefined : 'its IAM user is not known: add --user-name=<UserName>';
  return {
    title: 'Last: delete the exposed key, once your applications use a new one',
    commands: [command(args, 'the exposed key', notRun)],
    notes: [],
  };
}

/** The sections of the undo script, in the order they must run; duplicates removed. */
export function undoPlan(review: Review): UndoSection[] {
  const sections = [
    cutOffCredentials(review),
    ...review.regions
      .concat(review.resources.map((entry) => entry.region))
      .filter((region, i, all) => all.indexOf(region) === i)
      .sort()
      .map((region) => regionSection(review, region))
      .filter((section): section is UndoSection => section !== undefined),
    deleteIdentities(review),
    deleteExposedKey(review),
  ].filter((section): section is UndoSection => section !== undefined);
  const seen = new Set<string>();
  for (const section of sections) {
    section.commands = section.commands.filter((c) => {
      if (c.args.length === 0) return true;
      const key = c.args.join('\u0000');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  return sections;
}

/** A comment line: nothing an attacker named can end it and start a command. */
const comment = (text: string) => `# ${text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => displayPath(c).slice(1, -1))}`;

function renderArgs(args: string[]): string {
  return args.map((arg) => (arg === REVOKE_POLICY_ARG ? '--policy-document="$(revoke_policy)"' : shellQuote(arg))).join(' ');
}

export function undoScript(review: Review, sections: UndoSection[], folder: string): string {
  const rounds = review.rounds.map((round) => round.round);
  const lines = [
    '#!/bin/sh',
    comment(`keyguard incident --undo: undoes what ${review.target.keyId} and the credentials made from it did,`),
    comment(
      `as far as the CloudTrail events of round${rounds.length > 1 ? 's' : ''} ${rounds.join(', ')}${review.latestCollection ? ` (collected up to ${review.latestCollection})` : ''} show.`,
    ),
    '#',
    '# REVIEW EVERY LINE FIRST: these commands delete things. Keep what is yours; lines starting with',
    '# "# not run:" need you. Run it with YOUR administrator credentials (never an exposed key): sh undo.sh',
    '# A command that fails (say, the resource is already gone) does not stop the others.',
    comment(`Afterwards, collect again and review, to check that all of it is gone: keyguard incident --review ${folder} --collect`),
    'set -u',
    "export AWS_PAGER=''",
    '# IAM has no region, but the AWS CLI wants one: the configured one, else us-east-1.',
    'home_region=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null)}}',
    'export AWS_DEFAULT_REGION="${home_region:-us-east-1}"',
    'ran=0 failed=0',
    'run() {',
    '  ran=$((ran + 1))',
    "  printf '+ aws'; printf ' %s' \"$@\"; printf '\\n'",
    '  aws "$@"',
    '  status=$?',
    '  if [ "$status" -ne 0 ]; then failed=$((failed + 1)); echo "  failed (exit status $status); going on"; fi',
    '}',
    '# The deny policy of the IAM console\'s "Revoke active sessions": credentials issued before now stop working.',
    'revoke_policy() {',
    `  printf '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"%s"}}}]}' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"`,
    '}',
  ];
  sections.forEach((section, i) => {
    lines.push('', comment(`${i + 1}. ${section.title}`));
    for (const c of section.commands) {
      lines.push(comment(c.comment));
      if (c.notRun) lines.push(comment(`not run: ${c.notRun}${c.args.length > 0 ? `: aws ${c.args.join(' ')}` : ''}`));
      else lines.push(`run ${renderArgs(c.args)}`);
    }
    if (section.commands.length === 0) lines.push('# (nothing to do)');
    for (const note of section.notes) lines.push(comment(note));
  });
  const gone = [...review.credentials, ...review.resources].filter((entry) => entry.existence.state === 'gone');
  if (gone.length > 0) {
    lines.push('', comment(`Already gone according to the inventory${review.latestCollection ? ` of ${review.latestCollection}` : ''}: nothing to do for`));
    for (const entry of gone) lines.push(comment(`  ${describeChange(entry.change)} (${entry.region}): ${entry.existence.detail ?? 'gone'}`));
  }
  lines.push(
    '',
    'echo',
    'echo "Ran $ran commands; $failed failed."',
    `echo ${shellQuote(`Now collect again to check that it is all gone: keyguard incident --review ${folder} --collect > collect-${review.nextRound}.sh`)}`,
    '[ "$failed" -eq 0 ]',
    '',
  );
  return lines.join('\n');
}
