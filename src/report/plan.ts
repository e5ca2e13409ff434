/**
 * The plan for an AWS key that has escaped: what AWS support and cloud partners ask a customer to
 * do, in order, each step with the AWS page it comes from. Pure: key and account in, steps out.
 * keyguard itself never calls AWS; the commands are for the person, run with their own credentials.
 */

export interface Link {
  title: string;
  url: string;
}

export interface PlanStep {
  title: string;
  /** What to do and why, in a sentence or two. */
  text: string;
  /** Commands with the key and account filled in (shell, AWS CLI). */
  commands: string[];
  links: Link[];
}

export const LINKS = {
  accessKeys: { title: 'Manage access keys for IAM users', url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html' },
  compromise: {
    title: 'What do I do if I notice unauthorized activity in my AWS account?',
    url: 'https://repost.aws/knowledge-center/potential-account-compromise',
  },
  cloudTrail: { title: 'Viewing CloudTrail events with the AWS CLI', url: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events-cli.html' },
  revokeSessions: { title: 'Revoke IAM role temporary security credentials', url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html' },
  iamBestPractices: { title: 'Security best practices in IAM', url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html' },
  accountBestPractices: {
    title: 'What are some best practices for securing my AWS account and its resources?',
    url: 'https://repost.aws/knowledge-center/security-best-practices',
  },
  rootUser: { title: 'AWS account root user (MFA, access keys)', url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html' },
  billingAlarm: {
    title: 'Create a billing alarm to monitor your estimated AWS charges',
    url: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/monitor_estimated_charges_with_cloudwatch.html',
  },
  abuseReport: { title: 'What do I do when I receive an abuse report from AWS?', url: 'https://repost.aws/knowledge-center/aws-abuse-report' },
  sharedResponsibility: { title: 'Shared responsibility model', url: 'https://aws.amazon.com/compliance/shared-responsibility-model/' },
  removeSensitiveData: {
    title: 'GitHub: removing sensitive data from a repository',
    url: 'https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/removing-sensitive-data-from-a-repository',
  },
} as const satisfies Record<string, Link>;

/** A region loop for the AWS CLI: the regions enabled for the account (what describe-regions lists). */
const EVERY_REGION = `for region in $(aws ec2 describe-regions --query 'Regions[].RegionName' --output text); do`;

export interface PlanSubject {
  /** The access key ID as it should appear in commands (in full for `keyguard incident`). */
  keyId: string;
  accountId?: string;
  /** An ASIA key: temporary credentials from STS, which cannot be deactivated, only outlived. */
  temporary: boolean;
}

export function compromisedKeyPlan(subject: PlanSubject): PlanStep[] {
  const { keyId, accountId } = subject;
  const account = accountId ? ` (account ${accountId})` : '';
  const first: PlanStep = subject.temporary
    ? {
        title: 'Cut the temporary credentials off now',
        text:
          `${keyId}${account} is a temporary (STS) key: it cannot be deactivated, and it stays valid until it expires. ` +
          'Revoke the active sessions of the role that issued it, and rotate the long-term credentials that could assume that role.',
        commands: [
          `aws sts get-access-key-info --access-key-id ${keyId}   # confirms the account`,
          `${EVERY_REGION} aws cloudtrail lookup-events --region "$region" --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=${keyId} --max-items 5; done   # shows the role`,
          '# IAM console → Roles → <the role> → Revoke active sessions',
        ],
        links: [LINKS.revokeSessions, LINKS.compromise],
      }
    : {
        title: 'Deactivate the exposed key now, then replace it',
        text:
          `Deactivate ${keyId}${account} at once. Create a replacement, move your applications to it, then delete the exposed key. ` +
          'If it is a root user key, delete it: the root user should have no access keys at all.',
        commands: [
          `aws iam get-access-key-last-used --access-key-id ${keyId}   # shows the IAM user (UserName) it belongs to`,
          `aws iam update-access-key --access-key-id ${keyId} --status Inactive --user-name <UserName>`,
          'aws iam create-access-key --user-name <UserName>   # move applications to this new key',
          `aws iam delete-access-key --access-key-id ${keyId} --user-name <UserName>`,
        ],
        links: [LINKS.accessKeys, LINKS.rootUser],
      };
  return [
    first,
    {
      title: 'Review CloudTrail in every region for what the key did',
      text:
        'Not only your usual region: attackers use them all. Look for new IAM users, access keys, login profiles, policies and ' +
        'roles (CreateUser, CreateAccessKey, CreateLoginProfile, Attach*Policy, Put*Policy, CreateRole), and for temporary ' +
        'credentials (AssumeRole, GetSessionToken, GetFederationToken), which outlive the key: revoke the sessions of roles it assumed.',
      commands: [
        `${EVERY_REGION} echo "== $region"; aws cloudtrail lookup-events --region "$region" --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=${keyId} --query 'Events[].[EventTime,EventName,Username]' --output table; done`,
      ],
      links: [LINKS.cloudTrail, LINKS.revokeSessions, LINKS.compromise],
    },
    {
      title: 'Find and delete resources you did not create, in every region',
      text:
        'Attackers start large EC2 instances in every region for mining within minutes, plus Spot requests and Lambda functions. ' +
        'Check the bill (Billing → Bills, Cost Explorer) for services and regions you do not use. Delete what is not yours.',
      commands: [
        `${EVERY_REGION} echo "== $region"; aws ec2 describe-instances --region "$region" --filters Name=instance-state-name,Values=pending,running --query 'Reservations[].Instances[].[InstanceId,InstanceType,LaunchTime]' --output table; aws ec2 describe-spot-instance-requests --region "$region" --filters Name=state,Values=open,active --query 'SpotInstanceRequests[].[SpotInstanceRequestId,State]' --output table; aws lambda list-functions --region "$region" --query 'Functions[].[FunctionName,LastModified]' --output table; done`,
      ],
      links: [LINKS.compromise],
    },
    {
      title: 'Change the passwords; delete IAM users you did not create',
      text: 'Change the root user password and every IAM user password. Delete IAM users, and their access keys, that you did not create.',
      commands: ['aws iam list-users --query \'Users[].[UserName,CreateDate]\' --output table'],
      links: [LINKS.compromise, LINKS.iamBestPractices],
    },
    {
      title: 'Turn on MFA and set alarms',
      text:
        'Turn on MFA for the root user and for every IAM user. Set a billing alarm or budget, and CloudWatch alarms, so that ' +
        'the next surprise costs minutes, not days.',
      commands: [],
      links: [LINKS.rootUser, LINKS.billingAlarm, LINKS.accountBestPractices],
    },
    {
      title: 'Answer AWS within 24 hours',
      text:
        'If AWS opened a support case or sent an abuse report, answer it within 24 hours (after that AWS may suspend the account): ' +
        'confirm the steps above, and ask for a review of the charges the unauthorised use caused.',
      commands: [],
      links: [LINKS.abuseReport, LINKS.sharedResponsibility],
    },
    {
      title: 'Purge the key from git history',
      text:
        'Rewrite history to remove the key, force-push, and ask the hosting service to clear cached views and pull-request refs. ' +
        'Rewriting history does not un-leak a pushed key: rotating it (step 1) does.',
      commands: [
        `printf '%s\\n' '${keyId}' > /tmp/keyguard-replacements.txt   # add the secret key too, one value per line`,
        'git filter-repo --replace-text /tmp/keyguard-replacements.txt && git push --force --all && git push --force --tags',
      ],
      links: [LINKS.removeSensitiveData],
    },
  ];
}

/** A script the person reviews and runs with their own AWS CLI credentials: the key's trail and running instances everywhere. */
export function incidentScript(keyId: string): string {
  return [
    '#!/bin/sh',
    `# Written by keyguard for ${keyId}. Review it, then run it with YOUR AWS CLI credentials (not the exposed key).`,
    '# It only reads: CloudTrail events by the key (last 90 days) and running EC2 instances and Spot requests, in every enabled region.',
    'set -u',
    `key_id='${keyId}'`,
    `${EVERY_REGION}`,
    '  echo "=== $region: CloudTrail events by $key_id"',
    '  aws cloudtrail lookup-events --region "$region" --lookup-attributes "AttributeKey=AccessKeyId,AttributeValue=$key_id" \\',
    "    --query 'Events[].[EventTime,EventName,Username,EventSource]' --output table",
    '  echo "=== $region: running EC2 instances"',
    '  aws ec2 describe-instances --region "$region" --filters Name=instance-state-name,Values=pending,running \\',
    "    --query 'Reservations[].Instances[].[InstanceId,InstanceType,LaunchTime,KeyName]' --output table",
    '  echo "=== $region: open Spot requests"',
    '  aws ec2 describe-spot-instance-requests --region "$region" --filters Name=state,Values=open,active \\',
    "    --query 'SpotInstanceRequests[].[SpotInstanceRequestId,State,CreateTime]' --output table",
    'done',
    '',
  ].join('\n');
}
