import type { CredentialKind } from '../detect/types.js';
import type { Finding, ScanResult, SuppressedFinding } from '../scan/types.js';
import { HOMEPAGE, VERSION } from '../version.js';
import { describeDetails, KIND_LABEL, shownFingerprint } from './labels.js';
import { describeExposure, incidentTarget } from './remediation.js';

const RULES: { kind: CredentialKind; id: string; name: string; help: string }[] = [
  {
    kind: 'access-key-id',
    id: 'aws-access-key-id',
    name: 'AwsAccessKeyId',
    help:
      'An AWS access key ID (AKIA long-term, ASIA temporary, ABIA, ACCA) is in the file. Remove it and load credentials ' +
      'from an AWS profile, SSO, environment variables or a secrets manager. If it was ever pushed, deactivate and rotate ' +
      'the key in IAM now and review CloudTrail in every region; `keyguard incident <key id>` prints the full plan.',
  },
  {
    kind: 'secret-access-key',
    id: 'aws-secret-access-key',
    name: 'AwsSecretAccessKey',
    help:
      'An AWS secret access key is in the file. Anyone who has it and its key ID can act as you in AWS. Remove it; if it ' +
      'was ever pushed, deactivate and rotate the key pair in IAM now.',
  },
  {
    kind: 'session-token',
    id: 'aws-session-token',
    name: 'AwsSessionToken',
    help:
      'An AWS session token (temporary credentials) is in the file. It stays valid until it expires; if it was pushed, ' +
      'revoke the role\'s active sessions in IAM and rotate whatever issued it.',
  },
  {
    kind: 'bedrock-api-key',
    id: 'aws-bedrock-api-key',
    name: 'AwsBedrockApiKey',
    help:
      'A long-term Amazon Bedrock API key (ABSK...) is in the file: anyone who has it can run models on your bill. Remove it; ' +
      'if it was ever pushed, deactivate and delete its service-specific credential in IAM now; `keyguard incident` prints the commands.',
  },
  {
    kind: 'bedrock-short-term-key',
    id: 'aws-bedrock-short-term-key',
    name: 'AwsBedrockShortTermKey',
    help:
      'A short-term Amazon Bedrock API key (bedrock-api-key-...) is in the file. It works for at most 12 hours; if it was pushed ' +
      'and has not expired, revoke the sessions of the role that signed it, or deactivate the access key that signed it.',
  },
  {
    kind: 'service-specific-credential',
    id: 'aws-service-specific-credential',
    name: 'AwsServiceSpecificCredential',
    help:
      'The password of an AWS service-specific credential (CodeCommit HTTPS Git credentials, Amazon Keyspaces) is in the file. ' +
      'Remove it; if it was ever pushed, deactivate and delete the credential in IAM and create a new one.',
  },
  {
    kind: 'sso-token',
    id: 'aws-sso-token',
    name: 'AwsSsoToken',
    help:
      'An IAM Identity Center (SSO) token from the AWS CLI cache is in the file. Remove the cache file from the repository; if it ' +
      'was pushed, sign out (`aws sso logout`) and revoke the user\'s active sessions in IAM Identity Center.',
  },
];

const SUPPRESSION = {
  inline: 'a keyguard:allow comment on the line',
  allow: 'listed in keyguard\'s "allow" configuration',
  baseline: 'in .keyguard-baseline.json (present when keyguard was adopted)',
} as const;

/** How the value was written, when it was encoded: ` (written as base64 > gzip)`. */
function written(finding: Finding): string {
  const inside = finding.within ? ` in ${finding.within.join(' > ')} line ${finding.line}` : '';
  return inside + (finding.encoding === 'plain' ? '' : ` (written as ${(finding.encodings ?? [finding.encoding]).join(' > ')})`);
}

/** The finding's situation and what it calls for, as the result's message carries it. */
function situation(finding: Finding): string {
  const exposure = finding.exposure;
  if (!exposure) return '.';
  const where = describeExposure(finding);
  if (exposure.state === 'pushed') return `; ${where}. Treat it as compromised: deactivate and rotate it now (keyguard incident ${incidentTarget(finding)}).`;
  if (exposure.state === 'committed') return `; ${where}. Rewrite the local commits before pushing.`;
  if (exposure.state === 'unknown') return `; ${where}. If it was pushed, rotate it (keyguard incident ${incidentTarget(finding)}).`;
  if (exposure.state === 'partial' && exposure.commits.length > 0) return `; ${where}. Rewrite the local commits before pushing.`;
  return `; ${where}. Remove it before committing.`;
}

/**
 * SARIF 2.1.0, as accepted by GitHub code scanning (`github/codeql-action/upload-sarif`). Allowed
 * findings are included as suppressed results, so that code scanning shows them as dismissed.
 */
export function formatSarif(result: ScanResult): string {
  const ruleIndex = new Map(RULES.map((rule, index) => [rule.kind, index]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'keyguard',
            version: VERSION,
            informationUri: HOMEPAGE,
            rules: RULES.map((rule) => ({
              id: rule.id,
              name: rule.name,
              shortDescription: { text: `AWS ${KIND_LABEL[rule.kind]} in the repository` },
              fullDescription: { text: rule.help },
              help: { text: rule.help },
              defaultConfiguration: { level: 'error' },
              properties: { tags: ['security', 'secrets', 'aws'], precision: 'high', 'security-severity': '9.0' },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: [...result.findings, ...(result.suppressed ?? [])].map((finding: Finding & { reason?: SuppressedFinding['reason'] }) => {
          const index = ruleIndex.get(finding.kind)!;
          const described = describeDetails(finding.details);
          const account = (finding.accountId ? ` (account ${finding.accountId})` : '') + (described ? ` (${described})` : '');
          return {
            ruleId: RULES[index]!.id,
            ruleIndex: index,
            level: 'error',
            message: { text: `AWS ${KIND_LABEL[finding.kind]} ${finding.redacted}${account}${written(finding)}${situation(finding)}` },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: encodeURI(finding.path), uriBaseId: '%SRCROOT%' },
                  region: { startLine: finding.line, startColumn: finding.column },
                },
              },
            ],
            partialFingerprints: { 'keyguard/v2': shownFingerprint(finding) },
            ...(finding.reason
              ? { suppressions: [{ kind: finding.reason === 'inline' ? 'inSource' : 'external', justification: SUPPRESSION[finding.reason] }] }
              : {}),
          };
        }),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
