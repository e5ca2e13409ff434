import type { CredentialKind } from '../detect/types.js';
import type { Finding, ScanResult, SuppressedFinding } from '../scan/types.js';
import { HOMEPAGE, VERSION } from '../version.js';
import type { RunFailure } from './json.js';
import { describeDetails, KIND_LABEL, shownFingerprint } from './labels.js';
import { OTHER_LINKS } from './other-plans.js';
import { LINKS } from './plan.js';
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

/**
 * Each kind's SARIF rule id, in the conventional form (tool prefix and number: the SARIF validator
 * asks for it), and the page that explains what to do. Ids are never reused or renumbered: GitHub
 * code scanning keys its alerts by them. The descriptive id a rule had before is kept as a deprecated id.
 */
const SARIF_RULES: Record<CredentialKind, { id: string; helpUri: string }> = {
  'access-key-id': { id: 'KG1001', helpUri: LINKS.accessKeys.url },
  'secret-access-key': { id: 'KG1002', helpUri: LINKS.compromise.url },
  'session-token': { id: 'KG1003', helpUri: LINKS.revokeSessions.url },
  'bedrock-api-key': { id: 'KG1004', helpUri: OTHER_LINKS.bedrockKeys.url },
  'bedrock-short-term-key': { id: 'KG1005', helpUri: OTHER_LINKS.bedrockKeys.url },
  'service-specific-credential': { id: 'KG1006', helpUri: OTHER_LINKS.serviceCredentials.url },
  'sso-token': { id: 'KG1007', helpUri: OTHER_LINKS.ssoSessions.url },
};

/** The JSON schema of SARIF 2.1.0 as OASIS publishes it (the standard with its errata). */
export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

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

/** Which version of which repository was scanned (SARIF's versionControlProvenance). */
export interface Provenance {
  /** An absolute URI, with no user name or password in it. */
  repositoryUri: string;
  revisionId?: string;
  branch?: string;
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

function driver() {
  return {
    name: 'keyguard',
    version: VERSION,
    semanticVersion: VERSION,
    informationUri: HOMEPAGE,
    rules: RULES.map((rule) => ({
      id: SARIF_RULES[rule.kind].id,
      name: rule.name,
      deprecatedIds: [rule.id],
      shortDescription: { text: `AWS ${KIND_LABEL[rule.kind]} in the repository.` },
      fullDescription: { text: rule.help },
      help: { text: rule.help },
      helpUri: SARIF_RULES[rule.kind].helpUri,
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['security', 'secrets', 'aws'], precision: 'high', 'security-severity': '9.0' },
    })),
  };
}

/**
 * Where the credential is: its region, with the redacted value as the snippet, never the value
 * itself. No context region: the text around a credential can hold other secrets (a password on
 * the same line) that keyguard does not report, so it is never copied into a report.
 */
function locationOf(finding: Finding) {
  const oneLine = finding.endLine === undefined || finding.endLine === finding.line;
  const region = {
    startLine: finding.line,
    startColumn: finding.column,
    ...(oneLine ? {} : { endLine: finding.endLine }),
    ...(oneLine && finding.encoding === 'plain' && !finding.within ? { endColumn: finding.column + finding.value.length } : {}),
    snippet: { text: finding.redacted },
  };
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(finding.path), uriBaseId: '%SRCROOT%' },
      region,
    },
  };
}

function run(body: { results: unknown[]; invocation: Record<string, unknown>; provenance?: Provenance }) {
  return {
    tool: { driver: driver() },
    invocations: [body.invocation],
    ...(body.provenance ? { versionControlProvenance: [{ ...body.provenance, mappedTo: { uriBaseId: '%SRCROOT%' } }] } : {}),
    originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The top level of the repository that was scanned.' } } },
    columnKind: 'utf16CodeUnits',
    results: body.results,
  };
}

/**
 * SARIF 2.1.0, as accepted by GitHub code scanning (`github/codeql-action/upload-sarif`). Allowed
 * findings are included as suppressed results, so that code scanning shows them as dismissed.
 */
export function formatSarif(result: ScanResult, provenance?: Provenance): string {
  const ruleIndex = new Map(RULES.map((rule, index) => [rule.kind, index]));
  const results = [...result.findings, ...(result.suppressed ?? [])].map((finding: Finding & { reason?: SuppressedFinding['reason'] }) => {
    const index = ruleIndex.get(finding.kind)!;
    const described = describeDetails(finding.details);
    const account = (finding.accountId ? ` (account ${finding.accountId})` : '') + (described ? ` (${described})` : '');
    return {
      ruleId: SARIF_RULES[finding.kind].id,
      ruleIndex: index,
      level: 'error',
      message: { text: `AWS ${KIND_LABEL[finding.kind]} ${finding.redacted}${account}${written(finding)}${situation(finding)}` },
      locations: [locationOf(finding)],
      partialFingerprints: { 'keyguard/v2': shownFingerprint(finding) },
      ...(finding.commit ? { properties: { commit: finding.commit } } : {}),
      ...(finding.reason
        ? { suppressions: [{ kind: finding.reason === 'inline' ? 'inSource' : 'external', justification: SUPPRESSION[finding.reason] }] }
        : {}),
    };
  });
  const invocation = { executionSuccessful: true, exitCode: result.findings.length > 0 ? 1 : 0 };
  const sarif = { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run({ results, invocation, provenance })] };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/**
 * A run that failed: its invocation says so (executionSuccessful false, exit code 2) with the error
 * as a notification, so that an upload step never gets an empty file. The results list is empty
 * rather than absent because GitHub code scanning refuses a run without one.
 */
export function formatSarifError(failure: RunFailure, provenance?: Provenance): string {
  const text = failure.hint ? `${failure.message} ${failure.hint}` : failure.message;
  const invocation = {
    executionSuccessful: false,
    exitCode: 2,
    toolExecutionNotifications: [{ level: 'error', message: { text: /[.!?]$/.test(text) ? text : `${text}.` } }],
  };
  const sarif = { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run({ results: [], invocation, provenance })] };
  return JSON.stringify(sarif, null, 2) + '\n';
}
