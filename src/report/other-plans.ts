import { redact } from '../detect/identity.js';
import type { CredentialDetails, CredentialKind } from '../detect/types.js';
import { LINKS, type Link, type PlanStep } from './plan.js';

/**
 * The plans for credentials that are not access key pairs, in the order to follow them. Like the
 * access-key plan, they are for the person, run with their own credentials; keyguard calls nothing.
 */

export const OTHER_LINKS = {
  bedrockKeys: { title: 'Amazon Bedrock API keys', url: 'https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html' },
  serviceCredentials: {
    title: 'Service-specific credentials for IAM users',
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_service-specific-creds.html',
  },
  codecommitCredentials: { title: 'CodeCommit HTTPS Git credentials', url: 'https://docs.aws.amazon.com/codecommit/latest/userguide/setting-up-gc.html' },
  ssoSessions: {
    title: 'IAM Identity Center: delete or revoke active sessions',
    url: 'https://docs.aws.amazon.com/singlesignon/latest/userguide/end-active-sessions.html',
  },
} as const satisfies Record<string, Link>;

/** The IAM service name of a service-specific credential (what `list-service-specific-credentials` filters on). */
const SERVICE_NAME: Record<NonNullable<CredentialDetails['service']>, string> = {
  bedrock: 'bedrock.amazonaws.com',
  codecommit: 'codecommit.amazonaws.com',
  keyspaces: 'cassandra.amazonaws.com',
};

/** A region loop for the AWS CLI over the account's enabled regions. */
const EVERY_REGION = `for region in $(aws ec2 describe-regions --query 'Regions[].RegionName' --output text); do`;

export interface OtherSubject {
  kind: Exclude<CredentialKind, 'access-key-id' | 'secret-access-key' | 'session-token'>;
  accountId?: string;
  details?: CredentialDetails;
}

export function isOtherKind(kind: CredentialKind): kind is OtherSubject['kind'] {
  return kind !== 'access-key-id' && kind !== 'secret-access-key' && kind !== 'session-token';
}

/** How the plan names its subject: "the Bedrock API key of IAM user X (account Y)". */
export function describeSubject(subject: OtherSubject): string {
  const account = subject.accountId ? ` (account ${subject.accountId})` : '';
  const user = subject.details?.iamUser;
  switch (subject.kind) {
    case 'bedrock-api-key':
      return `the Bedrock API key of IAM user ${user ?? '<user>'}${account}`;
    case 'bedrock-short-term-key':
      return `the short-term Bedrock API key signed by ${subject.details?.signingKeyId ? redact(subject.details.signingKeyId) : 'an access key'}`;
    case 'service-specific-credential':
      return `the service-specific credential of ${subject.details?.serviceUserName ?? user ?? '<user>'}`;
    case 'sso-token':
      return `the IAM Identity Center (SSO) ${subject.details?.tokenType ?? 'access'} token`;
  }
}

function reviewByUser(user: string): PlanStep {
  return {
    title: 'Review what was done with it, in every region',
    text:
      `Look at CloudTrail for the actions of ${user}, in every region (the attacker's calls come from addresses and user ` +
      'agents you do not know), and at the bill: Billing → Bills, Amazon Bedrock by region, for model use you did not make.',
    commands: [
      `${EVERY_REGION} echo "== $region"; aws cloudtrail lookup-events --region "$region" --lookup-attributes AttributeKey=Username,AttributeValue=${user} --query 'Events[].[EventTime,EventName,EventSource]' --output table; done`,
    ],
    links: [LINKS.cloudTrail, LINKS.compromise],
  };
}

const ALARMS: PlanStep = {
  title: 'Set alarms, and answer AWS within 24 hours',
  text:
    'Set a billing alarm or budget so that the next surprise costs minutes, not days. If AWS opened a support case or sent an ' +
    'abuse report, answer it within 24 hours: confirm the steps above and ask for a review of the charges.',
  commands: [],
  links: [LINKS.billingAlarm, LINKS.abuseReport],
};

const PURGE: PlanStep = {
  title: 'Purge it from git history',
  text: 'Rewrite history to remove the value, force-push, and ask the host to clear cached views. Rewriting does not un-leak it: step 1 does.',
  commands: ["git filter-repo --replace-text <file listing the value> && git push --force --all && git push --force --tags"],
  links: [LINKS.removeSensitiveData],
};

/** Deactivate, then delete, a service-specific credential of `user`. */
function deactivateServiceCredential(subject: OtherSubject, what: string): PlanStep {
  const user = subject.details?.iamUser ?? '<IAM user>';
  const service = subject.details?.service ? ` --service-name ${SERVICE_NAME[subject.details.service]}` : '';
  const account = subject.accountId ? ` in account ${subject.accountId}` : '';
  return {
    title: `Deactivate ${what} now, then delete it`,
    text:
      `It is a service-specific credential of the IAM user ${user}${account}. Find its ID, set it Inactive at once, and delete it ` +
      'once nothing of yours uses it; create a new one for your own use.',
    commands: [
      `aws iam list-service-specific-credentials --user-name ${user}${service}   # its ServiceSpecificCredentialId`,
      `aws iam update-service-specific-credential --user-name ${user} --service-specific-credential-id <ServiceSpecificCredentialId> --status Inactive`,
      `aws iam delete-service-specific-credential --user-name ${user} --service-specific-credential-id <ServiceSpecificCredentialId>`,
    ],
    links: [OTHER_LINKS.serviceCredentials],
  };
}

export function otherCredentialPlan(subject: OtherSubject): PlanStep[] {
  const user = subject.details?.iamUser ?? '<IAM user>';
  switch (subject.kind) {
    case 'bedrock-api-key': {
      const consoleUser = /^BedrockAPIKey-/.test(user);
      return [
        { ...deactivateServiceCredential(subject, 'the Bedrock API key'), links: [OTHER_LINKS.bedrockKeys, OTHER_LINKS.serviceCredentials] },
        ...(consoleUser
          ? [
              {
                title: `Delete the IAM user ${user}`,
                text: 'The console made this user for the key alone, with Bedrock permissions: once the key is deleted, remove its policies and the user.',
                commands: [
                  `aws iam list-attached-user-policies --user-name ${user}`,
                  `aws iam detach-user-policy --user-name ${user} --policy-arn <PolicyArn>   # for each`,
                  `aws iam delete-user --user-name ${user}`,
                ],
                links: [OTHER_LINKS.bedrockKeys],
              } satisfies PlanStep,
            ]
          : []),
        reviewByUser(user),
        ALARMS,
        PURGE,
      ];
    }
    case 'bedrock-short-term-key': {
      const signer = subject.details?.signingKeyId;
      const expires = subject.details?.expires;
      const temporary = signer?.startsWith('ASIA') ?? false;
      return [
        {
          title: 'Stop it if it has not expired',
          text:
            `A short-term Bedrock API key is a presigned request: it works until ${expires ?? 'it expires (12 hours at most)'}, and ` +
            `only while the credentials that signed it (${signer ? redact(signer) : 'an access key'}) are valid. ` +
            (temporary
              ? 'They are temporary (STS): revoke the active sessions of the role they belong to.'
              : 'Deactivate the access key that signed it (and replace it), or wait for the expiry if that is minutes away.'),
          commands: signer
            ? temporary
              ? [
                  `aws sts get-access-key-info --access-key-id ${signer}   # the account`,
                  `${EVERY_REGION} aws cloudtrail lookup-events --region "$region" --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=${signer} --max-items 5; done   # the role`,
                  '# IAM console → Roles → <the role> → Revoke active sessions',
                ]
              : [
                  `aws iam get-access-key-last-used --access-key-id ${signer}   # its UserName`,
                  `aws iam update-access-key --access-key-id ${signer} --status Inactive --user-name <UserName>`,
                ]
            : [],
          links: [OTHER_LINKS.bedrockKeys, LINKS.revokeSessions],
        },
        {
          title: 'Review Bedrock use in that region',
          text: `Check the bill and CloudTrail in ${subject.details?.region ?? 'the key\'s region'} for model calls you did not make while it was valid.`,
          commands: signer
            ? [
                `aws cloudtrail lookup-events --region ${subject.details?.region ?? '<region>'} --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=${signer} --query 'Events[].[EventTime,EventName,Username]' --output table`,
              ]
            : [],
          links: [LINKS.cloudTrail],
        },
        PURGE,
      ];
    }
    case 'service-specific-credential':
      return [
        {
          ...deactivateServiceCredential(subject, 'the credential'),
          links: subject.details?.service === 'codecommit' ? [OTHER_LINKS.codecommitCredentials, OTHER_LINKS.serviceCredentials] : [OTHER_LINKS.serviceCredentials],
        },
        {
          title: 'Review what it did',
          text:
            subject.details?.service === 'codecommit'
              ? `Look at CloudTrail for GitPush and GitPull by ${user} (code read or changed), and at the repositories' recent commits.`
              : `Look at CloudTrail for the actions of ${user}, in every region.`,
          commands: [
            `${EVERY_REGION} echo "== $region"; aws cloudtrail lookup-events --region "$region" --lookup-attributes AttributeKey=Username,AttributeValue=${user} --query 'Events[].[EventTime,EventName,EventSource]' --output table; done`,
          ],
          links: [LINKS.cloudTrail],
        },
        PURGE,
      ];
    case 'sso-token':
      return [
        {
          title: 'Sign out and revoke the session now',
          text:
            'On the machine whose ~/.aws/sso/cache was committed, sign out: that ends the cached session. Then, in IAM Identity ' +
            'Center, end the user\'s active sessions, so a copied refresh token gets no new access tokens. Role sessions already ' +
            'taken from its permission sets last until they expire: to stop them at once, add a deny policy for that user to the permission sets.',
          commands: ['aws sso logout', '# IAM Identity Center console → Users → <the user> → Active sessions → Revoke'],
          links: [OTHER_LINKS.ssoSessions],
        },
        {
          title: 'Review what the roles it reaches did',
          text: 'Look at CloudTrail in every region for the permission sets the user can use, since the token was cached.',
          commands: [],
          links: [LINKS.cloudTrail, LINKS.compromise],
        },
        PURGE,
      ];
  }
}
