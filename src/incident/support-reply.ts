import { plural } from '../report/labels.js';
import { displayPath } from '../shell-quote.js';
import type { ChangeKind } from './changes.js';
import type { ChangeEntry, Review } from './review.js';

/**
 * A draft reply to the AWS support case (or abuse report) about the incident: what happened, with
 * the dates from CloudTrail; what was done (left for the person to date, since keyguard cannot
 * know when they ran the undo script); what was changed so that it does not happen again. AWS asks
 * for these before it reviews the charges. Lines are paragraphs; "- " starts a list item; "[...]"
 * marks what the person must fill in or check.
 */

const day = (time: string) => `${time.slice(0, 10)} ${time.slice(11, 19)} UTC`;

const NOUNS: Partial<Record<ChangeKind, [string, string]>> = {
  instance: ['EC2 instance', 'EC2 instances'],
  'spot-request': ['Spot request', 'Spot requests'],
  'lambda-function': ['Lambda function', 'Lambda functions'],
  'key-pair': ['key pair', 'key pairs'],
  'security-group': ['security group', 'security groups'],
  'ingress-rule': ['security group rule', 'security group rules'],
  user: ['IAM user', 'IAM users'],
  'access-key': ['access key', 'access keys'],
  'login-profile': ['console password', 'console passwords'],
  role: ['role', 'roles'],
  policy: ['policy', 'policies'],
  'user-policy': ['user policy', 'user policies'],
  'role-policy': ['role policy', 'role policies'],
  'group-membership': ['group membership', 'group memberships'],
  'temporary-credentials': ['set of temporary credentials', 'sets of temporary credentials'],
};

/** "3 EC2 instances (eu-west-1, ap-south-1), 1 IAM user" */
function summarize(entries: ChangeEntry[]): string {
  const byKind = new Map<ChangeKind, ChangeEntry[]>();
  for (const entry of entries) {
    const list = byKind.get(entry.change.kind);
    if (list) list.push(entry);
    else byKind.set(entry.change.kind, [entry]);
  }
  return [...byKind]
    .map(([kind, list]) => {
      const [one, many] = NOUNS[kind] ?? [kind, `${kind}s`];
      const regions = [...new Set(list.map((entry) => entry.region))].sort();
      return `${plural(list.length, one, many)}${kind === 'instance' || kind === 'spot-request' ? ` (${regions.join(', ')})` : ''}`;
    })
    .join(', ');
}

export function supportReply(review: Review): string[] {
  const { target, events } = review;
  const account = review.rounds.find((round) => round.accountId)?.accountId ?? target.accountId ?? '[account ID]';
  const everything = [...review.credentials, ...review.resources];
  const first = events[0];
  const last = events[events.length - 1];
  // Addresses come from the records: shown with control characters escaped.
  const ips = [...new Set(events.flatMap((e) => (e.sourceIp ? [displayPath(e.sourceIp)] : [])))];
  const regions = [...new Set(events.map((e) => e.region))].sort();
  const still = everything.filter((entry) => entry.existence.state !== 'gone');
  const owner = review.owner.userName ? ` (IAM user ${review.owner.userName})` : review.owner.type === 'Root' ? ' (a root user key)' : '';

  const lines: string[] = [
    `Subject: Unauthorized use of access key ${target.keyId} in account ${account}`,
    '',
    'Hello,',
    '',
    'Thank you for contacting us. Here is what happened, what we have done and what we changed so that it does not happen again.',
    '',
    'What happened',
    `- Our access key ${target.keyId}${owner} was exposed [how and when, e.g. "in a public GitHub repository at 2026-03-01 21:25 UTC"].`,
  ];
  if (first && last) {
    lines.push(
      `- CloudTrail shows it was used between ${day(first.time)} and ${day(last.time)}, in ${plural(regions.length, 'region')} (${regions.join(', ')})` +
        `${ips.length > 0 ? `, from ${ips.slice(0, 8).join(', ')}${ips.length > 8 ? ` and ${ips.length - 8} more addresses` : ''}` : ''}.`,
    );
  } else {
    lines.push('- CloudTrail shows no event of it in the last 90 days [check: were all regions collected?].');
  }
  if (everything.length > 0) lines.push(`- With it, and with credentials made from it, someone created: ${summarize(everything)}.`);
  const rounds = review.rounds.length;
  lines.push(
    `- We reviewed the CloudTrail event history of the key${rounds > 1 ? ' and of every credential made from it' : ''} in all ${plural(review.regions.length, 'enabled region')}.`,
    '',
    'What we have done',
    target.temporary
      ? `- [date] Revoked the sessions of the role that issued ${target.keyId}.`
      : `- [date] Deactivated, then deleted, the exposed access key ${target.keyId}.`,
  );
  const credentials = review.credentials.filter((entry) => entry.change.kind === 'access-key' || entry.change.kind === 'user' || entry.change.kind === 'login-profile');
  if (credentials.length > 0) lines.push(`- [date] Deleted what was created with it: ${summarize(credentials)}.`);
  if (review.credentials.some((entry) => entry.change.kind === 'temporary-credentials')) {
    lines.push('- [date] Revoked the temporary credentials obtained with it (role sessions revoked; the rest expired).');
  }
  if (review.resources.length > 0) lines.push(`- [date] Terminated and deleted: ${summarize(review.resources)}.`);
  if (everything.length > 0 && review.latestCollection) {
    lines.push(
      still.length === 0
        ? `- On ${day(review.latestCollection)} we checked every enabled region again: none of these exist any more.`
        : `- [Collected on ${day(review.latestCollection)}, ${still.length} of them still existed: run the undo script, collect again, then change this line.]`,
    );
  }
  lines.push(
    '- [date] Changed the root user password and the passwords of every IAM user; deleted IAM users and keys we do not need.',
    '- [date] Removed the key from our git history, and our repositories now block AWS credentials in commits (a pre-commit hook).',
    '',
    'What we changed so that it does not happen again [keep only what you did]',
    '- MFA is on for the root user and for every IAM user.',
    '- A billing alarm (CloudWatch) and an AWS Budgets alert e-mail us when charges pass [amount].',
    '- A CloudTrail trail records every region to S3, and CloudWatch alarms tell us about unusual activity.',
    '- [GuardDuty / Security Hub / Trusted Advisor security checks are on.]',
    '',
    'We confirm that we have read the AWS Customer Agreement and the shared responsibility model. The charges since ' +
      `${first ? day(first.time) : '[date]'} come from this unauthorized use; we ask you to review them and consider waiving them.`,
    '',
    'Regards,',
    '[your name]',
  );
  return lines;
}
